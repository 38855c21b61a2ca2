/**
 * The hot paths right after a full garbage collection, against their steady state.
 *
 * A server runs full collections all day. If a collection frees a hidden class
 * that optimised code embedded, V8 throws that code away ("reason: weak
 * objects") and the next requests pay for it until the code is optimised again.
 * Each row times a batch right after `gc()` and the batch just before it, in
 * the same warm process, over several rounds; the goal is within 1.5× of the
 * steady state (docs/performance.md).
 *
 *   node bench/gc.mjs            prints the rows (npm run bench runs it as an optional module)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROUNDS = 9;

/** The hot paths, each a batch of n operations. */
async function batches() {
  const { background, withCancel, withTimeout } = await import('ctxkit');
  const root = background();
  return {
    'withCancel + cancel (batch of 20,000)': {
      n: 20_000,
      run(n) {
        for (let i = 0; i < n; i++) withCancel(root)[1]();
      },
    },
    'withTimeout(60 s) + cancel (batch of 20,000)': {
      n: 20_000,
      run(n) {
        for (let i = 0; i < n; i++) withTimeout(root, 60_000)[1]();
      },
    },
    '1,000 withCancel children of one parent, cancelled with it': {
      n: 1_000,
      run(n) {
        const [parent, cancel] = withCancel(root);
        for (let i = 0; i < n; i++) void withCancel(parent)[0].done();
        cancel();
      },
    },
  };
}

function nsPerOp(batch) {
  const start = process.hrtime.bigint();
  batch.run(batch.n);
  return Number(process.hrtime.bigint() - start) / batch.n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** In a process started with --expose-gc: per batch, the median steady and after-gc cost. */
async function probe() {
  const out = {};
  for (const [name, batch] of Object.entries(await batches())) {
    for (let i = 0; i < 30; i++) nsPerOp(batch);
    const steady = [];
    const afterGc = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < 10; i++) nsPerOp(batch);
      steady.push(nsPerOp(batch));
      globalThis.gc();
      afterGc.push(nsPerOp(batch));
    }
    out[name] = { steady: median(steady), afterGc: median(afterGc) };
  }
  console.log(JSON.stringify(out));
}

/** The rows for bench/run.mjs: each batch's steady and after-gc cost, and their ratio. */
export async function run() {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', self, '--probe'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/gc.mjs probe failed: ${r.stderr}`);
  const rows = [];
  for (const [name, { steady, afterGc }] of Object.entries(JSON.parse(r.stdout))) {
    rows.push({ name: `${name}: steady`, median: steady, unit: 'ns', samples: ROUNDS });
    rows.push({ name: `${name}: right after gc()`, median: afterGc, unit: 'ns', samples: ROUNDS });
    rows.push({ name: `${name}: after gc ÷ steady (goal ≤ 1.5)`, median: afterGc / steady, unit: '×', samples: ROUNDS });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--probe')) await probe();
  else for (const row of await run()) console.log(`${row.name}: ${row.median.toFixed(row.unit === '×' ? 2 : 0)} ${row.unit}`);
}
