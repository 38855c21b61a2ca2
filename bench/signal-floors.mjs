/**
 * The signal path against its floors, in a loop harness steadier than mitata
 * for rows this allocation-heavy: the variants of the `signal-cancel` workload
 * (bench/workloads/cancel.mjs: ctxkit, the bare AbortController, the
 * controller in a parent list, the same as a [ctx, cancel] pair), each run
 * 100,000 times in turn per round; each figure is the median over rounds of
 * the variant's time ÷ the bare AbortController's in the same round (the
 * first rounds warm up).
 *
 * Each Node line runs in a process of its own, on core 1 when it can be pinned
 * (bench/lib/pinning.mjs).
 *
 *   npm run build && node bench/signal-floors.mjs [--node=24]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { presentRuntimes } from '../scripts/runtimes.mjs';
import { PINNING } from './lib/pinning.mjs';

const SELF = fileURLToPath(import.meta.url);
const CALLS = 100_000;
const ROUNDS = 40;
const WARMUP_ROUNDS = 5;
const BASE = 'AbortController';
const API_FLOOR = 'the same as a [ctx, cancel] pair';

/** In the child: each variant's median time and median per-round ratio to the bare controller. */
async function measure() {
  const { default: workloads } = await import('./workloads/cancel.mjs');
  const variants = workloads.find((w) => w.id === 'signal-cancel').variants();
  const calls = variants.map((v) => v.make());
  const times = variants.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, once] of calls.entries()) {
      const started = process.hrtime.bigint();
      for (let c = 0; c < CALLS; c++) once();
      times[i].push(Number(process.hrtime.bigint() - started) / CALLS);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const measured = (name) => times[variants.findIndex((v) => v.name === name)].slice(WARMUP_ROUNDS);
  const ratioTo = (name, against) => median(measured(name).map((t, i) => t / against[i]));
  return {
    node: process.version,
    variants: variants.map(({ name }) => ({ name, ns: median(measured(name)), ratio: ratioTo(name, measured(BASE)) })),
    overApiFloor: ratioTo('ctxkit', measured(API_FLOOR)),
  };
}

function child(node) {
  const [command, args] = PINNING ? ['taskset', ['-c', '1', node, SELF, '--child']] : [node, [SELF, '--child']];
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`signal-floors on ${node} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Runs on `nodes` (default: every Node line present, whatever line the bench headlines); returns rows for bench/run.mjs. */
export async function run({ nodes = Object.entries(presentRuntimes()).filter(([name]) => name.startsWith('node')).map(([, bin]) => bin) } = {}) {
  return nodes.map((node) => {
    const r = child(node);
    const cells = { node: r.node };
    for (const v of r.variants) cells[v.name] = v.name === BASE ? `${Math.round(v.ns)} ns` : `${Math.round(v.ns)} ns (${v.ratio.toFixed(2)}×)`;
    cells['ctxkit ÷ pair'] = `${r.overApiFloor.toFixed(2)}×`;
    return { name: r.node, cells };
  });
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure()));
} else if (process.argv[1] === SELF) {
  const lines = process.argv.find((a) => a.startsWith('--node='))?.slice('--node='.length).split(',');
  const nodes = lines?.map((line) => {
    const bin = presentRuntimes()[`node${line}`];
    if (bin === undefined) throw new Error(`Node ${line}: no binary (node scripts/runtimes.mjs install)`);
    return bin;
  });
  const { markdownTable } = await import('./lib/format.mjs');
  const rows = await run(nodes === undefined ? {} : { nodes });
  const columns = Object.keys(rows[0].cells);
  console.log(markdownTable(columns, rows.map((r) => columns.map((c) => r.cells[c]))));
}
