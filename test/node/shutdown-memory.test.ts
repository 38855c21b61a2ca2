/**
 * What shutdown's lists of connections and sessions keep: nothing once they
 * close. A child process under --expose-gc serves many short HTTP/1
 * connections and HTTP/2 sessions through fromRequest (so their servers are
 * watched), holds a WeakRef to every socket and session, and checks that all
 * were collected after they closed; then a shutdown of each server still
 * drains at once.
 */
import { join } from 'node:path';
import { runNodeJson } from '../helpers/run-node.js';

const nodeEntry = join(__dirname, '..', '..', 'dist', 'cjs', 'node', 'index.js');

const script = `
const http = require('node:http');
const http2 = require('node:http2');
const { once } = require('node:events');
const { fromRequest, shutdown } = require(${JSON.stringify(nodeEntry)});

const refs = { socket: [], session: [] };
const h1 = http.createServer((req, res) => { fromRequest(req, res); res.end('ok'); });
h1.on('connection', (s) => refs.socket.push(new WeakRef(s)));
const h2 = http2.createServer((req, res) => { fromRequest(req, res); res.end('ok'); });
h2.on('session', (s) => refs.session.push(new WeakRef(s)));

const get1 = (port) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});
const get2 = (port) => new Promise((resolve, reject) => {
  const c = http2.connect('http://127.0.0.1:' + port);
  c.on('error', reject);
  const r = c.request({ ':path': '/' });
  r.resume();
  r.on('end', () => { c.close(); c.on('close', resolve); });
  r.end();
});

(async () => {
  h1.listen(0, '127.0.0.1'); h2.listen(0, '127.0.0.1');
  await Promise.all([once(h1, 'listening'), once(h2, 'listening')]);
  const p1 = h1.address().port, p2 = h2.address().port;
  for (let round = 0; round < 10; round++) {
    await Promise.all(Array.from({ length: 50 }, () => get1(p1)));
    await Promise.all(Array.from({ length: 20 }, () => get2(p2)));
  }
  // Let the server side see every close.
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    if (await new Promise((r) => h1.getConnections((e, n) => r(n))) === 0 && await new Promise((r) => h2.getConnections((e, n) => r(n))) === 0) break;
  }
  for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setImmediate(r)); }
  const alive = (list) => list.filter((w) => w.deref() !== undefined).length;
  const started = Date.now();
  const outcomes = await Promise.all([shutdown(h1, { graceMs: 60000 }), shutdown(h2, { graceMs: 60000 })]);
  console.log(JSON.stringify({
    sockets: refs.socket.length, socketsAlive: alive(refs.socket),
    sessions: refs.session.length, sessionsAlive: alive(refs.session),
    outcomes, quick: Date.now() - started < 10000,
  }));
})();
`;

test('closed connections and sessions are not kept by the lists shutdown uses; a shutdown afterwards drains at once', () => {
  const r = runNodeJson<Record<string, unknown>>(script, ['--expose-gc'], 120_000);
  expect(r).toEqual({ sockets: 500, socketsAlive: 0, sessions: 200, sessionsAlive: 0, outcomes: ['drained', 'drained'], quick: true });
});
