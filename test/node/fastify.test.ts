/**
 * The Fastify 5 plugin against a real Fastify app on loopback: `request.ctx`,
 * 504 on a passed deadline, 400 on a malformed deadline header, no response
 * at all (logged as 499) when the client went away, and no false abort after
 * a body was parsed.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineExceeded, background, cause, createKey, withValue, type Context } from '../../src/index.js';
import { ClientDisconnected, ResponseFinished, contextOf, errorStatus, implicit, type RequestLogEvent } from '../../src/node/index.js';
import { fastifyAdapter, type FastifyAdapterOptions } from '../../src/node/fastify.js';
import { deferred, send, waitFor } from './servers.js';

const tenant = createKey<string>('tenant');
const requestId = createKey<string>('requestId');
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

interface App {
  app: FastifyInstance;
  port: number;
  /** Fastify's own log lines, parsed. */
  lines: Array<Record<string, unknown>>;
  /** Paths whose handler ran. */
  handled: string[];
  /** The reply of the /hang route, once it started waiting (wrapped: a reply is thenable). */
  hanging: Promise<{ reply: FastifyReply }>;
}

/** A Fastify app with the plugin; `setup` may add to it before the routes (an error handler of its own). */
async function start(options: FastifyAdapterOptions = {}, setup?: (app: FastifyInstance) => void): Promise<App> {
  const lines: Array<Record<string, unknown>> = [];
  const app = Fastify({ forceCloseConnections: true, logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
  apps.push(app);
  const handled: string[] = [];
  const hanging = deferred<{ reply: FastifyReply }>();
  setup?.(app);
  await app.register(fastifyAdapter, options);
  app.addHook('preHandler', async (request) => void handled.push(request.url));
  app.get('/ctx', async (request) => ({
    same: request.ctx === contextOf(request.raw),
    tenant: request.ctx.value(tenant) ?? null,
    hasDeadline: request.ctx.deadline() !== undefined,
    live: request.ctx.err() === undefined,
  }));
  // Outlives its deadline, then fails only after its client went away.
  app.get('/late', async (request, reply) => {
    await request.ctx.done();
    const closed = new Promise((resolve) => reply.raw.once('close', resolve));
    hanging.resolve({ reply });
    await closed;
    throw cause(request.ctx);
  });
  app.get('/id', async (request) => ({ id: request.ctx.value(requestId) ?? null, same: request.ctx === contextOf(request.raw) }));
  app.get('/slow', async (request) => {
    await sleep(60_000, undefined, { signal: request.ctx.signal });
  });
  app.get('/hang', async (request, reply) => {
    hanging.resolve({ reply });
    await sleep(60_000, undefined, { signal: request.ctx.signal });
  });
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.post('/implicit', async (request) => {
    await sleep(5);
    return { same: implicit.current() === request.ctx };
  });
  app.post('/upload', async (request) => {
    await sleep(200);
    const live = request.ctx.err() === undefined;
    return { live, items: (request.body as unknown[]).length };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { app, port, lines, handled, hanging: hanging.promise };
}

test('request.ctx is the request context (also contextOf(request.raw)), derived from the parent, live in the handler', async () => {
  const a = await start({ parent: withValue(background(), tenant, 'acme') });
  const reply = await send(a.port, '/ctx');
  expect(JSON.parse(reply.body)).toEqual({ same: true, tenant: 'acme', hasDeadline: false, live: true });
});

test('a passed server budget is answered 504 and reported to the log hook', async () => {
  const logs: RequestLogEvent[] = [];
  const a = await start({ timeoutMs: 100, log: (e) => logs.push(e) });
  const reply = await send(a.port, '/slow');
  expect(reply.status).toBe(504);
  expect(JSON.parse(reply.body)).toEqual({ statusCode: 504, error: 'Gateway Timeout', message: 'context deadline exceeded' });
  expect(logs.map((e) => e.status)).toEqual([504]);
  expect((logs[0].error as Error).cause).toBe(DeadlineExceeded);
});

test("the caller's deadline header is honoured: 504 when it passes, a deadline on request.ctx otherwise", async () => {
  const a = await start({ deadline: {} });
  expect((await send(a.port, '/slow', { headers: { 'ctxkit-timeout-ms': '50' } })).status).toBe(504);
  const reply = await send(a.port, '/ctx', { headers: { 'grpc-timeout': '1S', 'ctxkit-timeout-ms': '60000' } });
  expect(JSON.parse(reply.body)).toMatchObject({ hasDeadline: true, live: true });
});

test('a malformed deadline header is answered 400 and no handler runs', async () => {
  const a = await start({ deadline: {} });
  const reply = await send(a.port, '/ctx', { headers: { 'ctxkit-timeout-ms': 'Infinity' } });
  expect(reply.status).toBe(400);
  expect(JSON.parse(reply.body)).toEqual({ statusCode: 400, error: 'Bad Request', message: 'malformed ctxkit-timeout-ms header' });
  expect(a.handled).toEqual([]);
});

test("a client that went away gets no response at all, and Fastify's logger records a 499", async () => {
  const a = await start();
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${a.port}/hang`, { signal: abort.signal }).catch((e: unknown) => e);
  const { reply } = await a.hanging;
  abort.abort();
  // The reply counts as sent once the error path is over: hijacked by the plugin, or written.
  await waitFor(() => reply.sent, 10_000, 'the error path');
  expect(reply.raw.headersSent).toBe(false);
  expect(reply.raw.writableEnded).toBe(false);
  expect(cause(reply.request.ctx)).toBe(ClientDisconnected);
  const closed = a.lines.filter((l) => l.msg === 'client closed request');
  expect(closed).toHaveLength(1);
  expect(closed[0]).toMatchObject({ res: { statusCode: 499 }, reqId: reply.request.id });
  expect(a.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  expect(((await client) as Error).name).toBe('AbortError');
});

test('other errors go on to the error handler set before the plugin (here answering 418), else to Fastify\'s (500)', async () => {
  const parentSaw: unknown[] = [];
  const withParent = await start({}, (app) =>
    app.setErrorHandler((error, _request, reply) => {
      parentSaw.push(error);
      void reply.code(418).send({ teapot: true });
    }),
  );
  expect((await send(withParent.port, '/boom')).status).toBe(418);
  expect(parentSaw).toHaveLength(1);
  const plain = await start();
  expect((await send(plain.port, '/boom')).status).toBe(500);
});

test('with errorHandler: false the plugin leaves error handling to the app, which can use errorStatus', async () => {
  const a = await start({ timeoutMs: 50, errorHandler: false }, (app) =>
    app.setErrorHandler((error, request, reply) => {
      void reply.code(errorStatus(error, request.raw, reply.raw) === 504 ? 599 : 500).send();
    }),
  );
  expect((await send(a.port, '/slow')).status).toBe(599);
});

test('no false abort: a JSON body parsed by Fastify, then slow work, and the context is live; it ends with ResponseFinished', async () => {
  let ctxAfter: unknown;
  const a = await start({}, (app) =>
    app.addHook('onResponse', async (request) => {
      await request.ctx.done();
      ctxAfter = cause(request.ctx);
    }),
  );
  const body = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ i })));
  const reply = await send(a.port, '/upload', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(reply.body)).toEqual({ live: true, items: 5000 });
  await waitFor(() => ctxAfter !== undefined);
  expect(ctxAfter).toBe(ResponseFinished);
});

test('the implicit context: a preHandler hook running done() in implicit.run makes request.ctx current() in the handler, after a body was parsed and across awaits', async () => {
  const a = await start({}, (app) => app.addHook('preHandler', (request, _reply, done) => implicit.run(request.ctx, done)));
  const reply = await send(a.port, '/implicit', { method: 'POST', body: '[1,2]', headers: { 'content-type': 'application/json' } });
  expect(JSON.parse(reply.body)).toEqual({ same: true });
});

test('over HTTP/2 (Fastify({ http2: true })): request.ctx is live in the handler, and a reset stream cancels only its own request', async () => {
  const app = Fastify({ http2: true, forceCloseConnections: true });
  const contexts = new Map<string, Context>();
  await app.register(fastifyAdapter);
  app.get('/:name', async (request) => {
    contexts.set(request.url, request.ctx);
    if (request.url === '/reset') await sleep(60_000, undefined, { signal: request.ctx.signal });
    return { live: request.ctx.err() === undefined };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const client = http2.connect(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`);
  try {
    const reset = client.request({ ':path': '/reset' });
    reset.on('error', () => {});
    reset.end();
    await waitFor(() => contexts.has('/reset'));
    reset.close(http2.constants.NGHTTP2_CANCEL);
    await contexts.get('/reset')!.done();
    expect(cause(contexts.get('/reset')!)).toBe(ClientDisconnected);

    const ok = client.request({ ':path': '/ok' });
    ok.setEncoding('utf8');
    let body = '';
    ok.on('data', (d: string) => (body += d));
    ok.end();
    await new Promise((resolve) => ok.on('end', resolve));
    expect(JSON.parse(body)).toEqual({ live: true });
    await contexts.get('/ok')!.done();
    expect(cause(contexts.get('/ok')!)).toBe(ResponseFinished);
  } finally {
    client.destroy();
    await app.close();
  }
});

test('derive: request.ctx (typed by declaration merging), contextOf(request.raw) and the log hook (event.ctx) see the request id', async () => {
  const events: RequestLogEvent[] = [];
  const a = await start({
    timeoutMs: 50,
    derive: (ctx, req) => withValue(ctx, requestId, String(req.headers['x-request-id'])),
    log: (e) => events.push(e),
  });
  expect(JSON.parse((await send(a.port, '/id', { headers: { 'x-request-id': 'r-1' } })).body)).toEqual({ id: 'r-1', same: true });
  expect((await send(a.port, '/slow', { headers: { 'x-request-id': 'r-2' } })).status).toBe(504);
  expect(events.map((e) => [e.status, e.ctx?.value(requestId)])).toEqual([[504, 'r-2']]);
});

test('a client that goes away after the deadline ended the context is still logged once, as 499, and gets nothing', async () => {
  const events: RequestLogEvent[] = [];
  const a = await start({ timeoutMs: 50, log: (e) => events.push(e) });
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${a.port}/late`, { signal: abort.signal }).catch((e: unknown) => e);
  const { reply } = await a.hanging;
  abort.abort();
  await waitFor(() => reply.sent && events.length > 0, 10_000, 'the error path');
  expect(events.map((e) => e.status)).toEqual([499]);
  expect(reply.raw.headersSent).toBe(false);
  expect(((await client) as Error).name).toBe('AbortError');
});
