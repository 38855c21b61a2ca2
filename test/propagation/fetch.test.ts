import {
  DeadlineExceeded,
  background,
  cause,
  createKey,
  withCancel,
  withCancelCause,
  withTimeout,
  withValue,
  type CancelFunc,
  type Context,
} from '../../src/index.js';
import { pendingDeadlines } from '../../src/testing/index.js';
import {
  carry,
  connectTimeoutCodec,
  createContextFetch,
  ctxkitTimeoutCodec,
  fetchWithContext,
  grpcTimeoutCodec,
  incomingDeadline,
  valuesHeader,
  type ContextFetchInit,
  type FetchLike,
} from '../../src/propagation/index.js';
import { sleep, startServer, until, type TestServer } from './helpers.js';

let server: TestServer;
/** Responses the stalled routes are holding, ended in afterAll. */
const held: Array<import('node:http').ServerResponse> = [];

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/echo') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    } else if (path === '/stall') {
      held.push(res); // never answers
    } else if (path === '/slow-body') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first,');
      setTimeout(() => res.write('second,'), 150);
      setTimeout(() => res.end('third'), 300);
    } else if (path === '/stall-body') {
      res.writeHead(200).write('partial');
      held.push(res);
    } else if (path === '/redirect') {
      res.writeHead(302, { location: '/echo' }).end();
    } else if (path === '/teapot') {
      res.writeHead(418, 'I am a teapot', { 'x-kind': 'tea' }).end('short and stout');
    } else if (path === '/odd-status') {
      res.writeHead(999).end('odd');
    } else if (path === '/no-content') {
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await server.close();
});

/**
 * Whether a call still answers to its context: cancels the context (the
 * test's own) and says whether the signal fetch was given aborts. A call that
 * has let go of its context (released) is not aborted; one still tied to it is.
 */
async function stillTied(cancel: CancelFunc, signal: AbortSignal): Promise<boolean> {
  cancel();
  await sleep(0);
  return signal.aborted;
}

/** The fetch each test injects: the real global fetch, recording what it was given. */
function recordingFetch(): { fetch: FetchLike; signals: AbortSignal[]; calls: number } {
  const rec = {
    signals: [] as AbortSignal[],
    calls: 0,
    fetch: ((input, init) => {
      rec.calls++;
      rec.signals.push(init!.signal!);
      return globalThis.fetch(input, init);
    }) as FetchLike,
  };
  return rec;
}

async function echo(ctx: Context, init?: ContextFetchInit): Promise<Record<string, string>> {
  const res = await fetchWithContext(ctx, `${server.url}/echo`, init);
  return (await res.json()) as Record<string, string>;
}

