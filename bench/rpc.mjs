// ctxkit/grpc, ctxkit/connect, ctxkit/undici, ctxkit/got and ctxkit/ky: what a context costs a call,
// and how soon a client's abort reaches the end of a mixed chain.
//
// - Per-call overhead: the same unary call to the same server process, made
//   with the bare client and with ctxkit's interceptor and call options under
//   a context with a deadline; rounds of 200 calls (50 in flight) alternate
//   between the two, and the figure is the median time per call of each.
// - Abort latency: the chain of test/rpc/hop.cjs (client → A HTTP → B gRPC →
//   C Connect → D HTTP via undici, four processes); the client aborts a request
//   D holds, and the time to D's context being done is taken from the hops'
//   monotonic clock.
//
//   npm run build && node bench/rpc.mjs [--quick]
//
// `run()` returns rows for bench/run.mjs: { name, median, p99, unit, samples }.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './lib/format.mjs';
import { summarize } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ctxkit = require(join(ROOT, 'dist', 'cjs', 'index.js'));
const kgrpc = require(join(ROOT, 'dist', 'cjs', 'grpc', 'index.js'));
const kconnect = require(join(ROOT, 'dist', 'cjs', 'connect', 'index.js'));
const kundici = require(join(ROOT, 'dist', 'cjs', 'undici', 'index.js'));
const kgot = require(join(ROOT, 'dist', 'cjs', 'got', 'index.js'));
const kky = require(join(ROOT, 'dist', 'cjs', 'ky', 'index.js'));
// got and ky are ES modules only.
const { default: got } = await import('got');
const { default: ky } = await import('ky');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const connect = require('@connectrpc/connect');
const { createConnectTransport } = require('@connectrpc/connect-node');
const undici = require('undici');
const { Echo: ConnectEcho } = require(join(ROOT, 'test', 'connect', 'echo-service.cjs'));

const monoNow = () => Number(process.hrtime.bigint()) / 1e6;

/** Starts a server script of the tests (JSON events on stdout, "listening" first); resolves with its port, events and kill(). */
function startProcess(script, options) {
  const child = spawn(process.execPath, [join(ROOT, script), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line);
    for (const w of [...waiters]) if (w.match(event)) waiters.splice(waiters.indexOf(w), 1), w.resolve(event);
  });
  const waitFor = (match) => new Promise((resolve) => waiters.push({ match, resolve }));
  return waitFor((e) => e.event === 'listening').then((e) => ({ port: e.port, address: `127.0.0.1:${e.port}`, waitFor, kill: () => child.kill('SIGKILL') }));
}

/** Median ms per call of `call` and `withCtx`, in alternating rounds of `perRound` calls, `inFlight` at a time. */
async function compare(call, withCtx, rounds, perRound = 200, inFlight = 50) {
  const round = async (f) => {
    const started = performance.now();
    for (let i = 0; i < perRound; i += inFlight) await Promise.all(Array.from({ length: inFlight }, f));
    return (performance.now() - started) / perRound;
  };
  for (let i = 0; i < 3; i++) await round(call), await round(withCtx);
  const bare = [];
  const ctx = [];
  // Which goes first alternates too, so that neither always pays for the other's garbage.
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      bare.push(await round(call));
      ctx.push(await round(withCtx));
    } else {
      ctx.push(await round(withCtx));
      bare.push(await round(call));
    }
  }
  return [summarize(bare), summarize(ctx)];
}

/** The rows of one library: bare, with ctxkit, and the ratio. */
function overheadRows(library, [bare, ctx], rounds) {
  return [
    { name: `${library}: unary call, bare client`, median: bare.median * 1000, p99: bare.p99 * 1000, unit: 'µs', samples: rounds },
    { name: `${library}: unary call, ctxkit interceptor + context`, median: ctx.median * 1000, p99: ctx.p99 * 1000, unit: 'µs', samples: rounds },
    { name: `${library}: overhead (with / bare, goal ≤ 1.05)`, median: ctx.median / bare.median, p99: ctx.p99 / bare.p99, unit: '×', samples: rounds },
  ];
}

