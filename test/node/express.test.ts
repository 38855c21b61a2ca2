/**
 * The Express 5 adapter against a real Express app on loopback: the context
 * through the typed getter, 504 on a passed deadline, 400 on a malformed
 * deadline header, 503 on shutdown, and no response at all (logged as 499)
 * when the client went away.
 */
import express from 'express';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { background, cause, createKey, withCancelCause, withValue } from '../../src/index.js';
import { ClientDisconnected, ServerShutdown, contextOf, expressAdapter, implicit, type AdapterOptions, type RequestLogEvent } from '../../src/node/index.js';
import { MalformedDeadlineError } from '../../src/propagation/index.js';
import { close, deferred, listen, send } from './servers.js';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

const tenant = createKey<string>('tenant');
const requestId = createKey<string>('requestId');
/** A derive option that gives every request context the caller's request id. */
const withRequestId: AdapterOptions['derive'] = (ctx, req) => withValue(ctx, requestId, String(req.headers['x-request-id']));

interface App {
  port: number;
  logs: RequestLogEvent[];
  /** Resolves with the state of the response right after ctxkit's error handler ran. */
  handled: Promise<{ status: number; headersSent: boolean; ended: boolean }>;
  /** Whether a handler after ctxkit's error handler was reached. */
  passedOn: unknown[];
  /** Resolves when the /hang route started waiting. */
  hanging: Promise<void>;
  /** Paths whose route ran. */
  routed: string[];
  /** Resolves when the /late route saw its context's deadline pass. */
  late: Promise<void>;
}

async function app(options: AdapterOptions = {}): Promise<App> {
  const logs: RequestLogEvent[] = [];
  const passedOn: unknown[] = [];
  const routed: string[] = [];
  const handled = deferred<{ status: number; headersSent: boolean; ended: boolean }>();
  const hanging = deferred();
  const late = deferred();
  const ctxkit = expressAdapter({ ...options, log: (e) => logs.push(e) });
  const a = express();
  a.use(ctxkit.middleware);
  a.use((req, _res, next) => {
    routed.push(req.path);
    next();
  });
  // The implicit context, as docs/servers.md mounts it.
  a.use((req, _res, next) => implicit.run(contextOf(req), next));
  a.get('/ctx', (req, res) => {
    const ctx = contextOf(req);
    res.json({ tenant: ctx.value(tenant) ?? null, hasDeadline: ctx.deadline() !== undefined, live: ctx.err() === undefined });
  });
  a.get('/slow', async (req) => {
    await sleep(60_000, undefined, { signal: contextOf(req).signal });
  });
  a.get('/partial', async (req, res) => {
    res.write('partial');
    await sleep(60_000, undefined, { signal: contextOf(req).signal });
  });
  a.get('/hang', async (req) => {
    hanging.resolve();
    await sleep(60_000, undefined, { signal: contextOf(req).signal });
  });
  // Outlives its deadline, then fails only after its client went away.
  a.get('/late', async (req, res) => {
    const ctx = contextOf(req);
    await ctx.done();
    const closed = new Promise((resolve) => res.once('close', resolve));
    late.resolve();
    await closed;
    throw cause(ctx);
  });
  a.get('/id', (req, res) => {
    // Typed: Express's Request is a NodeRequest, no cast needed.
    const id: string | undefined = contextOf(req).value(requestId);
    res.json({ id: id ?? null });
  });
  a.get('/boom', () => {
    throw new Error('boom');
  });
  a.get('/implicit', async (req, res) => {
    await sleep(5);
    // What a logger deep in the call tree, which takes no ctx parameter, finds.
    res.json({ same: implicit.current() === contextOf(req) });
  });
  a.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    ctxkit.errorHandler(err, req, res, next);
    handled.resolve({ status: res.statusCode, headersSent: res.headersSent, ended: res.writableEnded });
  });
  a.use((err: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    passedOn.push(err);
    next(err);
  });
  const server = a.listen(0, '127.0.0.1');
  servers.push(server);
  const port = await listen(server);
  return { port, logs, handled: handled.promise, passedOn, hanging: hanging.promise, routed, late: late.promise };
}

test('the context is available through contextOf(req), derived from the parent (its values visible), live in the route', async () => {
  const { port } = await app({ parent: withValue(background(), tenant, 'acme') });
  const reply = await send(port, '/ctx');
  expect(JSON.parse(reply.body)).toEqual({ tenant: 'acme', hasDeadline: false, live: true });
});

test('a passed server budget is answered 504 and logged', async () => {
  const a = await app({ timeoutMs: 100 });
  const reply = await send(a.port, '/slow');
  expect(reply.status).toBe(504);
  expect(reply.body).toBe('Gateway Timeout');
  expect(a.logs.map((e) => e.status)).toEqual([504]);
  expect(a.passedOn).toEqual([]);
});

