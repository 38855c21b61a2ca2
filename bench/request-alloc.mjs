/**
 * What one request's context allocates: `fromRequest` with the deadline header
 * read, the signal read, and the end (the response's 'close' after `end()`),
 * on real `http.IncomingMessage` / `http.ServerResponse` objects of a real (not
 * listening) `http.Server`, without the network, so that nothing but the
 * request path differs between the two variants:
 *
 *   bare     request + response made, response ended and closed
 *   ctxkit   the same, plus fromRequest(req, res, { deadline: {} }), ctx.signal
 *
 * Bytes: the JS heap allocated over N requests (what the heap grew by plus
 * what each collection freed, from v8.GCProfiler), ctxkit − bare, ÷ N. Objects:
 * V8's sampling heap profiler at a 1-byte interval (every allocation is a
 * sample), keeping objects the collectors freed, counted for the allocations
 * whose stack passes through ctxkit's dist/ code, ÷ N; with the functions
 * that allocate most, to find what is not needed. Each variant runs in a
 * process of its own.
 *
 *   npm run build && node bench/request-alloc.mjs [--node=24] [--top=15]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { presentRuntimes } from '../scripts/runtimes.mjs';

const N = 20_000;
const WARMUP = 20_000;
const SELF = fileURLToPath(import.meta.url);

/** One request through the variant's path. */
async function requestPath(variant) {
  const http = await import('node:http');
  const net = await import('node:net');
  const { fromRequest } = await import('ctxkit/node');
  const server = http.createServer();
  const options = { deadline: {} };
  let keep;
  return () => {
    const socket = new net.Socket();
    socket.server = server;
    const req = new http.IncomingMessage(socket);
    req.headers = { 'ctxkit-timeout-ms': '5000' };
    const res = new http.ServerResponse(req);
    if (variant === 'ctxkit') {
      const [ctx] = fromRequest(req, res, options);
      keep = ctx.signal;
    }
    res.end();
    res.emit('close');
    return keep;
  };
}

/** In the child: bytes allocated per request, and the sampled allocations through ctxkit. */
async function measure(variant, top) {
  const v8 = await import('node:v8');
  const { Session } = await import('node:inspector/promises');
  const once = await requestPath(variant);
  for (let i = 0; i < WARMUP; i++) once();
  globalThis.gc();

  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  for (let i = 0; i < N; i++) once();
  const after = v8.getHeapStatistics().used_heap_size;
  const freed = profiler.stop().statistics.reduce((s, g) => s + g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize, 0);
  const bytes = (after - before + freed) / N;

  const session = new Session();
  session.connect();
  const SAMPLED = 2_000;
  await session.post('HeapProfiler.startSampling', { samplingInterval: 1, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < SAMPLED; i++) once();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();

  // Allocations whose stack passes through ctxkit (dist/), by allocating function.
  const ids = new Map();
  const walk = (node, inCtxkit) => {
    const here = inCtxkit || /\/dist\//.test(node.callFrame.url);
    ids.set(node.id, { here, name: `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}` });
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, false);
  let objects = 0;
  let sampledBytes = 0;
  const byFunction = new Map();
  for (const sample of profile.samples) {
    const node = ids.get(sample.nodeId);
    if (!node?.here) continue;
    objects++;
    sampledBytes += sample.size;
    const entry = byFunction.get(node.name) ?? { objects: 0, bytes: 0 };
    entry.objects++;
    entry.bytes += sample.size;
    byFunction.set(node.name, entry);
  }
  const functions = [...byFunction.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(([name, e]) => ({ name, objects: e.objects / SAMPLED, bytes: e.bytes / SAMPLED }));
  return { variant, node: process.version, bytes, objects: objects / SAMPLED, sampledBytes: sampledBytes / SAMPLED, functions };
}

function child(node, variant, top) {
  const r = spawnSync(node, ['--expose-gc', SELF, '--child', variant, String(top)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`request-alloc ${variant} on ${node} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * Runs both variants on `node`; returns rows for bench/run.mjs: the bytes per
 * request, and the objects ctxkit's code allocates per request.
 */
export async function run({ node = process.execPath, top = 12 } = {}) {
  const bare = child(node, 'bare', top);
  const ctxkit = child(node, 'ctxkit', top);
  const cell = (name, bytes, objects) => ({ name, cells: { case: name, 'heap bytes per request': `${Math.round(bytes)} B`, 'objects per request': objects } });
  return [
    cell(`${ctxkit.node}: request + response, ended (bare)`, bare.bytes, '—'),
    cell(`${ctxkit.node}: + fromRequest, deadline header, signal, end (ctxkit − bare)`, ctxkit.bytes - bare.bytes, ctxkit.objects.toFixed(1)),
    ...ctxkit.functions.map((f) => cell(`  allocated in ${f.name}`, f.bytes, f.objects.toFixed(2))),
  ];
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure(process.argv[3], Number(process.argv[4]))));
} else if (process.argv[1] === SELF) {
  const value = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const line = value('node');
  const node = line === undefined ? process.execPath : presentRuntimes()[`node${line}`];
  if (node === undefined) throw new Error(`Node ${line}: no binary`);
  const { markdownTable } = await import('./lib/format.mjs');
  const rows = await run({ node, top: Number(value('top') ?? 12) });
  const columns = Object.keys(rows[0].cells);
  console.log(markdownTable(columns, rows.map((r) => columns.map((c) => r.cells[c]))));
}
