/**
 * shutdown on a real server with real in-flight requests: they finish within
 * the grace period, or their contexts are cancelled with ServerShutdown and
 * their connections closed.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { background, cause, withCancelCause, type CancelCauseFunc, type Context } from '../../src/index.js';
import { ResponseFinished, ServerShutdown, errorStatus, fromRequest, shutdown } from '../../src/node/index.js';
import { close, listen, send, waitFor } from './servers.js';

type Behaviour = 'quick' | 'slow' | 'careful' | 'until-cancelled' | 'stubborn';

interface Setup {
  server: http.Server;
  port: number;
  base: Context;
  stop: CancelCauseFunc;
  /** Request contexts, by path. */
  contexts: Map<string, Context>;
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

/**
 * A server whose request contexts derive from a server-lifetime `base` (a new
 * one unless given: servers may share one); the path's first segment picks
 * the handler's behaviour. "careful" works 300 ms watching its context, and
 * answers its error (503) if it ends first.
 */
async function setup(shared?: { base: Context; stop: CancelCauseFunc }): Promise<Setup> {
  const [base, stop] = shared === undefined ? withCancelCause(background()) : [shared.base, shared.stop];
  const contexts = new Map<string, Context>();
  const server = http.createServer(async (req, res) => {
    const [ctx] = fromRequest(req, res, { parent: base });
    contexts.set(req.url!, ctx);
    const behaviour = req.url!.split('/')[1] as Behaviour;
    if (behaviour === 'slow') await sleep(300);
    if (behaviour === 'careful') {
      try {
        await sleep(300, undefined, { signal: ctx.signal });
      } catch {
        res.statusCode = errorStatus(cause(ctx), req, res) ?? 500;
      }
    }
    if (behaviour === 'until-cancelled') {
      await ctx.done();
      res.statusCode = errorStatus(cause(ctx), req, res) ?? 500;
    }
    if (behaviour !== 'stubborn') res.end(behaviour);
  });
  // Long enough that a shutdown waiting for keep-alive connections to time out would fail the tests.
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  return { server, port: await listen(server), base, stop, contexts };
}