test("the caller's deadline header is honoured (options.deadline): 504 when it passes", async () => {
  const a = await app({ deadline: {} });
  const reply = await send(a.port, '/slow', { headers: { 'ctxkit-timeout-ms': '50' } });
  expect(reply.status).toBe(504);
  const withHeader = await send(a.port, '/ctx', { headers: { 'ctxkit-timeout-ms': '60000' } });
  expect(JSON.parse(withHeader.body)).toMatchObject({ hasDeadline: true, live: true });
});

test('a malformed deadline header is answered 400 before any route runs', async () => {
  const a = await app({ deadline: {} });
  for (const bad of ['1e3', '5, 7', '-5', '0x10', '12345678901']) {
    const reply = await send(a.port, '/ctx', { headers: { 'ctxkit-timeout-ms': bad } });
    expect(reply.status).toBe(400);
  }
  expect(a.routed).toEqual([]);
  expect(a.logs.map((e) => e.status)).toEqual([400, 400, 400, 400, 400]);
  expect(a.logs[0].error).toBeInstanceOf(MalformedDeadlineError);
});

test('a client that went away gets no response at all; the disconnect is logged once, as 499', async () => {
  const a = await app();
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${a.port}/hang`, { signal: abort.signal }).catch((e: unknown) => e);
  await a.hanging;
  abort.abort();
  expect(await a.handled).toEqual({ status: 200, headersSent: false, ended: false });
  expect(a.passedOn).toEqual([]);
  expect(a.logs).toHaveLength(1);
  expect(a.logs[0]).toMatchObject({ status: 499, error: ClientDisconnected });
  expect(cause(contextOf(a.logs[0].req))).toBe(ClientDisconnected);
  expect(((await client) as Error).name).toBe('AbortError');
});

test('cancelling the server-lifetime parent with ServerShutdown is answered 503', async () => {
  const [base, stop] = withCancelCause(background());
  const a = await app({ parent: base });
  const reply = send(a.port, '/hang');
  await a.hanging;
  stop(ServerShutdown);
  expect((await reply).status).toBe(503);
});

test('a deadline that passes after the response started cuts the response short instead of sending a status', async () => {
  const a = await app({ timeoutMs: 100 });
  await expect(send(a.port, '/partial')).rejects.toThrow();
  expect(await a.handled).toMatchObject({ headersSent: true });
  expect(a.logs.map((e) => e.status)).toEqual([504]);
});

test('other errors are passed on to the next error handler (Express answers 500)', async () => {
  const a = await app();
  const reply = await send(a.port, '/boom');
  expect(reply.status).toBe(500);
  expect(a.passedOn).toHaveLength(1);
  expect(a.logs).toEqual([]);
});

test('the implicit context: a middleware running next() in implicit.run makes contextOf(req) current() in the routes, across awaits', async () => {
  const a = await app();
  const reply = await send(a.port, '/implicit');
  expect(JSON.parse(reply.body)).toEqual({ same: true });
});

test('mounted directly with app.use, the middleware and the error handler are recognised as such by Express', async () => {
  const ctxkit = expressAdapter({ timeoutMs: 50 });
  const a = express();
  a.use(ctxkit.middleware);
  a.get('/slow', async (req) => {
    await contextOf(req).done();
    contextOf(req).throwIfDone();
  });
  a.use(ctxkit.errorHandler);
  const server = a.listen(0, '127.0.0.1');
  servers.push(server);
  const reply = await send(await listen(server), '/slow');
  expect(reply.status).toBe(504);
});

test('derive: the route (contextOf(req), typed) and the log hook (event.ctx) see the request id', async () => {
  const a = await app({ derive: withRequestId, timeoutMs: 50 });
  expect(JSON.parse((await send(a.port, '/id', { headers: { 'x-request-id': 'r-1' } })).body)).toEqual({ id: 'r-1' });
  expect((await send(a.port, '/slow', { headers: { 'x-request-id': 'r-2' } })).status).toBe(504);
  expect(a.logs).toHaveLength(1);
  expect(a.logs[0].status).toBe(504);
  expect(a.logs[0].ctx?.value(requestId)).toBe('r-2');
  expect(a.logs[0].ctx).toBe(contextOf(a.logs[0].req));
});

test('a client that goes away after the deadline ended the context is still logged once, as 499, and gets nothing', async () => {
  const a = await app({ timeoutMs: 50 });
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${a.port}/late`, { signal: abort.signal }).catch((e: unknown) => e);
  await a.late;
  abort.abort();
  expect(await a.handled).toEqual({ status: 200, headersSent: false, ended: false });
  expect(a.logs.map((e) => e.status)).toEqual([499]);
  expect(((await client) as Error).name).toBe('AbortError');
});