describe('fetchWithContext: the budget it sends', () => {
  test('the remaining budget minus the margin, which the next server can read', async () => {
    const [ctx, cancel] = withTimeout(background(), 5000);
    const headers = await echo(ctx, { marginMs: 1000 });
    const sent = Number(headers['ctxkit-timeout-ms']);
    expect(headers['ctxkit-timeout-ms']).toMatch(/^[0-9]{1,10}$/);
    expect(sent).toBeLessThanOrEqual(4000);
    expect(sent).toBeGreaterThan(2000); // generous: the call left within 2 s
    // The receiving side applies it.
    const r = incomingDeadline(background(), headers);
    expect(r.requestedMs).toBe(sent);
    r.cancel();
    cancel();
  });

  test('in every chosen codec', async () => {
    const [ctx, cancel] = withTimeout(background(), 5000);
    const headers = await echo(ctx, { deadlineCodecs: [ctxkitTimeoutCodec, grpcTimeoutCodec, connectTimeoutCodec] });
    for (const codec of [ctxkitTimeoutCodec, grpcTimeoutCodec, connectTimeoutCodec]) {
      const ms = codec.decode(headers[codec.header]);
      expect(ms).toBeLessThanOrEqual(5000);
      expect(ms).toBeGreaterThan(3000);
    }
    cancel();
  });

  test('only the chosen codecs; [] sends none', async () => {
    const [ctx, cancel] = withTimeout(background(), 5000);
    const grpcOnly = await echo(ctx, { deadlineCodecs: [grpcTimeoutCodec] });
    expect(grpcOnly['grpc-timeout']).toMatch(/^[0-9]{1,8}[HMSmun]$/);
    expect(grpcOnly['ctxkit-timeout-ms']).toBeUndefined();
    const none = await echo(ctx, { deadlineCodecs: [] });
    expect(none['ctxkit-timeout-ms']).toBeUndefined();
    expect(none['grpc-timeout']).toBeUndefined();
    cancel();
  });

  test('no deadline, no header', async () => {
    const headers = await echo(background());
    expect(headers['ctxkit-timeout-ms']).toBeUndefined();
  });

  test('a per-hop timeout shortens the budget sent, and only for this call', async () => {
    const [ctx, cancel] = withTimeout(background(), 60_000);
    const hop = await echo(ctx, { timeoutMs: 1500 });
    expect(Number(hop['ctxkit-timeout-ms'])).toBeLessThanOrEqual(1500);
    const next = await echo(ctx);
    expect(Number(next['ctxkit-timeout-ms'])).toBeGreaterThan(30_000);
    expect(ctx.err()).toBeUndefined();
    cancel();
  });

  test('a per-hop timeout longer than the context keeps the context deadline', async () => {
    const [ctx, cancel] = withTimeout(background(), 2000);
    const headers = await echo(ctx, { timeoutMs: 60_000 });
    expect(Number(headers['ctxkit-timeout-ms'])).toBeLessThanOrEqual(2000);
    cancel();
  });

  test('a deadline header the caller set is replaced', async () => {
    const [ctx, cancel] = withTimeout(background(), 3000);
    const headers = await echo(ctx, { headers: { 'ctxkit-timeout-ms': '999999', 'x-other': 'kept' } });
    expect(Number(headers['ctxkit-timeout-ms'])).toBeLessThanOrEqual(3000);
    expect(headers['x-other']).toBe('kept');
    cancel();
  });

  test('a Request keeps its headers and method, and gets the budget', async () => {
    const [ctx, cancel] = withTimeout(background(), 3000);
    const req = new Request(`${server.url}/echo`, { method: 'POST', body: 'payload', headers: { 'x-from-request': 'yes' } });
    const res = await fetchWithContext(ctx, req);
    const headers = (await res.json()) as Record<string, string>;
    expect(headers['x-from-request']).toBe('yes');
    expect(headers['content-length']).toBe('7');
    expect(Number(headers['ctxkit-timeout-ms'])).toBeLessThanOrEqual(3000);
    expect(server.seen[server.seen.length - 1].method).toBe('POST');
    cancel();
  });
});

describe('fetchWithContext: failing locally, without sending', () => {
  async function expectNothingSent(run: (f: FetchLike) => Promise<unknown>, expected: unknown): Promise<void> {
    const rec = recordingFetch();
    const before = server.seen.length;
    await expect(run(rec.fetch)).rejects.toBe(expected);
    await sleep(100);
    expect(rec.calls).toBe(0);
    expect(server.seen.length).toBe(before);
  }

  test('budget minus margin not positive: DeadlineExceeded', async () => {
    const [ctx, cancel] = withTimeout(background(), 5000);
    await expectNothingSent((fetch) => fetchWithContext(ctx, `${server.url}/echo`, { marginMs: 10_000, fetch }), DeadlineExceeded);
    expect(ctx.err()).toBeUndefined();
    cancel();
  });

  test('a context whose deadline has passed: DeadlineExceeded', async () => {
    const [ctx] = withTimeout(background(), 0);
    await expectNothingSent((fetch) => fetchWithContext(ctx, `${server.url}/echo`, { fetch }), DeadlineExceeded);
  });

  test('a per-hop timeout of 0: DeadlineExceeded', async () => {
    await expectNothingSent((fetch) => fetchWithContext(background(), `${server.url}/echo`, { timeoutMs: 0, fetch }), DeadlineExceeded);
  });

  test('a cancelled context: its cause', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('user went away');
    cancel(why);
    await expectNothingSent((fetch) => fetchWithContext(ctx, `${server.url}/echo`, { fetch }), why);
  });

  test('an aborted signal in init: its reason', async () => {
    const why = new Error('aborted by caller');
    await expectNothingSent((fetch) => fetchWithContext(background(), `${server.url}/echo`, { signal: AbortSignal.abort(why), fetch }), why);
  });
});

