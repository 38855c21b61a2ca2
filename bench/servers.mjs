// ctxkit/node across processes: how soon a client's abort ends the request's
// context in each hop of the chain client → A → B → C (examples/chain/: A on
// node:http, B on Express 5, C on node:http, each a process of its own on
// 127.0.0.1, calling the next with fetchWithContext). Each run sends one
// request whose work at C would take a minute, waits until C works on it,
// aborts (destroys the client's connection), and takes the time from the abort
// to each hop's "context-done" report. Hops stamp their reports with the
// machine's monotonic clock (process.hrtime), which every process shares.
// The chain's processes are started once and reused for every run.
//
//   npm run build && node bench/servers.mjs [--runs=N]
//
// It prints a markdown table; `run()` returns the same rows as objects for the
// main bench runner (bench/run.mjs): { name, median, p99, unit, samples }.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import launch from '../test/e2e/hop-processes.cjs';
import { markdownTable } from './lib/format.mjs';
import { summarize } from './lib/stats.mjs';

const { monoNow, startChain } = launch;

const RUNS = 200;
const WARMUP = 20;

/** Sends a request to the chain's first hop and aborts it once C works on it; resolves with the ms from the abort to each hop's context being done. */
async function abortOnce(chain, id) {
  const { A, C } = chain.hops;
  const req = http.request({ host: '127.0.0.1', port: A.port, path: '/?work=C:60000', headers: { 'ctxkit-values': `request-id=${id}` }, agent: false });
  req.on('error', () => undefined);
  req.end();
  await C.waitForEvent('work-started', id);
  const abortedAt = monoNow();
  req.destroy();
  const done = await Promise.all(chain.all.map((hop) => hop.waitForEvent('context-done', id)));
  for (const event of done) {
    if (event.cause !== 'ClientDisconnectedError') throw new Error(`${event.hop}: ${id} ended with ${event.cause}, not ClientDisconnectedError`);
  }
  return done.map((event) => event.at - abortedAt);
}

/** Runs the measurement and returns the rows: one per hop. */
export async function run({ runs = RUNS } = {}) {
  const chain = await startChain([{ name: 'A' }, { name: 'B', framework: 'express' }, { name: 'C' }]);
  const samples = chain.all.map(() => []);
  try {
    for (let i = 0; i < WARMUP + runs; i++) {
      const latencies = await abortOnce(chain, `bench-${i}`);
      if (i >= WARMUP) latencies.forEach((ms, hop) => samples[hop].push(ms));
    }
    await chain.stop();
  } finally {
    chain.kill();
  }
  const what = ['A (node:http, 1st hop)', 'B (Express, 2nd hop)', 'C (node:http, 3rd hop)'];
  return samples.map((hopSamples, i) => {
    const { median, p99 } = summarize(hopSamples);
    return { name: `client abort → ${what[i]} context done`, median, p99, unit: 'ms', samples: hopSamples.length };
  });
}

/** The rows as a markdown table. */
export function table(rows) {
  return markdownTable(
    ['case', 'median', 'p99', 'samples'],
    rows.map((r) => [r.name, `${r.median.toFixed(2)} ${r.unit}`, `${r.p99.toFixed(2)} ${r.unit}`, String(r.samples)]),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runsArg = process.argv.find((a) => a.startsWith('--runs='));
  const runs = runsArg === undefined ? RUNS : Number(runsArg.slice('--runs='.length));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const started = performance.now();
  console.log(table(await run({ runs })));
  console.log(`\n(${process.version}, ${runs} runs after ${WARMUP} warm-up runs, ${Math.round(performance.now() - started)} ms)`);
}
