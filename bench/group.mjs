// withGroup's per-task overhead against Promise.all, for trivial tasks (an
// async function that returns at once): the goal is within 2× of Promise.all.
// Also the same batch through a group with a limit, and through mapLimit.
//
//   npm run build && node bench/group.mjs
//
// It loads the built package (dist/) through the package's own exports map.
//
// It prints a markdown table; `run()` returns the same rows as objects for the
// main bench runner: { name, median, p99, unit, samples }, with the ratio to
// Promise.all in the name of each group row.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { background, mapLimit, withGroup } from 'ctxkit';
import { markdownTable } from './lib/format.mjs';
import { summarize } from './lib/stats.mjs';

/** Tasks per batch, batches measured, batches run first to warm up. */
const TASKS = 1_000;
const RUNS = 300;
const WARMUP = 100;
/** The limit for the limited variants: well below TASKS, so tasks queue. */
const LIMIT = 8;

const task = async (ctx) => ctx;
const indexed = async (_ctx, item) => item;
const items = Array.from({ length: TASKS }, (_, i) => i);

/** The variants: each runs one batch of TASKS trivial tasks to the end. */
const VARIANTS = {
  'Promise.all': async (ctx) => {
    const promises = new Array(TASKS);
    for (let i = 0; i < TASKS; i++) promises[i] = task(ctx);
    return await Promise.all(promises);
  },
  withGroup: async (ctx) => {
    const g = withGroup(ctx);
    for (let i = 0; i < TASKS; i++) void g.go(task);
    return await g.wait();
  },
  [`withGroup, limit ${LIMIT}`]: async (ctx) => {
    const g = withGroup(ctx, { limit: LIMIT });
    for (let i = 0; i < TASKS; i++) await g.go(task);
    return await g.wait();
  },
  [`mapLimit, limit ${LIMIT}`]: (ctx) => mapLimit(ctx, items, LIMIT, indexed),
};

/** ns per task for each batch of `variant`, interleaved with the others so that drift hits all alike. */
async function measure() {
  const ctx = background();
  const samples = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const t0 = performance.now();
      await variant(ctx);
      const ns = ((performance.now() - t0) * 1e6) / TASKS;
      if (i >= WARMUP) samples[name].push(ns);
    }
  }
  return samples;
}

export async function run() {
  const samples = await measure();
  const baseline = summarize(samples['Promise.all']).median;
  return Object.entries(samples).map(([name, values]) => {
    const { median, p99 } = summarize(values);
    const ratio = name === 'Promise.all' ? '' : ` (${(median / baseline).toFixed(2)}× Promise.all)`;
    return { name: `${TASKS} trivial tasks, per task: ${name}${ratio}`, median, p99, unit: 'ns', samples: values.length };
  });
}

/** The rows as a markdown table. */
export function table(rows) {
  return markdownTable(
    ['case', 'median', 'p99', 'samples'],
    rows.map((r) => [r.name, `${r.median.toFixed(0)} ${r.unit}`, `${r.p99.toFixed(0)} ${r.unit}`, String(r.samples)]),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(table(await run()));
}