describe('fetchWithContext: ending in flight', () => {
  test('the per-hop timeout fires against a stalled server: rejects with DeadlineExceeded, the connection closes', async () => {
    const before = server.seen.length;
    await expect(fetchWithContext(background(), `${server.url}/stall`, { timeoutMs: 200 })).rejects.toBe(DeadlineExceeded);
    await until(() => server.seen.length > before, 'the request to arrive');
    await server.seen[before].closed;
  });

  test('the per-hop timeout rejects with cause(ctx) === DeadlineExceeded of its own child, not an AbortError', async () => {
    const [ctx, cancel] = withCancel(background());
    const p = fetchWithContext(ctx, `${server.url}/stall`, { timeoutMs: 150 });
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBe(DeadlineExceeded);
    expect((err as Error).name).not.toBe('AbortError');
    expect(ctx.err()).toBeUndefined(); // the caller's context lives on
    cancel();
  });

  test('cancelling the context aborts the request with cause(ctx)', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const before = server.seen.length;
    const p = fetchWithContext(ctx, `${server.url}/stall`);
    await until(() => server.seen.length > before, 'the request to arrive');
    const why = new Error('shutting down');
    cancel(why);
    await expect(p).rejects.toBe(why);
    expect(cause(ctx)).toBe(why);
    await server.seen[before].closed;
  });

  test("the context's deadline aborts the request with cause(ctx)", async () => {
    const [ctx] = withTimeout(background(), 200);
    await expect(fetchWithContext(ctx, `${server.url}/stall`)).rejects.toBe(DeadlineExceeded);
    expect(ctx.err()).toBe(DeadlineExceeded);
  });

  test('a signal given in init aborts the request with its reason', async () => {
    const ac = new AbortController();
    const before = server.seen.length;
    const p = fetchWithContext(background(), `${server.url}/stall`, { signal: ac.signal });
    await until(() => server.seen.length > before, 'the request to arrive');
    const why = new Error('caller gave up');
    ac.abort(why);
    await expect(p).rejects.toBe(why);
  });

  test("a Request's own signal aborts the request with its reason", async () => {
    const ac = new AbortController();
    const before = server.seen.length;
    const p = fetchWithContext(background(), new Request(`${server.url}/stall`, { signal: ac.signal }));
    await until(() => server.seen.length > before, 'the request to arrive');
    const why = new Error('request abandoned');
    ac.abort(why);
    await expect(p).rejects.toBe(why);
  });

  test('a network failure is passed through as it is, and the call released', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    const err = await fetchWithContext(ctx, `${url}/`, { fetch: rec.fetch }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(await stillTied(cancel, rec.signals[0])).toBe(false);
    // fetch's own TypeError ("fetch failed"), from undici's realm, not a context error.
    expect((err as Error).name).toBe('TypeError');
    expect((err as Error).message).toBe('fetch failed');
  });
});

