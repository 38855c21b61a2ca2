/**
 * ctxkit/web's request context with the platform's own Request, Response,
 * AbortSignal and streams (Node's undici implementation): what ends it, what
 * never does, and that it leaves no listener behind. The runtimes' servers are
 * tested in test/runtimes/web-servers.test.ts.
 */
import { getEventListeners, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Canceled, DeadlineExceeded, background, cause, withCancel, withTimeoutCause, withValue, createKey, type Context } from '../../src/index.js';
import { MalformedDeadlineError } from '../../src/propagation/index.js';
import {
  ClientDisconnected,
  ResponseFinished,
  ServerShutdown,
  contextErrorStatus,
  contextOf,
  errorResponse,
  errorStatus,
  findContext,
  finishRequest,
  requestContext,
  withRequestContext,
} from '../../src/web/index.js';

/** A request whose client can go away: aborting `client` aborts `request.signal`, as a runtime does. */
function clientRequest(path = '/', headers: Record<string, string> = {}): { request: Request; client: AbortController } {
  const client = new AbortController();
  return { request: new Request(`http://app.example${path}`, { headers, signal: client.signal }), client };
}

const abortListeners = (request: Request): number => getEventListeners(request.signal, 'abort').length;

/** A streamed body of `chunks` chunks, pulled one at a time. */
function streamed(chunks: number, failAt?: number): Response {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === failAt) return controller.error(new Error('source broke'));
      if (sent === chunks) return controller.close();
      controller.enqueue(new TextEncoder().encode(`data: ${sent++}\n\n`));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

