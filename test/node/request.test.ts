/**
 * fromRequest on real node:http servers and clients: what cancels a request
 * context, what must not (the false-abort traps), and that nothing it adds
 * outlives the request.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Canceled, DeadlineExceeded, background, cause, createKey, withCancelCause, withValue, type Context } from '../../src/index.js';
import { ClientDisconnected, ResponseFinished, contextOf, findContext, fromRequest, type RequestContextOptions } from '../../src/node/index.js';
import { MalformedDeadlineError, carry, valuesHeader } from '../../src/propagation/index.js';
import { close, deferred, listen, listenerCounts, send, waitFor } from './servers.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

/** A server on loopback whose every request runs `handler`; returns its port. */
async function serve(handler: Handler): Promise<number> {
  const server = http.createServer((req, res) => void handler(req, res));
  servers.push(server);
  return listen(server);
}

/** Where the test waits for the handler to report. */
interface Seen {
  ctx: Context;
  err?: Error;
  cause?: unknown;
  error?: unknown;
}

test('a client that aborts mid-request cancels the context with ClientDisconnected, and the work in progress sees it', async () => {
  const started = deferred();
  const seen = deferred<Seen>();
  const disconnected: http.IncomingMessage[] = [];
  let request: http.IncomingMessage | undefined;
  const port = await serve(async (req, res) => {
    request = req;
    const [ctx] = fromRequest(req, res, { onDisconnect: (r) => disconnected.push(r as http.IncomingMessage) });
    started.resolve();
    try {
      await sleep(60_000, undefined, { signal: ctx.signal });
      res.end('finished');
    } catch (error) {
      seen.resolve({ ctx, error, err: ctx.err(), cause: cause(ctx) });
    }
  });
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${port}/work`, { signal: abort.signal }).catch((e: unknown) => e);
  await started.promise;
  abort.abort();
  const s = await seen.promise;
  expect(s.err).toBe(Canceled);
  expect(s.cause).toBe(ClientDisconnected);
  expect((s.error as Error).cause).toBe(ClientDisconnected);
  expect(disconnected).toEqual([request]);
  expect(((await client) as Error).name).toBe('AbortError');
});

test('a completed request stays live while the response is written and is cancelled with ResponseFinished after it finished', async () => {
  const seen = deferred<Seen & { whileWriting: Array<Error | undefined>; rightAfterEnd: Error | undefined }>();
  const port = await serve(async (req, res) => {
    const [ctx] = fromRequest(req, res);
    const whileWriting: Array<Error | undefined> = [];
    res.write('a');
    await sleep(30);
    whileWriting.push(ctx.err());
    res.write('b');
    await sleep(30);
    whileWriting.push(ctx.err());
    res.end('c');
    const rightAfterEnd = ctx.err();
    await ctx.done();
    seen.resolve({ ctx, whileWriting, rightAfterEnd, err: ctx.err(), cause: cause(ctx) });
  });
  const reply = await send(port, '/');
  expect(reply.body).toBe('abc');
  const s = await seen.promise;
  expect(s.whileWriting).toEqual([undefined, undefined]);
  expect(s.rightAfterEnd).toBeUndefined();
  expect(s.err).toBe(Canceled);
  expect(s.cause).toBe(ResponseFinished);
});

test('no false abort after a POST body was read: the context stays live through slow work although req emitted "close"', async () => {
  const seen = deferred<Seen & { reqClosed: boolean; bytes: number; liveAfterWork: boolean }>();
  const port = await serve(async (req, res) => {
    const [ctx] = fromRequest(req, res);
    let reqClosed = false;
    req.on('close', () => (reqClosed = true));
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    // The trap: Node emits req 'close' once the body is consumed, while the client still waits.
    await waitFor(() => reqClosed, 10_000, "req 'close'");
    await sleep(200);
    const liveAfterWork = ctx.err() === undefined;
    res.end(String(bytes));
    await ctx.done();
    seen.resolve({ ctx, reqClosed, bytes, liveAfterWork, cause: cause(ctx) });
  });
  const body = Buffer.alloc(1 << 20, 'x');
  const reply = await send(port, '/upload', { method: 'POST', body });
  expect(reply).toMatchObject({ status: 200, body: String(body.length) });
  const s = await seen.promise;
  expect(s.reqClosed).toBe(true);
  expect(s.liveAfterWork).toBe(true);
  expect(s.cause).toBe(ResponseFinished);
});

test('keep-alive: many requests on one connection, POSTs among them, none aborted, socket listeners do not accumulate', async () => {
  const sockets = new Set<unknown>();
  const socketCounts: Array<Record<string, number>> = [];
  const causes: unknown[] = [];
  const liveAtEnd: boolean[] = [];
  let disconnects = 0;
  const port = await serve(async (req, res) => {
    sockets.add(req.socket);
    socketCounts.push(listenerCounts(req.socket));
    const [ctx] = fromRequest(req, res, { onDisconnect: () => disconnects++ });
    for await (const _ of req);
    await sleep(2);
    liveAtEnd.push(ctx.err() === undefined);
    res.end('ok');
    await ctx.done();
    causes.push(cause(ctx));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const n = 40;
  for (let i = 0; i < n; i++) {
    const reply = await send(port, `/r${i}`, i % 2 ? { agent, method: 'POST', body: 'y'.repeat(10_000) } : { agent });
    expect(reply.status).toBe(200);
  }
  agent.destroy();
  await waitFor(() => causes.length === n, 10_000, 'every context to end');
  expect(sockets.size).toBe(1);
  for (const counts of socketCounts) expect(counts).toEqual(socketCounts[0]);
  expect(liveAtEnd).toEqual(Array(n).fill(true));
  expect(causes).toEqual(Array(n).fill(ResponseFinished));
  expect(disconnects).toBe(0);
});

test('the listeners it adds are gone once the request ended, as if it had never been called', async () => {
  const snapshots = new Map<string, { before: unknown; during: unknown; after: unknown }>();
  const port = await serve((req, res) => {
    const counts = () => ({ req: listenerCounts(req), res: listenerCounts(res) });
    const before = counts();
    if (req.url === '/with') fromRequest(req, res, { timeoutMs: 60_000 });
    const during = counts();
    // Registered after fromRequest's own listener, so it runs after it.
    res.on('close', () => setImmediate(() => snapshots.set(req.url!, { before, during, after: counts() })));
    res.end();
  });
  await send(port, '/with');
  await send(port, '/without');
  await waitFor(() => snapshots.size === 2);
  const withIt = snapshots.get('/with')!;
  const without = snapshots.get('/without')!;
  expect(withIt.during).not.toEqual(withIt.before);
  expect(withIt.after).toEqual(without.after);
});

test('ending it early (the returned function, or disposing the pair) cancels with the cause given and removes its listeners at once', async () => {
  const seen = new Map<string, { cause: unknown; restored: boolean }>();
  const port = await serve((req, res) => {
    const before = [res.listenerCount('close'), req.listenerCount('error')];
    const pair = fromRequest(req, res);
    if (req.url === '/end') pair[1]('handler done');
    else pair[Symbol.dispose]();
    const restored = res.listenerCount('close') === before[0] && req.listenerCount('error') === before[1];
    seen.set(req.url!, { cause: cause(pair[0]), restored });
    res.end();
  });
  await send(port, '/end');
  await send(port, '/dispose');
  expect(seen.get('/end')).toEqual({ cause: 'handler done', restored: true });
  expect(seen.get('/dispose')).toEqual({ cause: Canceled, restored: true });
});

test('a deadline (timeoutMs) ends the request: its listeners on req and res are gone before the response closes, and the socket never had any', async () => {
  const seen = deferred<{ cause: unknown; during: unknown; before: unknown; after: unknown }>();
  const port = await serve(async (req, res) => {
    const counts = () => ({ req: listenerCounts(req), res: listenerCounts(res), socket: listenerCounts(req.socket) });
    const before = counts();
    const [ctx] = fromRequest(req, res, { timeoutMs: 50 });
    const during = counts();
    await ctx.done();
    // "Should happen": the removal follows the deadline; wait for it generously, with the response still open.
    await waitFor(() => JSON.stringify(counts()) === JSON.stringify(before), 5_000, 'the listeners to go').catch(() => undefined);
    seen.resolve({ cause: cause(ctx), during, before, after: counts() });
    res.end();
  });
  await send(port, '/');
  const s = await seen.promise;
  expect(s.cause).toBe(DeadlineExceeded);
  expect(s.during).not.toEqual(s.before);
  expect(s.after).toEqual(s.before);
});

test('called twice for one request it returns the same pair; the later options are ignored', async () => {
  const seen = deferred<{ same: boolean; deadline: unknown; contextOf: boolean }>();
  const port = await serve((req, res) => {
    const first = fromRequest(req, res);
    const second = fromRequest(req, res, { timeoutMs: 1 });
    seen.resolve({ same: first === second && first[0] === second[0], deadline: second[0].deadline(), contextOf: contextOf(req) === first[0] });
    res.end();
  });
  await send(port, '/');
  expect(await seen.promise).toEqual({ same: true, deadline: undefined, contextOf: true });
});

describe('derive: per-request values', () => {
  const requestId = createKey<string>('requestId');
  const tenant = createKey<string>('tenant');
  const values = valuesHeader([carry('tenant', tenant)]);
  const derive: RequestContextOptions['derive'] = (ctx, req) =>
    values.extract(withValue(ctx, requestId, String(req.headers['x-request-id'])), req.headers);

  test('contextOf(req) and onDisconnect see the derived values (a request id, a carried value); the derived context ends with the request', async () => {
    const disconnected = deferred<{ id: unknown; tenant: unknown; cause: unknown }>();
    const started = deferred<{ id: unknown; tenant: unknown; same: boolean }>();
    const port = await serve((req, res) => {
      const [ctx] = fromRequest(req, res, {
        derive,
        onDisconnect: (r) => disconnected.resolve({ id: contextOf(r).value(requestId), tenant: contextOf(r).value(tenant), cause: cause(contextOf(r)) }),
      });
      started.resolve({ id: ctx.value(requestId), tenant: ctx.value(tenant), same: contextOf(req) === ctx });
    });
    const client = http.request({ host: '127.0.0.1', port, path: '/', headers: { 'x-request-id': 'r-17', 'ctxkit-values': 'tenant=acme' } });
    client.on('error', () => {});
    client.end();
    expect(await started.promise).toEqual({ id: 'r-17', tenant: 'acme', same: true });
    client.destroy();
    expect(await disconnected.promise).toEqual({ id: 'r-17', tenant: 'acme', cause: ClientDisconnected });
  });

  test('derive that throws, or returns no Context, throws from fromRequest having set up nothing', async () => {
    const seen = deferred<{ errors: unknown[]; restored: boolean; found: boolean }>();
    const port = await serve((req, res) => {
      const before = JSON.stringify([listenerCounts(req), listenerCounts(res)]);
      const errors = [
        () => fromRequest(req, res, { derive: () => { throw new Error('no id'); } }),
        () => fromRequest(req, res, { derive: () => ({}) as Context }),
      ].map((f) => {
        try {
          f();
          return undefined;
        } catch (e) {
          return e;
        }
      });
      const restored = JSON.stringify([listenerCounts(req), listenerCounts(res)]) === before;
      seen.resolve({ errors, restored, found: findContext(req) !== undefined });
      res.end();
    });
    await send(port, '/');
    const s = await seen.promise;
    expect(String(s.errors[0])).toBe('Error: no id');
    expect(String(s.errors[1])).toMatch(/^TypeError: ctxkit\.fromRequest: the result of options\.derive must be a Context, got an object \(Object\)$/);
    expect(s.restored).toBe(true);
    expect(s.found).toBe(false);
  });
});

test('the parent (server-lifetime context) ends every request context with its cause, and their listeners go', async () => {
  const [base, stop] = withCancelCause(background());
  const seen = deferred<{ cause: unknown; restored: boolean }>();
  const port = await serve(async (req, res) => {
    const before = [res.listenerCount('close'), req.listenerCount('error')];
    const [ctx] = fromRequest(req, res, { parent: base });
    stop('going away');
    await ctx.done();
    await waitFor(() => res.listenerCount('close') === before[0] && req.listenerCount('error') === before[1]);
    seen.resolve({ cause: cause(ctx), restored: true });
    res.end();
  });
  await send(port, '/');
  expect(await seen.promise).toEqual({ cause: 'going away', restored: true });
});

test('a request whose client left before fromRequest was called gets a context already cancelled with ClientDisconnected', async () => {
  const seen = deferred<Seen & { disconnects: number; listeners: number }>();
  const started = deferred();
  const port = await serve(async (req, res) => {
    started.resolve();
    await new Promise((r) => res.once('close', r));
    let disconnects = 0;
    const before = res.listenerCount('close');
    const [ctx] = fromRequest(req, res, { onDisconnect: () => disconnects++ });
    seen.resolve({ ctx, err: ctx.err(), cause: cause(ctx), disconnects, listeners: res.listenerCount('close') - before });
  });
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${port}/`, { signal: abort.signal }).catch(() => undefined);
  await started.promise;
  abort.abort();
  await client;
  const s = await seen.promise;
  expect(s).toMatchObject({ err: Canceled, cause: ClientDisconnected, disconnects: 1, listeners: 0 });
});

