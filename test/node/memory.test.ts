/**
 * After many requests, nothing of them is left: a child process under
 * --expose-gc serves rounds of 10,000 requests on keep-alive connections (some with a
 * deadline header, some abandoned by their client) with request contexts
 * derived from one observed server-lifetime context, then checks that every
 * request context was collected and that the heap did not grow from one such
 * round to the next.
 */
import { join } from 'node:path';
import { runNodeJson } from '../helpers/run-node.js';

const nodeEntry = join(__dirname, '..', '..', 'dist', 'cjs', 'node', 'index.js');

const script = `
const http = require('node:http');
const { fromRequest } = require(${JSON.stringify(nodeEntry)});
const { background, withCancel, cause } = ctxkit;

const [base] = withCancel(background());
base.signal; // observed, so every request context observed below is attached to it while live
let refs = [];
const causes = new Map();
let gotAbandoned;

const server = http.createServer((req, res) => {
  const [ctx] = fromRequest(req, res, req.url === '/header' ? { parent: base, timeoutMs: 120000, deadline: {} } : { parent: base, timeoutMs: 60000 });
  ctx.signal.addEventListener('abort', () => {
    const name = cause(ctx).name;
    causes.set(name, (causes.get(name) || 0) + 1);
  });
  refs.push(new WeakRef(ctx));
  if (req.url === '/abandoned') gotAbandoned();
  else setImmediate(() => res.end('ok'));
});

function get(port, path, agent, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end();
  });
}

async function abandoned(port) {
  const got = new Promise((r) => (gotAbandoned = r));
  const req = http.request({ host: '127.0.0.1', port, path: '/abandoned', agent: false });
  req.on('error', () => {});
  req.end();
  await got;
  req.destroy();
}

async function batch(port, agent, n) {
  for (let i = 0; i < n; i += 10) {
    const work = [];
    for (let j = 0; j < 10; j++) work.push(get(port, (i + j) % 3 ? '/plain' : '/header', agent, { 'ctxkit-timeout-ms': '60000' }));
    await Promise.all(work);
    if (i % 500 === 0) await abandoned(port);
  }
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    global.gc();
  }
}

(async () => {
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.on('listening', r));
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  // Two equal rounds after a warm-up: whatever a round keeps (its WeakRefs here) is there at both measures.
  const round = async () => {
    refs = [];
    causes.clear();
    await batch(port, agent, 10000);
    await new Promise((r) => setTimeout(r, 50));
    await settle();
    return process.memoryUsage().heapUsed;
  };
  await batch(port, agent, 1000);
  const first = await round();
  const second = await round();
  const made = refs.length;
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  agent.destroy();
  server.close();
  console.log(JSON.stringify({ made, alive, growth: second - first, causes: Object.fromEntries(causes), baseLive: base.err() === undefined }));
})();
`;

test('10,000 requests leave no request context, listener or timer behind, and the heap flat', () => {
  const r = runNodeJson<{ made: number; alive: number; growth: number; causes: Record<string, number>; baseLive: boolean }>(script, ['--expose-gc'], 120_000);
  expect(r.made).toBe(10_000 + 20);
  expect(r.causes).toEqual({ ResponseFinishedError: 10_000, ClientDisconnectedError: 20 });
  // A context pinned by the server-lifetime parent, a listener or a pending deadline timer would still be here.
  expect(r.alive).toBe(0);
  // Generous: one leaked context with its listeners is several hundred bytes, 10,000 of them several megabytes.
  expect(r.growth).toBeLessThan(2 * 1024 * 1024);
  expect(r.baseLive).toBe(true);
}, 150_000);