describe('requestContext', () => {
  test('is cancelled with ClientDisconnected when the client goes away, reports it once, and stops listening', () => {
    const { request, client } = clientRequest();
    const before = abortListeners(request);
    const gone: Request[] = [];
    const [ctx] = requestContext(request, { onDisconnect: (r) => gone.push(r) });
    expect(ctx.err()).toBeUndefined();
    expect(abortListeners(request)).toBe(before + 1);
    client.abort();
    expect(cause(ctx)).toBe(ClientDisconnected);
    expect(ctx.err()).toBe(Canceled);
    expect(gone).toEqual([request]);
    expect(abortListeners(request)).toBe(before);
  });

  test('a request whose client is already gone gives a context already done', () => {
    const { request, client } = clientRequest();
    client.abort();
    expect(cause(requestContext(request)[0])).toBe(ClientDisconnected);
  });

  test('one request has one context; contextOf and findContext find it', () => {
    const { request } = clientRequest();
    const pair = requestContext(request, { timeoutMs: 5_000 });
    expect(requestContext(request)).toBe(pair);
    expect(contextOf(request)).toBe(pair[0]);
    expect(findContext(request)).toBe(pair[0]);
    expect(findContext(new Request('http://app.example/'))).toBeUndefined();
    expect(() => contextOf(new Request('http://app.example/'))).toThrow(TypeError);
    pair[1]();
  });

  test('the context is kept on the request under a symbol of its own, and a frozen request still gets one', () => {
    const { request } = clientRequest();
    const [ctx] = requestContext(request);
    expect(Object.keys(request)).toEqual([]); // no string key: JSON and for…in see nothing
    expect(Object.getOwnPropertySymbols(request).map(String)).toContain('Symbol(ctxkit.requestContext)');
    const frozen = Object.freeze(clientRequest().request);
    const [frozenCtx] = requestContext(frozen);
    expect(contextOf(frozen)).toBe(frozenCtx);
    expect(contextOf(request)).toBe(ctx);
  });

  test('derives from the parent, with the budget, the deadline header and derive applied', () => {
    const id = createKey<string>('id');
    const [parent, stop] = withCancel(withValue(background(), id, 'server'));
    const { request } = clientRequest('/', { 'ctxkit-timeout-ms': '1000' });
    const [ctx, end] = requestContext(request, { parent, timeoutMs: 60_000, deadline: {}, derive: (c) => withValue(c, id, 'request') });
    expect(ctx.value(id)).toBe('request');
    const left = ctx.deadline()!.getTime() - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(1_000);
    stop();
    expect(ctx.err()).toBe(Canceled);
    end();
  });

  test('the ending functions: a deadline, the pair disposed, the parent — each removes the listener', async () => {
    const { request } = clientRequest();
    const [ctx] = requestContext(request, { timeoutMs: 20 });
    await new Promise((r) => setTimeout(r, 200));
    expect(ctx.err()).toBe(DeadlineExceeded);
    expect(abortListeners(request)).toBe(0);
    const other = clientRequest().request;
    {
      using _pair = requestContext(other);
    }
    expect(cause(contextOf(other))).toBe(Canceled);
    expect(abortListeners(other)).toBe(0);
  });

  test('bad arguments are a TypeError, and nothing is made', () => {
    const { request } = clientRequest();
    expect(() => requestContext({} as Request)).toThrow(/ctxkit\.requestContext: request must be a Fetch-API Request/);
    expect(() => requestContext(request, { timeoutMs: -1 })).toThrow(TypeError);
    expect(() => requestContext(request, { parent: {} as Context })).toThrow(TypeError);
    expect(() => requestContext(request, { derive: 'x' as never })).toThrow(TypeError);
    expect(() => requestContext(request, { nodeResponse: {} as never })).toThrow(TypeError);
    expect(() => requestContext(request, null as never)).toThrow(TypeError);
    expect(() => requestContext(request, { derive: () => 'not a context' as never })).toThrow(/the result of options\.derive must be a Context/);
    expect(findContext(request)).toBeUndefined();
    expect(abortListeners(request)).toBe(0);
  });

  test('a malformed deadline header throws MalformedDeadlineError, answered 400, and sets up nothing', async () => {
    const { request } = clientRequest('/', { 'ctxkit-timeout-ms': 'soon' });
    let thrown: unknown;
    try {
      requestContext(request, { deadline: { malformed: 'reject' } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MalformedDeadlineError);
    expect(findContext(request)).toBeUndefined();
    const answer = errorResponse(thrown, request)!;
    expect(answer.status).toBe(400);
    expect(await answer.text()).toBe('Bad Request');
  });
});

describe('options.nodeResponse', () => {
  test("Node's response decides: complete is ResponseFinished, closed before the end (even before the context was made) is ClientDisconnected", async () => {
    const seen: Array<Promise<unknown>> = [];
    const headerReads: number[] = [];
    const server = http.createServer((req, res) => {
      const request = new Request(`http://app.example${req.url}`);
      if (req.url === '/gone') {
        req.socket.destroy();
        seen.push(once(res, 'close').then(() => cause(requestContext(request, { nodeResponse: res })[0])));
        return;
      }
      const [ctx] = requestContext(request, { nodeResponse: res });
      // A response whose headers are costly to build (@hono/node-server's own) is never asked for them here.
      const answer = new Response('ok');
      let reads = 0;
      const headers = answer.headers;
      Object.defineProperty(answer, 'headers', { get: () => (reads++, headers) });
      expect(finishRequest(request, answer)).toBe(answer);
      headerReads.push(reads);
      expect(ctx.err()).toBeUndefined();
      seen.push(once(res, 'close').then(() => cause(ctx)));
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/ok`)).text()).toBe('ok');
      await fetch(`http://127.0.0.1:${port}/gone`).catch(() => undefined);
      expect(await Promise.all(seen)).toEqual([ResponseFinished, ClientDisconnected]);
      expect(headerReads).toEqual([0]);
    } finally {
      server.close();
    }
  });
});

describe('finishRequest', () => {
  test('a whole body: ResponseFinished at once, the same response, and a later abort of the signal changes nothing (Deno aborts it)', () => {
    const { request, client } = clientRequest();
    const [ctx] = requestContext(request);
    const response = new Response('ok');
    expect(finishRequest(request, response)).toBe(response);
    expect(cause(ctx)).toBe(ResponseFinished);
    client.abort();
    expect(cause(ctx)).toBe(ResponseFinished);
    expect(abortListeners(request)).toBe(0);
  });

  test('a streamed body: the context lives until the body has been read, then ResponseFinished', async () => {
    const { request } = clientRequest();
    const [ctx] = requestContext(request);
    const sent = finishRequest(request, streamed(3));
    expect(sent.headers.get('content-type')).toBe('text/event-stream');
    expect(ctx.err()).toBeUndefined();
    const reader = sent.body!.getReader();
    await reader.read();
    expect(ctx.err()).toBeUndefined();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: 1\n\ndata: 2\n\n');
    expect(cause(ctx)).toBe(ResponseFinished);
  });

  test('a streamed body the runtime stops reading (client gone) is ClientDisconnected; one that fails ends with its error', async () => {
    const gone = clientRequest().request;
    const [ctx] = requestContext(gone);
    const body = finishRequest(gone, streamed(100)).body!;
    const reader = body.getReader();
    await reader.read();
    await reader.cancel(new Error('connection reset'));
    expect(cause(ctx)).toBe(ClientDisconnected);

    const broken = clientRequest().request;
    const [brokenCtx] = requestContext(broken);
    await expect(finishRequest(broken, streamed(100, 1)).text()).rejects.toThrow('source broke');
    expect(String(cause(brokenCtx))).toBe('Error: source broke');
  });

  test('a chunked response counts as streamed too; a response is checked', () => {
    const { request } = clientRequest();
    const [ctx] = requestContext(request);
    finishRequest(request, new Response(new ReadableStream(), { headers: { 'transfer-encoding': 'chunked' } }));
    expect(ctx.err()).toBeUndefined();
    expect(() => finishRequest(request, {} as Response)).toThrow(/ctxkit\.finishRequest: response must be a Fetch-API Response/);
    const other = clientRequest().request;
    const [otherCtx] = requestContext(other);
    expect(() => finishRequest(other, { status: 200, headers: {} } as never)).toThrow(/ctxkit\.finishRequest: response must be a Fetch-API Response/);
    expect(otherCtx.err()).toBeUndefined();
  });
});

describe('errorStatus and errorResponse', () => {
  test('each context error has its status; other errors none', async () => {
    const { request } = clientRequest();
    requestContext(request);
    expect(errorStatus(DeadlineExceeded, request)).toBe(504);
    expect(errorStatus(new Error('wrapped', { cause: ServerShutdown }), request)).toBe(503);
    expect(errorStatus(ClientDisconnected, request)).toBe(499);
    expect(errorStatus(new Error('boom'), request)).toBeUndefined();
    expect(errorResponse(new Error('boom'), request)).toBeUndefined();
    const answer = errorResponse(DeadlineExceeded, request)!;
    expect([answer.status, await answer.text()]).toEqual([504, 'Gateway Timeout']);
    const gone = errorResponse(ClientDisconnected, request)!;
    expect([gone.status, gone.body]).toEqual([499, null]);
  });

  test("a deadline's own cause (withTimeoutCause above the request) is 504; any error once the client is gone is 499", async () => {
    const late = new Error('budget spent');
    const [parent] = withTimeoutCause(background(), 10, late);
    await new Promise((r) => setTimeout(r, 100));
    expect(contextErrorStatus(late, parent)).toBe(504);
    const { request, client } = clientRequest();
    const [ctx] = requestContext(request);
    client.abort();
    expect(contextErrorStatus(new Error('anything'), ctx)).toBe(499);
  });
});

describe('withRequestContext', () => {
  test("gives the handler its context and the runtime's own arguments, and ends the context with the response", async () => {
    let seen: { ctx: Context; rest: unknown[] } | undefined;
    const handle = withRequestContext(async (ctx, _request, ...rest: [string, number]) => {
      seen = { ctx, rest };
      return new Response('hi');
    });
    const response = await handle(clientRequest().request, 'info', 7);
    expect(await response.text()).toBe('hi');
    expect(seen!.rest).toEqual(['info', 7]);
    expect(cause(seen!.ctx)).toBe(ResponseFinished);
  });

  test('answers the context errors (a deadline 504, a client gone 499, a malformed header 400) and throws others on', async () => {
    const handle = withRequestContext(async (ctx, request) => {
      if (request.url.endsWith('/boom')) throw new Error('boom');
      await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(cause(ctx))));
      return new Response('never');
    }, { timeoutMs: 50, deadline: { malformed: 'reject' } });
    expect((await handle(clientRequest('/wait').request)).status).toBe(504);
    const { request, client } = clientRequest('/wait');
    setTimeout(() => client.abort(), 10);
    expect((await handle(request)).status).toBe(499);
    expect((await handle(clientRequest('/', { 'ctxkit-timeout-ms': 'x' }).request)).status).toBe(400);
    const failing = clientRequest('/boom').request;
    await expect(handle(failing)).rejects.toThrow('boom');
    expect(cause(contextOf(failing))).toBe(ResponseFinished);
  });

  test('its arguments are checked once, when it is made', () => {
    expect(() => withRequestContext('x' as never)).toThrow(/ctxkit\.withRequestContext: handler must be a function/);
    expect(() => withRequestContext(async () => new Response(), { timeoutMs: Number.NaN })).toThrow(TypeError);
  });

  test('2,000 requests leave no listener on their signals and no live context', async () => {
    const handle = withRequestContext(async (ctx) => new Response(String(ctx.err() === undefined)));
    const requests = Array.from({ length: 2_000 }, () => clientRequest().request);
    for (const request of requests) expect(await (await handle(request)).text()).toBe('true');
    expect(requests.filter((r) => abortListeners(r) !== 0)).toEqual([]);
    expect(requests.filter((r) => contextOf(r).err() === undefined)).toEqual([]);
  });
});