test("req 'error' (a broken request stream) counts as a disconnect", async () => {
  const seen = deferred<unknown>();
  const port = await serve((req, res) => {
    const [ctx] = fromRequest(req, res);
    req.emit('error', new Error('stream broke'));
    seen.resolve(cause(ctx));
    res.end();
  });
  await send(port, '/');
  expect(await seen.promise).toBe(ClientDisconnected);
});

describe('budgets and deadline headers', () => {
  interface Probe {
    reply: { status: number };
    at: number;
    deadline?: number;
    /** err() when the handler was ready to answer: at once, or after the context ended ("wait"). */
    errAtAnswer?: Error;
    /** cause() once the context ended, after the response. */
    finalCause?: unknown;
    thrown?: unknown;
    listenersAdded?: number;
  }

  /** Serves one request with `options`: answers at once, or once the context is done ("wait"); reports its deadline and how it ended. */
  async function probe(options: RequestContextOptions, headers: http.OutgoingHttpHeaders, answer: 'now' | 'wait'): Promise<Probe> {
    const seen = deferred<Omit<Probe, 'reply'>>();
    const port = await serve(async (req, res) => {
      const at = Date.now();
      const before = res.listenerCount('close') + req.listenerCount('error');
      let ctx: Context;
      try {
        [ctx] = fromRequest(req, res, options);
      } catch (thrown) {
        seen.resolve({ at, thrown, listenersAdded: res.listenerCount('close') + req.listenerCount('error') - before });
        res.statusCode = 400;
        res.end();
        return;
      }
      const deadline = ctx.deadline()?.getTime();
      if (answer === 'wait') await ctx.done();
      const errAtAnswer = ctx.err();
      res.end();
      await ctx.done();
      seen.resolve({ at, deadline, errAtAnswer, finalCause: cause(ctx) });
    });
    const reply = await send(port, '/', { headers });
    return { reply, ...(await seen.promise) };
  }

  test('timeoutMs is the server budget: DeadlineExceeded when it runs out', async () => {
    const r = await probe({ timeoutMs: 50 }, {}, 'wait');
    expect(r.deadline! - r.at).toBeLessThanOrEqual(50 + 25);
    expect(r.errAtAnswer).toBe(DeadlineExceeded);
    expect(r.finalCause).toBe(DeadlineExceeded);
  });

  test('a request that finishes within its budget ends with ResponseFinished, not DeadlineExceeded', async () => {
    const r = await probe({ timeoutMs: 60_000 }, {}, 'now');
    expect(r.deadline! - r.at).toBeGreaterThan(50_000);
    expect(r.errAtAnswer).toBeUndefined();
    expect(r.finalCause).toBe(ResponseFinished);
  });

  test("the caller's ctxkit-timeout-ms header shortens the budget (options.deadline, read by ctxkit/propagation)", async () => {
    const r = await probe({ timeoutMs: 60_000, deadline: {} }, { 'ctxkit-timeout-ms': '80' }, 'wait');
    expect(r.deadline! - r.at).toBeLessThanOrEqual(80 + 25);
    expect(r.errAtAnswer).toBe(DeadlineExceeded);
  });

  test('a header cannot extend the server budget', async () => {
    const r = await probe({ timeoutMs: 60, deadline: {} }, { 'ctxkit-timeout-ms': '600000' }, 'wait');
    expect(r.deadline! - r.at).toBeLessThanOrEqual(60 + 25);
    expect(r.errAtAnswer).toBe(DeadlineExceeded);
  });

  test('deadline headers are not read unless options.deadline is given', async () => {
    const r = await probe({}, { 'ctxkit-timeout-ms': '1' }, 'now');
    expect(r.deadline).toBeUndefined();
    expect(r.errAtAnswer).toBeUndefined();
  });

  test('a malformed header throws MalformedDeadlineError and leaves nothing behind', async () => {
    const r = await probe({ deadline: {} }, { 'ctxkit-timeout-ms': '1e3' }, 'now');
    expect(r.thrown).toBeInstanceOf(MalformedDeadlineError);
    expect(r.listenersAdded).toBe(0);
    expect(r.reply.status).toBe(400);
  });

  test('a malformed header is ignored with malformed: "ignore", and an untrusted caller cannot set a deadline', async () => {
    const ignored = await probe({ deadline: { malformed: 'ignore' } }, { 'ctxkit-timeout-ms': '0x10' }, 'now');
    expect(ignored.thrown).toBeUndefined();
    expect(ignored.deadline).toBeUndefined();
    const untrusted = await probe({ deadline: { trust: false } }, { 'ctxkit-timeout-ms': '0' }, 'now');
    expect(untrusted.errAtAnswer).toBeUndefined();
    const trusted = await probe({ deadline: {} }, { 'ctxkit-timeout-ms': '0' }, 'now');
    expect(trusted.errAtAnswer).toBe(DeadlineExceeded);
  });
});