async function overhead(rounds) {
  const [deadlineCtx, cancel] = ctxkit.withTimeout(ctxkit.background(), 10 * 60_000);
  const rows = [];
  const grpcServer = await startProcess('test/grpc/server.cjs', {});
  const connectServer = await startProcess('test/connect/server.cjs', {});
  const httpServer = await startProcess('test/rpc/http-server.cjs', {});
  try {
    const Echo = grpc.loadPackageDefinition(protoLoader.loadSync(join(ROOT, 'test', 'grpc', 'echo.proto'))).ctxkit.test.Echo;
    const credentials = grpc.credentials.createInsecure();
    const bare = new Echo(grpcServer.address, credentials);
    const withCtx = new Echo(grpcServer.address, credentials, { interceptors: [kgrpc.contextInterceptor(grpc)] });
    const req = { id: 'bench', mode: 'echo' };
    const deadline = () => Date.now() + 60_000;
    rows.push(
      ...overheadRows(
        'gRPC (@grpc/grpc-js)',
        await compare(
          () => new Promise((resolve, reject) => bare.Unary(req, { deadline: deadline() }, (e, r) => (e ? reject(e) : resolve(r)))),
          () => kgrpc.unaryCall(deadlineCtx, (options, done) => withCtx.Unary(req, options, done)),
          rounds,
        ),
        rounds,
      ),
    );
    bare.close();
    withCtx.close();

    const baseUrl = `http://${connectServer.address}`;
    const cbare = connect.createClient(ConnectEcho, createConnectTransport({ baseUrl, httpVersion: '2' }));
    const cctx = connect.createClient(ConnectEcho, createConnectTransport({ baseUrl, httpVersion: '2', interceptors: [kconnect.contextInterceptor()] }));
    rows.push(
      ...overheadRows(
        'Connect (connect-node, HTTP/2)',
        await compare(() => cbare.unary(req, { timeoutMs: 60_000 }), () => cctx.unary(req, kconnect.callOptions(deadlineCtx)), rounds),
        rounds,
      ),
    );

    const agent = new undici.Agent();
    const dispatcher = agent.compose(kundici.contextInterceptor({ context: deadlineCtx }));
    const url = `http://${httpServer.address}/echo?id=bench`;
    rows.push(
      ...overheadRows(
        'HTTP (undici.request)',
        await compare(
          async () => (await undici.request(url, { dispatcher: agent, headers: { 'ctxkit-timeout-ms': '60000' } })).body.dump(),
          async () => (await undici.request(url, { dispatcher })).body.dump(),
          rounds,
        ),
        rounds,
      ),
    );
    await agent.close();

    // got and ky: the same request to the same server; the bare call sends the header by hand.
    const keepAlive = new http.Agent({ keepAlive: true });
    const gotBase = { agent: { http: keepAlive }, retry: { limit: 0 } };
    rows.push(
      ...overheadRows(
        'HTTP (got)',
        await compare(
          () => got(url, { ...gotBase, headers: { 'ctxkit-timeout-ms': '60000' }, timeout: { request: 60_000 } }).json(),
          () => kgot.gotRequest(deadlineCtx, (options) => got(url, options).json(), gotBase),
          rounds,
        ),
        rounds,
      ),
    );
    keepAlive.destroy();
    rows.push(
      ...overheadRows(
        'HTTP (ky, on fetch)',
        await compare(
          () => ky(url, { headers: { 'ctxkit-timeout-ms': '60000' }, timeout: 60_000, retry: 0 }).json(),
          () => kky.kyRequest(deadlineCtx, (options) => ky(url, options).json(), { retry: 0 }),
          rounds,
        ),
        rounds,
      ),
    );
  } finally {
    cancel();
    grpcServer.kill();
    connectServer.kill();
    httpServer.kill();
  }
  return rows;
}

/** Client abort → D's context done, through A (HTTP) → B (gRPC) → C (Connect) → D (HTTP via undici). */
async function abortLatency(runs) {
  const options = { marginMs: 20, maxTimeoutMs: 60_000 };
  const hops = [];
  try {
    hops.unshift(await startProcess('test/rpc/hop.cjs', { role: 'D', ...options }));
    for (const role of ['C', 'B', 'A']) hops.unshift(await startProcess('test/rpc/hop.cjs', { role, next: hops[0].address, ...options }));
    const [A, , , D] = hops;
    const samples = [];
    for (let i = 0; i < 10 + runs; i++) {
      const id = `abort-${i}`;
      const req = http.get({ host: '127.0.0.1', port: A.port, path: `/?id=${id}&mode=hang`, headers: { 'ctxkit-timeout-ms': '60000' }, agent: false });
      req.on('error', () => undefined);
      await D.waitFor((e) => e.event === 'start' && e.id === id);
      const ended = D.waitFor((e) => e.event === 'end' && e.id === id);
      const abortedAt = monoNow();
      req.destroy();
      const end = await ended;
      if (end.cause !== 'ClientDisconnectedError') throw new Error(`D: ${id} ended with ${end.cause}`);
      if (i >= 10) samples.push(end.at - abortedAt);
    }
    const { median, p99 } = summarize(samples);
    return [{ name: 'client abort → D context done (A HTTP → B gRPC → C Connect → D undici)', median, p99, unit: 'ms', samples: samples.length }];
  } finally {
    for (const hop of hops) hop.kill();
  }
}

/** Runs both measurements and returns the rows. */
export async function run({ quick = false } = {}) {
  return [...(await overhead(quick ? 5 : 30)), ...(await abortLatency(quick ? 20 : 200))];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const rows = await run({ quick: process.argv.includes('--quick') });
  console.log(
    markdownTable(
      ['case', 'median', 'p99', 'samples'],
      rows.map((r) => [r.name, `${r.median.toFixed(2)} ${r.unit}`, `${r.p99.toFixed(2)} ${r.unit}`, String(r.samples)]),
    ),
  );
  console.log(`\n(${process.version}, ${Math.round(performance.now() - started)} ms)`);
}
