// ctxkit/worker figures: (a) how long after cancel() in the main thread a
// worker notices, when it spins in a synchronous loop polling ctx.err() and
// when it idles on await ctx.done(); (b) what err() costs on a context shared
// from another thread against a local one (mitata).
//
//   npm run build && node bench/worker.mjs
//
// It loads the built package (dist/) through the package's own exports map.
//
// It prints a markdown table; `run()` returns the same rows as objects for the
// main bench runner: { name, median, p99, unit, samples }.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { do_not_optimize, measure } from 'mitata';
import { background, withCancel, withTimeout } from 'ctxkit';
import { receiveContext, shareContext } from 'ctxkit/worker';

const ROLE = 'ctxkit-worker-bench';
const RUNS = 300;
const WARMUP = 30;

/** CLOCK_MONOTONIC in ns: one clock for every thread of the process, so stamps compare across threads. */
const now = () => process.hrtime.bigint();

/** The worker side: receive a descriptor, say ready, notice cancellation, report when. */
function workerMain() {
  parentPort.on('message', async ({ descriptor, mode }) => {
    const ctx = receiveContext(descriptor);
    if (mode === 'spin') {
      parentPort.postMessage({ ready: true });
      while (ctx.err() === undefined);
      parentPort.postMessage({ at: now() });
    } else {
      const done = ctx.done();
      parentPort.postMessage({ ready: true });
      await done;
      parentPort.postMessage({ at: now() });
    }
  });
}

function next(worker) {
  return new Promise((resolve) => worker.once('message', resolve));
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
}

/** Median and p99 latency (µs) from cancel() to the worker noticing, over RUNS runs on one reused worker. */
async function latency(worker, mode, transport) {
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const [ctx, cancel] = withCancel(background());
    const share = shareContext(ctx, { transport });
    worker.postMessage({ descriptor: share.descriptor, mode }, share.transfer);
    await next(worker); // ready
    const reply = next(worker);
    const t0 = now();
    cancel();
    const { at } = await reply;
    if (i >= WARMUP) samples.push(Number(at - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 0.5), p99: percentile(samples, 0.99), unit: 'µs', samples: samples.length };
}

/** mitata's p50 and p99 (ns) of one call. */
async function cost(fn) {
  const stats = await measure(fn);
  return { median: stats.p50, p99: stats.p99, unit: 'ns', samples: stats.samples.length };
}

/** Runs every measurement and returns the rows. */
export async function run() {
  const rows = [];
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: ROLE } });
  try {
    rows.push({ name: 'cancel() → busy worker polling err() notices (shared memory)', ...(await latency(worker, 'spin', 'shared-memory')) });
    rows.push({ name: 'cancel() → idle worker done() resolves (shared memory, Atomics.waitAsync)', ...(await latency(worker, 'idle', 'shared-memory')) });
    rows.push({ name: 'cancel() → idle worker done() resolves (message transport)', ...(await latency(worker, 'idle', 'message')) });
  } finally {
    await worker.terminate();
  }

  const [local, cancelLocal] = withCancel(background());
  const [sharedSource, cancelShared] = withCancel(background());
  const shared = receiveContext(shareContext(sharedSource).descriptor);
  const [withDeadline, cancelDeadline] = withTimeout(background(), 3_600_000);
  const sharedDeadline = receiveContext(shareContext(withDeadline).descriptor);
  const [child, cancelChild] = withCancel(shared);
  rows.push({ name: 'err() on a local withCancel context', ...(await cost(() => do_not_optimize(local.err()))) });
  rows.push({ name: 'err() on a shared context (RemoteContext)', ...(await cost(() => do_not_optimize(shared.err()))) });
  rows.push({ name: 'err() on a shared context with a deadline', ...(await cost(() => do_not_optimize(sharedDeadline.err()))) });
  rows.push({ name: 'err() on withCancel(shared) made in the worker', ...(await cost(() => do_not_optimize(child.err()))) });
  for (const cancel of [cancelLocal, cancelShared, cancelDeadline, cancelChild]) cancel();
  return rows;
}

/** The rows as a markdown table. */
export function table(rows) {
  const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = ['| case | median | p99 | samples |', '| --- | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.name} | ${fmt(r.median)} ${r.unit} | ${fmt(r.p99)} ${r.unit} | ${r.samples} |`);
  return lines.join('\n');
}

if (!isMainThread && workerData?.role === ROLE) {
  workerMain();
} else if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const rows = await run();
  console.log(table(rows));
  console.log(`\n(${process.version}, ${Math.round(performance.now() - started)} ms)`);
}
