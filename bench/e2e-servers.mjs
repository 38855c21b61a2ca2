/**
 * End to end: what a request's context costs a real server. autocannon (in
 * this process) loads real node:http, Fastify and Hono-on-Node
 * (@hono/node-server) servers on 127.0.0.1, each a process of its own
 * (bench/e2e/server.mjs), in eight variants of the request path:
 *
 *   bare         no context: answers "ok"
 *   controller   an AbortController per request, its signal read, aborted with a reason
 *                after the answer: the platform's floor for any request signal
 *   native       the native path of native+hop below, without the hop (what the
 *                adapter's guarantees cost by hand)
 *   ctxkit-nosignal  ctxkit's adapter, the deadline header read, no signal read
 *   ctxkit       ctxkit's adapter alone: the deadline header read, the signal read
 *                (node:http: fromRequest; Fastify: ctxkit/node/fastify; Hono: ctxkit/hono)
 *   bare+hop     one plain fetch to a loopback upstream (a process of its own), no signal
 *   native+hop   the hand-written native path: an AbortController per request, the
 *                deadline header read by hand, AbortSignal.timeout, AbortSignal.any, a
 *                'close' listener added and removed, fetch with the signal and budget
 *   ctxkit+hop   the adapter, the deadline header in, the signal read, one fetchWithContext
 *
 * Every request carries `ctxkit-timeout-ms: 2000`. Each round measures every
 * variant of a framework once (a warm-up load, then the measured one), the order
 * reversed from round to round. The warm-up lasts longer than that budget, so
 * the measured load sees a steady state: the native variants'
 * `AbortSignal.timeout` timers, which cannot be cleared, fire during it as
 * fast as new ones are made, as on a server that is always busy (with a
 * warm-up shorter than the budget, most of them would fire after the measured
 * load and their cost would be billed to nobody). The figures are medians over
 * rounds, and the comparisons (adapter cost against bare, ctxkit+hop against
 * native+hop) are medians of the per-round ratios. Heap per request is the JS heap the server
 * allocated during the measured load (what the heap grew by plus what each
 * collection freed, from v8.GCProfiler) divided by the requests it served.
 *
 * Targets (issue 14): the adapter alone costs ≤ 2 % of bare's requests/s, and
 * ctxkit+hop serves more requests/s than native+hop, on every server.
 *
 *   npm run build && node bench/e2e-servers.mjs [--quick] [--node=24] [--only=http,hono]
 *
 * The servers run on the Node binary given (default: the node running this
 * script; `npm run bench` passes its headline line's). It prints markdown
 * tables; `run()` returns the rows for bench/run.mjs.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { presentRuntimes } from '../scripts/runtimes.mjs';
import { markdownTable } from './lib/format.mjs';
import { PINNING } from './lib/pinning.mjs';
import { median } from './lib/stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const FRAMEWORKS = { http: 'node:http', fastify: 'Fastify', hono: 'Hono (@hono/node-server)' };
const VARIANTS = ['bare', 'controller', 'native', 'ctxkit-nosignal', 'ctxkit', 'bare+hop', 'native+hop', 'ctxkit+hop'];
const SETTINGS = {
  full: { rounds: 5, warmupSeconds: 3, seconds: 5, connections: 16 },
  quick: { rounds: 1, warmupSeconds: 3, seconds: 2, connections: 16 },
};
/** The budget every request carries: far above any request's latency here, and shorter than the warm-up. */
const BUDGET_MS = 2000;
const HEADERS = { 'ctxkit-timeout-ms': String(BUDGET_MS) };
for (const s of Object.values(SETTINGS)) if (s.warmupSeconds * 1000 <= BUDGET_MS) throw new Error('the warm-up must outlast the budget');

/*
 * Where processes run (PINNING, bench/lib/pinning.mjs): each server alone on
 * core 1, and autocannon (this process) with the upstream on core 0, so that
 * what a request costs the server is not blurred by the scheduler moving the
 * three between cores.
 */