test('in-flight requests finish within the grace period: "drained", new connections refused, the lifetime context cancelled last', async () => {
  const s = await setup();
  const agent = new http.Agent({ keepAlive: true });
  await send(s.port, '/quick/idle', { agent });
  // Keep-alive connections, busy when the shutdown starts: idle only after their response.
  const inFlight = [send(s.port, '/slow/1', { agent }), send(s.port, '/slow/2', { agent })];
  await waitFor(() => s.contexts.has('/slow/1') && s.contexts.has('/slow/2'));
  const started = Date.now();
  const outcome = shutdown(s.server, { graceMs: 20_000, cancel: s.stop });
  await expect(send(s.port, '/quick/late')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  expect(s.base.err()).toBeUndefined();
  const replies = await Promise.all(inFlight);
  expect(replies.map((r) => [r.status, r.body])).toEqual([[200, 'slow'], [200, 'slow']]);
  expect(await outcome).toBe('drained');
  // Far below the grace period and the keep-alive timeout: keep-alive connections did not hold the server open.
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(cause(s.contexts.get('/slow/1')!)).toBe(ResponseFinished);
  expect(cause(s.base)).toBe(ServerShutdown);
  agent.destroy();
});

test('requests still running when the grace period ends are cancelled with ServerShutdown and can still answer (503)', async () => {
  const s = await setup();
  const reply = send(s.port, '/until-cancelled/1');
  await waitFor(() => s.contexts.has('/until-cancelled/1'));
  const outcome = shutdown(s.server, { graceMs: 100, cancelGraceMs: 10_000, cancel: s.stop });
  expect((await reply).status).toBe(503);
  expect(await outcome).toBe('cancelled');
  expect(cause(s.contexts.get('/until-cancelled/1')!)).toBe(ServerShutdown);
});

test('a handler that ignores its cancelled context has its connection closed after cancelGraceMs', async () => {
  const s = await setup();
  const reply = send(s.port, '/stubborn/1');
  await waitFor(() => s.contexts.has('/stubborn/1'));
  const outcome = shutdown(s.server, { graceMs: 50, cancelGraceMs: 50, cancel: s.stop });
  await expect(reply).rejects.toThrow();
  expect(await outcome).toBe('cancelled');
  expect(cause(s.contexts.get('/stubborn/1')!)).toBe(ServerShutdown);
});

test('a request arriving during the shutdown on a busy keep-alive connection is served, and the connection closed after it', async () => {
  const s = await setup();
  const socket = net.connect(s.port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  const ended = new Promise((resolve) => socket.on('close', resolve));
  socket.write('GET /slow/first HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => s.contexts.has('/slow/first'));
  const outcome = shutdown(s.server, { graceMs: 20_000, cancel: s.stop });
  socket.write('GET /quick/second HTTP/1.1\r\nHost: x\r\n\r\n');
  await ended;
  const responses = received.split('HTTP/1.1 ').slice(1);
  expect(responses).toHaveLength(2);
  expect(responses[0]).toMatch(/^200[\s\S]*keep-alive[\s\S]*slow$/i);
  expect(responses[1]).toMatch(/^200[\s\S]*connection: close[\s\S]*quick$/i);
  expect(await outcome).toBe('drained');
});

test('a server that is not listening: rejects, cancelling nothing', async () => {
  const [base, stop] = withCancelCause(background());
  await expect(shutdown(http.createServer(), { cancel: stop })).rejects.toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
  expect(base.err()).toBeUndefined();
});

test('bad options get a TypeError', () => {
  const server = http.createServer();
  expect(() => shutdown(server, { graceMs: -1 })).toThrow(TypeError);
  expect(() => shutdown(server, { cancelGraceMs: Infinity })).toThrow(TypeError);
  expect(() => shutdown(server, { cancel: 'stop' as unknown as CancelCauseFunc })).toThrow(TypeError);
});

describe('servers sharing one server-lifetime context', () => {
  test('shut down together: the idle one closing at once does not cut short the busy one\'s request, both report "drained" truly, the context is cancelled after the last', async () => {
    const [base, stop] = withCancelCause(background());
    const idle = await setup({ base, stop });
    const busy = await setup({ base, stop });
    const reply = send(busy.port, '/careful/1');
    await waitFor(() => busy.contexts.has('/careful/1'));
    const outcomes = [shutdown(idle.server, { graceMs: 20_000, cancel: stop }), shutdown(busy.server, { graceMs: 20_000, cancel: stop })];
    expect(await outcomes[0]).toBe('drained');
    expect(base.err()).toBeUndefined();
    expect(await reply).toMatchObject({ status: 200, body: 'careful' });
    expect(await outcomes[1]).toBe('drained');
    expect(cause(busy.contexts.get('/careful/1')!)).toBe(ResponseFinished);
    expect(cause(base)).toBe(ServerShutdown);
  });

  test("one server's grace period running out ends that server's requests only", async () => {
    const [base, stop] = withCancelCause(background());
    const leaving = await setup({ base, stop });
    const staying = await setup({ base, stop });
    const cut = send(leaving.port, '/until-cancelled/1');
    const kept = send(staying.port, '/careful/2');
    await waitFor(() => leaving.contexts.has('/until-cancelled/1') && staying.contexts.has('/careful/2'));
    const outcome = shutdown(leaving.server, { graceMs: 50, cancelGraceMs: 10_000 });
    expect((await cut).status).toBe(503);
    expect(await outcome).toBe('cancelled');
    expect(cause(leaving.contexts.get('/until-cancelled/1')!)).toBe(ServerShutdown);
    expect(await kept).toMatchObject({ status: 200, body: 'careful' });
    expect(cause(staying.contexts.get('/careful/2')!)).toBe(ResponseFinished);
    expect(base.err()).toBeUndefined();
  });
});

test('a server that listens again after a shutdown that cancelled its requests serves new ones with live contexts', async () => {
  const s = await setup();
  const reply = send(s.port, '/until-cancelled/1');
  await waitFor(() => s.contexts.has('/until-cancelled/1'));
  expect(await shutdown(s.server, { graceMs: 50, cancelGraceMs: 10_000 })).toBe('cancelled');
  expect((await reply).status).toBe(503);
  const port = await listen(s.server);
  expect(await send(port, '/quick/again')).toMatchObject({ status: 200, body: 'quick' });
  expect(cause(s.contexts.get('/quick/again')!)).toBe(ResponseFinished);
});

describe('connections that never sent a request (Node 20 to 24 closeIdleConnections leaves them open)', () => {
  const tlsFiles = {
    key: readFileSync(join(__dirname, 'fixtures', 'localhost-key.pem')),
    cert: readFileSync(join(__dirname, 'fixtures', 'localhost-cert.pem')),
  };

  test('a raw TCP connection that sends nothing is closed at once: "drained" far within the grace period; a request in flight still finishes', async () => {
    const s = await setup();
    await send(s.port, '/quick/first'); // ctxkit sees the server from its first request on
    const silent = net.connect(s.port, '127.0.0.1');
    silent.on('error', () => {});
    await once(silent, 'connect');
    const silentClosed = once(silent, 'close');
    const inFlight = send(s.port, '/slow/1');
    await waitFor(() => s.contexts.has('/slow/1'));
    const started = Date.now();
    const outcome = shutdown(s.server, { graceMs: 60_000, cancel: s.stop });
    await silentClosed;
    expect(await inFlight).toMatchObject({ status: 200, body: 'slow' });
    expect(await outcome).toBe('drained');
    expect(Date.now() - started).toBeLessThan(20_000);
    silent.destroy();
  });

  test('https: a TLS connection that completed its handshake and sent no request is closed at once too', async () => {
    const server = https.createServer(tlsFiles, (req, res) => {
      fromRequest(req, res);
      res.end('ok');
    });
    servers.push(server);
    const port = await listen(server);
    await new Promise<void>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, ca: tlsFiles.cert, servername: 'localhost', agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    const silent = tls.connect({ host: '127.0.0.1', port, ca: tlsFiles.cert, servername: 'localhost' });
    silent.on('error', () => {});
    await once(silent, 'secureConnect');
    const silentClosed = once(silent, 'close');
    const started = Date.now();
    expect(await shutdown(server, { graceMs: 60_000 })).toBe('drained');
    await silentClosed;
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
