/**
 * Runs one timing workload in this process and prints its result as JSON.
 * bench/run.mjs starts one process per workload, so what one workload leaves
 * behind (native AbortSignal.any leaves a lot for the collector) cannot slow
 * down the next; inside the process ctxkit and native run interleaved.
 *
 *   node --expose-gc bench/timing.mjs <workload-id> [--quick]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS, compareVariants } from './lib/compare.mjs';
import cancel from './workloads/cancel.mjs';
import latency from './workloads/latency.mjs';
import reads from './workloads/reads.mjs';
import timeouts from './workloads/timeouts.mjs';
import tree from './workloads/tree.mjs';

/** Every timing workload, in the order of the report. */
export const TIMING_WORKLOADS = [...cancel, ...tree, ...reads, ...latency, ...timeouts];

/** Runs a workload: its own run(), or its variants compared with mitata. */
export async function runTimingWorkload(workload, settings) {
  const started = Date.now();
  const result = workload.run ? await workload.run(settings) : await compareVariants(workload.variants(), settings);
  return { id: workload.id, title: workload.title, ...result, seconds: (Date.now() - started) / 1000 };
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  const id = process.argv[2];
  const workload = TIMING_WORKLOADS.find((w) => w.id === id);
  if (workload === undefined) {
    console.error(`unknown timing workload "${id}"; one of: ${TIMING_WORKLOADS.map((w) => w.id).join(', ')}`);
    process.exit(2);
  }
  const settings = process.argv.includes('--quick') ? SETTINGS.quick : SETTINGS.full;
  console.log(JSON.stringify(await runTimingWorkload(workload, settings)));
}
