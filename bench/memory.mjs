/**
 * Runs one variant of one memory workload in this process and prints its
 * result as JSON. Needs --expose-gc; bench/run.mjs starts one process per
 * variant so no variant's garbage (or leak) shows in another's figure.
 *
 *   node --expose-gc bench/memory.mjs <workload-id> <variant-name> [--quick]
 *
 * Heap figures are taken as in test/core/memory.test.ts: two full collections
 * before each reading, a warm-up round first, and queued callbacks (promise
 * jobs, FinalizationRegistry cleanups) allowed to run before each reading.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.mjs';
import { MEMORY_WORKLOADS } from './workloads/memory.mjs';

/** Rounds measured after the warm-up round, and the share of each variant's n used. */
const SETTINGS = {
  full: { rounds: 3, scale: 1 },
  quick: { rounds: 1, scale: 0.2 },
};

/** Heap in use after full collections. */
function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Lets queued callbacks run: promise jobs, timers due now, FinalizationRegistry cleanups. */
function settle() {
  return new Promise((r) => setImmediate(r));
}

/**
 * Bytes per live context: each round creates n and keeps them, reads the heap
 * against the reading before, then releases and drops them. The keep array is
 * allocated before the first reading, so it is not counted.
 */
async function bytesPerLive(variant, n, rounds) {
  const parent = variant.setup();
  const keep = new Array(2 * n).fill(0);
  const perRound = [];
  for (let r = 0; r <= rounds; r++) {
    await settle();
    const base = heap();
    for (let i = 0; i < n; i++) variant.create(parent, keep, i);
    const bytes = (heap() - base) / n;
    if (r > 0) perRound.push(bytes); // round 0 warms up
    if (variant.release) for (let i = 0; i < n; i++) variant.release(parent, keep, i);
    keep.fill(0);
  }
  return { bytes: median(perRound), perRound, n };
}

/**
 * Bytes left behind per iteration: one warm-up round of n iterations, then
 * `rounds` rounds of n, and the heap growth over them divided by their count.
 */
async function bytesLeftPer(variant, n, rounds) {
  const parent = variant.setup();
  for (let i = 0; i < n; i++) variant.iterate(parent, i);
  await settle();
  heap(); // cleanups queued by this collection run in the next settle
  await settle();
  const base = heap();
  const perRound = [];
  let before = base;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) variant.iterate(parent, i);
    await settle();
    const after = heap();
    perRound.push((after - before) / n);
    before = after;
  }
  return { bytes: (before - base) / (n * rounds), perRound, n };
}

/** Measures one variant of one memory workload. */
export async function runMemoryVariant(workload, variant, settings) {
  const n = Math.max(1000, Math.round(variant.n * settings.scale));
  const measure = workload.kind === 'live' ? bytesPerLive : bytesLeftPer;
  return { workload: workload.id, name: variant.name, side: variant.side, ...(await measure(variant, n, settings.rounds)) };
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  if (typeof globalThis.gc !== 'function') {
    console.error('bench/memory.mjs needs node --expose-gc');
    process.exit(2);
  }
  const [id, name] = process.argv.slice(2);
  const workload = MEMORY_WORKLOADS.find((w) => w.id === id);
  const variant = workload?.variants.find((v) => v.name === name);
  if (variant === undefined) {
    const known = MEMORY_WORKLOADS.map((w) => `${w.id}: ${w.variants.map((v) => JSON.stringify(v.name)).join(', ')}`);
    console.error(`unknown memory workload/variant "${id}" ${JSON.stringify(name)}; known:\n  ${known.join('\n  ')}`);
    process.exit(2);
  }
  const settings = process.argv.includes('--quick') ? SETTINGS.quick : SETTINGS.full;
  const started = Date.now();
  const result = await runMemoryVariant(workload, variant, settings);
  console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }));
}
