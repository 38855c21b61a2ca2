/**
 * The signal path against its floors, in a loop harness steadier than mitata
 * for rows this allocation-heavy: each round runs every variant 100,000 times
 * in turn, and each variant's figure is the median over rounds of its time ÷
 * the bare AbortController's in the same round (the first rounds warm up).
 *
 *   ctxkit            withCancel(long-lived parent) + read signal + cancel()
 *   AbortController   new AbortController() + read signal + abort(reason)
 *   parent list       the controller plus an entry in a parent's list, taken
 *                     out on cancel: the least any tree of contexts can do
 *   API pair          that, handed out as a Disposable [ctx, cancel] pair with
 *                     a bound cancel function: the least any implementation of
 *                     API.md's withCancel can do
 *
 * Each Node line runs in a process of its own, on core 1 when taskset
 * (util-linux) is there and the machine has two cores or more.
 *
 *   npm run build && node bench/signal-floors.mjs [--node=24]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { presentRuntimes } from '../scripts/runtimes.mjs';

const SELF = fileURLToPath(import.meta.url);
const CALLS = 100_000;
const ROUNDS = 40;
const WARMUP_ROUNDS = 5;

/** In the child: each variant's median time and median per-round ratio to the bare controller. */
async function measure() {
  const { background, withCancel } = await import('ctxkit');
  const { CANCELED, ListedChild, listParent, listedPair } = await import('./lib/native.mjs');
  const [parent] = withCancel(background());
  void parent.signal;
  const listed = listParent();
  const paired = listParent();
  let sink;
  const variants = {
    ctxkit() {
      const [ctx, cancel] = withCancel(parent);
      sink = ctx.signal;
      cancel();
    },
    AbortController() {
      const controller = new AbortController();
      sink = controller.signal;
      controller.abort(CANCELED);
    },
    'parent list'() {
      const child = new ListedChild(listed);
      sink = child.signal;
      child.cancel();
    },
    'API pair'() {
      const [child, cancel] = listedPair(paired);
      sink = child.signal;
      cancel();
    },
  };
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, once] of Object.entries(variants)) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) once();
      times[name].push(Number(process.hrtime.bigint() - started) / CALLS);
    }
  }
  void sink;
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const measured = (name) => times[name].slice(WARMUP_ROUNDS);
  const base = measured('AbortController');
  const ratioTo = (name, against) => median(measured(name).map((t, i) => t / against[i]));
  return {
    node: process.version,
    variants: Object.keys(variants).map((name) => ({ name, ns: median(measured(name)), ratio: ratioTo(name, base) })),
    overPair: ratioTo('ctxkit', measured('API pair')),
  };
}

/** Whether child processes can be pinned to core 1. */
function canPin() {
  if (os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function child(node, pin) {
  const [command, args] = pin ? ['taskset', ['-c', '1', node, SELF, '--child']] : [node, [SELF, '--child']];
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`signal-floors on ${node} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Runs on `nodes` (default: every Node line present); returns rows for bench/run.mjs. */
export async function run({ nodes = Object.entries(presentRuntimes()).filter(([name]) => name.startsWith('node')).map(([, bin]) => bin) } = {}) {
  const pin = canPin();
  return nodes.map((node) => {
    const r = child(node, pin);
    const cells = { node: r.node };
    for (const v of r.variants) cells[v.name] = `${Math.round(v.ns)} ns (${v.ratio.toFixed(2)}×)`;
    cells['ctxkit ÷ API pair'] = `${r.overPair.toFixed(2)}×`;
    return { name: r.node, cells };
  });
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure()));
} else if (process.argv[1] === SELF) {
  const line = process.argv.find((a) => a.startsWith('--node='))?.slice('--node='.length);
  const nodes = line?.split(',').map((l) => presentRuntimes()[`node${l}`] ?? (process.versions.node.startsWith(`${l}.`) ? process.execPath : undefined));
  if (nodes?.includes(undefined)) throw new Error(`--node=${line}: a line has no binary (node scripts/runtimes.mjs install)`);
  const { markdownTable } = await import('./lib/format.mjs');
  const rows = await run(nodes === undefined ? {} : { nodes });
  const columns = Object.keys(rows[0].cells);
  console.log(markdownTable(columns, rows.map((r) => columns.map((c) => r.cells[c]))));
}