describe('fetchWithContext with a fetch that aborts with a bare AbortError (as some polyfills do)', () => {
  const abortError = (): Error => new DOMException('This operation was aborted', 'AbortError');
  /** Never answers; rejects with a generic AbortError when its signal aborts. */
  const hangingFetch: FetchLike = (_input, init) =>
    new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(abortError())));
  /** Answers at once with one chunk of a body that then errors with a generic AbortError when its signal aborts. */
  const partialBodyFetch: FetchLike = async (_input, init) =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('a'));
          init!.signal!.addEventListener('abort', () => controller.error(abortError()));
        },
      }),
    );

  test('the call rejects with cause(ctx), not the AbortError', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const p = fetchWithContext(ctx, 'http://unused.invalid/', { fetch: hangingFetch });
    const why = new Error('cancelled upstream');
    cancel(why);
    await expect(p).rejects.toBe(why);
    await expect(fetchWithContext(background(), 'http://unused.invalid/', { fetch: hangingFetch, timeoutMs: 50 })).rejects.toBe(DeadlineExceeded);
  });

  test('the body fails with cause(ctx), not the AbortError', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const res = await fetchWithContext(ctx, 'http://unused.invalid/', { fetch: partialBodyFetch });
    const reader = res.body!.getReader();
    expect((await reader.read()).value).toEqual(new TextEncoder().encode('a'));
    const why = new Error('cancelled upstream');
    cancel(why);
    await expect(reader.read()).rejects.toBe(why);
  });
});