/** Forks a script with `node` (pinned to `cpus` when pinning is available); resolves with the child and the port it printed. */
function start(script, args, node, cpus) {
  const pinned = PINNING !== undefined && cpus !== undefined;
  const child = fork(join(HERE, 'e2e', script), args, {
    execPath: pinned ? 'taskset' : node,
    execArgv: pinned ? ['-c', cpus, node] : [],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, port: JSON.parse(out.split('\n')[0]).port });
    });
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited with ${code} before listening`)));
  });
}

/** Sends a message to a server process and resolves with its reply. */
function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

/** One autocannon load; throws if any request failed. */
async function load(port, seconds, connections) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds, headers: HEADERS });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) throw new Error(`port ${port}: ${failed} failed requests (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`);
  return { rps: result.requests.total / seconds, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * Waits until the timers a load left in a server have fired and the process
 * is idle (under 5 % of a core over 250 ms; at most 15 s more), so that work
 * left behind is not billed to the variant measured next: the native
 * variants' `AbortSignal.timeout` timers, one per request, cannot be cleared
 * and fire up to the budget after their load has ended.
 */
async function settle(server) {
  const { timersLeftMs } = await ask(server.child, 'cpu');
  await new Promise((resolve) => setTimeout(resolve, timersLeftMs + 50));
  const until = Date.now() + 15_000;
  let before = await ask(server.child, 'cpu');
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = await ask(server.child, 'cpu');
    const usedMs = (after.user + after.system - before.user - before.system) / 1000;
    if (usedMs < 250 * 0.05) return;
    before = after;
  }
}

/** Measures one server once: warm-up load, then the measured load with the heap counted; then lets it settle. */
async function measureOnce(server, settings) {
  await load(server.port, settings.warmupSeconds, settings.connections);
  await ask(server.child, 'begin');
  const figures = await load(server.port, settings.seconds, settings.connections);
  const heap = await ask(server.child, 'end');
  await settle(server);
  return { ...figures, heapPerRequest: heap.allocated / heap.requests };
}

/** Every variant of one framework, over the rounds: per variant, the per-round figures. */
async function measureFramework(framework, upstreamPort, settings, node) {
  const servers = {};
  try {
    for (const variant of VARIANTS) servers[variant] = await start('server.mjs', [framework, variant, String(upstreamPort)], node, '1');
    const rounds = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) rounds[variant].push(await measureOnce(servers[variant], settings));
    }
    return rounds;
  } finally {
    for (const server of Object.values(servers)) server.child.kill();
  }
}

/** Median over rounds of a paired ratio a ÷ b of requests/s. */
const pairedRatio = (a, b) => median(a.map((x, i) => x.rps / b[i].rps));
const percent = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** The rows of one framework: one per variant, the targets on the ctxkit rows. */
function rowsOf(framework, rounds) {
  const adapterCost = 1 - pairedRatio(rounds.ctxkit, rounds.bare);
  const againstNative = pairedRatio(rounds['ctxkit+hop'], rounds['native+hop']) - 1;
  const cost = (variant) => `costs ${percent(1 - pairedRatio(rounds[variant], rounds.bare))} of bare's req/s`;
  const target = {
    controller: cost('controller'),
    native: cost('native'),
    'ctxkit-nosignal': `${cost('ctxkit-nosignal')}; ${percent(pairedRatio(rounds['ctxkit-nosignal'], rounds.native) - 1)} req/s against native`,
    ctxkit: `${cost('ctxkit')} (≤ 2 %): ${adapterCost <= 0.02 ? 'met' : 'NOT met'}; ${percent(pairedRatio(rounds.ctxkit, rounds.native) - 1)} req/s against native`,
    'ctxkit+hop': `${percent(againstNative)} req/s against native+hop (faster): ${againstNative > 0 ? 'met' : 'NOT met'}`,
  };
  return VARIANTS.map((variant) => {
    const r = rounds[variant];
    return {
      name: `${FRAMEWORKS[framework]}: ${variant}`,
      framework,
      variant,
      rps: median(r.map((x) => x.rps)),
      p50: median(r.map((x) => x.p50)),
      p99: median(r.map((x) => x.p99)),
      heapPerRequest: median(r.map((x) => x.heapPerRequest)),
      rounds: r,
      target: target[variant] ?? '—',
      met: variant === 'ctxkit' ? adapterCost <= 0.02 : variant === 'ctxkit+hop' ? againstNative > 0 : null,
      cells: undefined,
    };
  }).map((row) => ({ ...row, cells: cellsOf(row) }));
}

function cellsOf(row) {
  return {
    server: row.name,
    'req/s': Math.round(row.rps).toLocaleString('en-US'),
    'p50 latency': `${row.p50} ms`,
    'p99 latency': `${row.p99} ms`,
    'heap per request': `${Math.round(row.heapPerRequest).toLocaleString('en-US')} B`,
    'against bare / native (targets: issue 14)': row.target,
  };
}

/**
 * Runs the benchmark and returns its rows: { name, cells, rps, p50, p99,
 * heapPerRequest, target, met, rounds } per framework and variant.
 */
export async function run({ quick = false, node = process.execPath, frameworks = Object.keys(FRAMEWORKS) } = {}) {
  const settings = quick ? SETTINGS.quick : SETTINGS.full;
  PINNING?.pin('0');
  const rows = [];
  try {
    const upstream = await start('upstream.mjs', [], node, '0');
    try {
      for (const framework of frameworks) rows.push(...rowsOf(framework, await measureFramework(framework, upstream.port, settings, node)));
    } finally {
      upstream.child.kill();
    }
  } finally {
    PINNING?.pin(PINNING.all);
  }
  return rows;
}

/** The rows as a markdown table. */
export function table(rows) {
  const columns = Object.keys(rows[0].cells);
  return markdownTable(columns, rows.map((r) => columns.map((c) => r.cells[c])));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const value = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const line = value('node');
  const node = line === undefined ? process.execPath : presentRuntimes()[`node${line.replace(/^node/, '')}`];
  if (node === undefined) throw new Error(`Node ${line}: no binary (node scripts/runtimes.mjs list)`);
  const frameworks = value('only')?.split(',') ?? Object.keys(FRAMEWORKS);
  const started = performance.now();
  const rows = await run({ quick: process.argv.includes('--quick'), node, frameworks });
  console.log(table(rows));
  console.log(`\n(servers on ${node}, ${Math.round((performance.now() - started) / 1000)} s)`);
}