test('contextOf returns the context made for the request, and throws for a request it has not seen', async () => {
  const seen = deferred<boolean>();
  const port = await serve((req, res) => {
    const [ctx] = fromRequest(req, res);
    seen.resolve(contextOf(req) === ctx);
    res.end();
  });
  await send(port, '/');
  expect(await seen.promise).toBe(true);
  expect(() => contextOf({} as http.IncomingMessage)).toThrow(TypeError);
  expect(findContext({} as http.IncomingMessage)).toBeUndefined();
});

test('bad arguments get a TypeError naming the option', async () => {
  const seen = deferred<unknown[]>();
  const port = await serve((req, res) => {
    const attempts: Array<() => unknown> = [
      () => fromRequest(null as unknown as http.IncomingMessage, res),
      () => fromRequest(req, {} as http.ServerResponse),
      () => fromRequest(req, res, { parent: {} as Context }),
      () => fromRequest(req, res, { timeoutMs: -1 }),
      () => fromRequest(req, res, { timeoutMs: NaN }),
      () => fromRequest(req, res, { onDisconnect: 'log' as unknown as () => void }),
      () => fromRequest(req, res, { derive: 'id' as unknown as () => Context }),
    ];
    const errors = attempts.map((f) => {
      try {
        f();
        return undefined;
      } catch (e) {
        return e;
      }
    });
    seen.resolve(errors);
    res.end();
  });
  await send(port, '/');
  const errors = await seen.promise;
  for (const e of errors) expect(e).toBeInstanceOf(TypeError);
  expect(String(errors[3])).toMatch(/ctxkit\.fromRequest: options\.timeoutMs must be/);
});