describe('fetchWithContext: the response body outlives the call', () => {
  test('a body streamed slowly is read in full after the wrapper returned, under a per-hop timeout', async () => {
    const rec = recordingFetch();
    const pending = pendingDeadlines();
    const res = await fetchWithContext(background(), `${server.url}/slow-body`, { timeoutMs: 10_000, fetch: rec.fetch });
    await sleep(50);
    expect(pendingDeadlines()).toBe(pending + 1); // the call's timeout runs on while the body is unread
    expect(await res.text()).toBe('first,second,third');
    expect(pendingDeadlines()).toBe(pending); // released once read to the end: its timeout is gone
    expect(rec.signals[0].aborted).toBe(false); // a finished call's signal is left alone
  });

  test('a call whose body is unread is still tied: stillTied sees its context end it', async () => {
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    await fetchWithContext(ctx, `${server.url}/stall-body`, { fetch: rec.fetch });
    expect(await stillTied(cancel, rec.signals[0])).toBe(true);
  });

  test('read chunk by chunk with a reader', async () => {
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    const res = await fetchWithContext(ctx, `${server.url}/slow-body`, { fetch: rec.fetch });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('first,second,third');
    expect(await stillTied(cancel, rec.signals[0])).toBe(false); // released once read to the end
  });

  test('read by a method after res.body was looked at, then released', async () => {
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    const res = await fetchWithContext(ctx, `${server.url}/slow-body`, { fetch: rec.fetch });
    expect(res.body).not.toBeNull();
    expect(res.bodyUsed).toBe(false);
    expect(await res.text()).toBe('first,second,third');
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toMatchObject({ name: 'TypeError' }); // read once, as any Response
    expect(await stillTied(cancel, rec.signals[0])).toBe(false);
  });

  test('a response and its clone hold the call until both are read', async () => {
    const rec = recordingFetch();
    const pending = pendingDeadlines();
    const res = await fetchWithContext(background(), `${server.url}/slow-body`, { timeoutMs: 10_000, fetch: rec.fetch });
    const copy = res.clone();
    expect(await copy.text()).toBe('first,second,third');
    expect(pendingDeadlines()).toBe(pending + 1); // the original is still unread
    expect(await res.text()).toBe('first,second,third');
    expect(pendingDeadlines()).toBe(pending);
  });

  test('a fetch that is itself a fetchWithContext: both calls hold the body, and both let go once it is read', async () => {
    const rec = recordingFetch();
    const [outer, cancelOuter] = withCancel(background());
    const [inner, cancelInner] = withCancel(background());
    const innerFetch: FetchLike = (input, init) => fetchWithContext(inner, input, { ...init, fetch: rec.fetch });
    const res = await fetchWithContext(outer, `${server.url}/slow-body`, { fetch: innerFetch });
    expect(res).toBeInstanceOf(Response);
    expect(await res.text()).toBe('first,second,third');
    expect(await stillTied(cancelOuter, rec.signals[0])).toBe(false);
    expect(await stillTied(cancelInner, rec.signals[0])).toBe(false);
  });

  test('a clone is read to the end under the call: ending the context fails it with cause(ctx)', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const res = await fetchWithContext(ctx, `${server.url}/stall-body`);
    const copy = res.clone();
    void res.body!.cancel(); // the original given up (settles once both are): the clone still holds the call
    const why = new Error('client disconnected');
    setTimeout(() => cancel(why), 50);
    await expect(copy.text()).rejects.toBe(why);
  });

  test('the per-hop timeout still covers the body: a stalled body fails with DeadlineExceeded', async () => {
    const res = await fetchWithContext(background(), `${server.url}/stall-body`, { timeoutMs: 300 });
    await expect(res.text()).rejects.toBe(DeadlineExceeded);
  });

  test('cancelling the context while the body is read fails the body with cause(ctx)', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const res = await fetchWithContext(ctx, `${server.url}/stall-body`);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('partial');
    const why = new Error('client disconnected');
    setTimeout(() => cancel(why), 50);
    await expect(reader.read()).rejects.toBe(why);
  });

  test('cancelling the body releases the call at once', async () => {
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    const before = server.seen.length;
    const res = await fetchWithContext(ctx, `${server.url}/stall-body`, { fetch: rec.fetch });
    await res.body!.cancel('not interested');
    expect(await stillTied(cancel, rec.signals[0])).toBe(false);
    await server.seen[before].closed;
  });

  test('a response without a body releases the call at once', async () => {
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    const res = await fetchWithContext(ctx, `${server.url}/no-content`, { fetch: rec.fetch });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const head = await fetchWithContext(ctx, `${server.url}/echo`, { method: 'HEAD', fetch: rec.fetch });
    expect(head.status).toBe(200);
    cancel();
    await sleep(0);
    expect(rec.signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  test('the response keeps status, statusText, ok, headers, url, redirected; and so does its clone', async () => {
    const res = await fetchWithContext(background(), `${server.url}/teapot`);
    for (const r of [res, res.clone()]) {
      expect(r.status).toBe(418);
      expect(r.statusText).toBe('I am a teapot');
      expect(r.ok).toBe(false);
      expect(r.headers.get('x-kind')).toBe('tea');
      expect(r.url).toBe(`${server.url}/teapot`);
      expect(r.redirected).toBe(false);
      expect(r.type).toBe('basic');
      expect(r).toBeInstanceOf(Response);
    }
    const redirected = await fetchWithContext(background(), `${server.url}/redirect`);
    expect(redirected.redirected).toBe(true);
    expect(redirected.url).toBe(`${server.url}/echo`);
    expect(redirected.ok).toBe(true);
    await redirected.arrayBuffer();
    expect(await res.text()).toBe('short and stout');
  });

  test('a status the Response constructor refuses (999) still comes through', async () => {
    const res = await fetchWithContext(background(), `${server.url}/odd-status`);
    expect(res.status).toBe(999);
    expect(res.ok).toBe(false);
    expect(await res.text()).toBe('odd');
  });
});

describe('fetchWithContext: values across hops', () => {
  const requestId = createKey<string>('requestId');
  const secret = createKey<string>('secret');
  const values = valuesHeader([carry('request-id', requestId)]);

  test('sends the listed values, and only those; the next hop reads them back', async () => {
    const ctx = withValue(withValue(background(), requestId, 'r-42 ✓'), secret, 'hunter2');
    const headers = await echo(ctx, { values });
    expect(headers['ctxkit-values']).toBe('request-id=r-42%20%E2%9C%93');
    expect(JSON.stringify(headers)).not.toContain('hunter2');
    const next = values.extract(background(), headers);
    expect(next.value(requestId)).toBe('r-42 ✓');
    expect(next.value(secret)).toBeUndefined();
  });

  test('nothing is sent by default', async () => {
    const ctx = withValue(background(), requestId, 'r-1');
    const headers = await echo(ctx);
    expect(headers['ctxkit-values']).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('r-1');
  });
});

describe('createContextFetch and options', () => {
  test('defaults apply to every call, and a call overrides them', async () => {
    const rec = recordingFetch();
    const call = createContextFetch({ marginMs: 4000, deadlineCodecs: [grpcTimeoutCodec], fetch: rec.fetch });
    const [ctx, cancel] = withTimeout(background(), 5000);
    const res = await call(ctx, `${server.url}/echo`);
    const headers = (await res.json()) as Record<string, string>;
    expect(grpcTimeoutCodec.decode(headers['grpc-timeout'])).toBeLessThanOrEqual(1000);
    expect(rec.calls).toBe(1);
    const overridden = await call(ctx, `${server.url}/echo`, { marginMs: undefined, deadlineCodecs: [connectTimeoutCodec] });
    const h2 = (await overridden.json()) as Record<string, string>;
    expect(h2['grpc-timeout']).toBeUndefined();
    expect(Number(h2['connect-timeout-ms'])).toBeLessThanOrEqual(1000); // the undefined margin kept the default
    expect(rec.calls).toBe(2);
    cancel();
  });

  test('fetch is read from globalThis at call time by default', async () => {
    const original = globalThis.fetch;
    let called = 0;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      called++;
      return original(input, init);
    }) as typeof fetch;
    try {
      await (await fetchWithContext(background(), `${server.url}/echo`)).text();
    } finally {
      globalThis.fetch = original;
    }
    expect(called).toBe(1);
  });

  test('a fetch that answers with a used body gets it back as it is, released; a non-Response rejects, released', async () => {
    const signals: AbortSignal[] = [];
    const used: FetchLike = async (_input, init) => {
      signals.push(init!.signal!);
      const res = new Response('consumed');
      await res.text();
      return res;
    };
    const [ctx, cancel] = withCancel(background());
    const res = await fetchWithContext(ctx, 'http://unused.invalid/', { fetch: used });
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toMatchObject({ name: 'TypeError' }); // TypeErrors from Node's realm: compare by name.
    const notAResponse = (async (_input: unknown, init?: RequestInit) => {
      signals.push(init!.signal!);
      return undefined;
    }) as unknown as FetchLike;
    await expect(fetchWithContext(ctx, 'http://unused.invalid/', { fetch: notAResponse })).rejects.toMatchObject({ name: 'TypeError' });
    cancel();
    await sleep(0);
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  test('fetch is given a signal of its own, not the caller context signal', async () => {
    const rec = recordingFetch();
    const [ctx, cancel] = withCancel(background());
    await (await fetchWithContext(ctx, `${server.url}/echo`, { fetch: rec.fetch })).text();
    expect(rec.signals[0]).not.toBe(ctx.signal);
    cancel();
  });

  test.each([
    [{ timeoutMs: -1 }],
    [{ timeoutMs: NaN }],
    [{ marginMs: -5 }],
    [{ marginMs: Infinity }],
    [{ deadlineCodecs: ctxkitTimeoutCodec }],
    [{ fetch: 'no' }],
    [{ deadlineCodecs: [{ header: 'x-t' }] }],
    [{ values: 'request-id' }],
  ])('%p rejects with a TypeError and sends nothing', async (init) => {
    const before = server.seen.length;
    await expect(fetchWithContext(background(), `${server.url}/echo`, init as ContextFetchInit)).rejects.toThrow(TypeError);
    expect(server.seen.length).toBe(before);
  });

  test('a context that is not a Context rejects with a TypeError', async () => {
    await expect(fetchWithContext(null as unknown as Context, `${server.url}/echo`)).rejects.toThrow('ctxkit.fetchWithContext: ctx must be a Context, got null');
  });
});
