/**
 * ctxkit/undici against a real HTTP server process (http-server.cjs, on
 * ctxkit/node): the budget and values cross, a context's end aborts the
 * request (the server sees its client go) and the caller gets cause(ctx),
 * with an explicit context and with the implicit one.
 */
import { join } from 'node:path';
import { Agent, fetch, request } from 'undici';
import { background, createKey, DeadlineExceeded, withCancelCause, withTimeout, withValue } from '../../src/index';
import { implicit } from '../../src/node/index';
import { carry, valuesHeader } from '../../src/propagation/index';
import { pendingDeadlines } from '../../src/testing/index';
import { contextInterceptor, requestError } from '../../src/undici/index';
import { startServerProcess, type EchoServer } from '../grpc/server-process';

jest.setTimeout(60_000);

const tenantKey = createKey<string>('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);

let server: EchoServer;
let agent: Agent;
let base: string;

beforeAll(async () => {
  server = await startServerProcess(join(__dirname, 'http-server.cjs'), { maxTimeoutMs: 60_000 });
  agent = new Agent();
  base = `http://${server.address}`;
});

afterAll(async () => {
  await agent?.close();
  server?.kill();
});

let seq = 0;
const nextId = (): string => `u-${++seq}`;
const reason = new Error('caller gave up');

test('the implicit context: budget less the margin and values reach the server, with no ctx passed', async () => {
  const dispatcher = agent.compose(contextInterceptor({ marginMs: 100, values }));
  const [ctx, cancel] = withTimeout(withValue(background(), tenantKey, 'acme'), 10_000);
  try {
    const body: any = await implicit.run(ctx, async () => (await request(`${base}/echo?id=${nextId()}`, { dispatcher })).body.json());
    expect(body.remainingMs).toBeGreaterThan(2_000);
    expect(body.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    expect(body.tenant).toBe('acme');
    // Outside any implicit context the request is left as it is: the server's own budget (60 s) applies.
    const plain: any = await (await request(`${base}/echo?id=${nextId()}`, { dispatcher })).body.json();
    expect(plain.remainingMs).toBeGreaterThan(10_000);
    expect(plain.tenant).toBe('');
  } finally {
    cancel();
  }
});

test('a header the caller set under the same name is replaced', async () => {
  const [ctx, cancel] = withTimeout(background(), 3_000);
  try {
    const dispatcher = agent.compose(contextInterceptor({ context: ctx }));
    const body: any = await (await request(`${base}/echo?id=${nextId()}`, { dispatcher, headers: { 'CTXKIT-TIMEOUT-MS': '50000' } })).body.json();
    expect(body.remainingMs).toBeLessThanOrEqual(3_000);
  } finally {
    cancel();
  }
});

test('the context ends: request() rejects with exactly cause(ctx), the server sees its client go', async () => {
  const id = nextId();
  const [ctx, cancel] = withCancelCause(background());
  const dispatcher = agent.compose(contextInterceptor({ context: ctx }));
  const pending = request(`${base}/hang?id=${id}`, { dispatcher });
  await server.waitFor('start', id);
  cancel(reason);
  await expect(pending).rejects.toBe(reason);
  expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
});

test('undici.fetch wraps the cause; requestError gives it back', async () => {
  const id = nextId();
  const [ctx, cancel] = withCancelCause(background());
  const dispatcher = agent.compose(contextInterceptor({ context: ctx }));
  const pending = fetch(`${base}/hang?id=${id}`, { dispatcher });
  await server.waitFor('start', id);
  cancel(reason);
  const error: any = await pending.catch((e) => e);
  expect(error).toBeInstanceOf(TypeError);
  expect(error.cause).toBe(reason);
  expect(requestError(ctx, error)).toBe(reason);
  expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
});

test('a context already done, or no budget after the margin: nothing is sent', async () => {
  const [done, cancel] = withCancelCause(background());
  cancel(reason);
  const id = nextId();
  await expect(request(`${base}/echo?id=${id}`, { dispatcher: agent.compose(contextInterceptor({ context: done })) })).rejects.toBe(reason);
  const [short, stop] = withTimeout(background(), 5_000);
  const id2 = nextId();
  await expect(request(`${base}/echo?id=${id2}`, { dispatcher: agent.compose(contextInterceptor({ context: short, marginMs: 10_000 })) })).rejects.toBe(DeadlineExceeded);
  stop();
  await request(`${base}/echo?id=${nextId()}`, { dispatcher: agent }).then((r) => r.body.dump());
  expect(server.events.some((e) => e.id === id || e.id === id2)).toBe(false);
});

test('the per-request timeout: DeadlineExceeded, and every request releases its timer', async () => {
  const id = nextId();
  const [ctx, cancel] = withCancelCause(background());
  // No budget sent, so that the client's timeout, not the server's, ends the request.
  const dispatcher = agent.compose(contextInterceptor({ context: ctx, timeoutMs: 300, deadlineCodecs: [] }));
  try {
    await expect(request(`${base}/hang?id=${id}`, { dispatcher })).rejects.toBe(DeadlineExceeded);
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
    const before = pendingDeadlines();
    for (let i = 0; i < 500; i += 50) {
      await Promise.all(Array.from({ length: 50 }, async () => (await request(`${base}/echo?id=t`, { dispatcher: agent.compose(contextInterceptor({ context: ctx, timeoutMs: 60_000 })) })).body.dump()));
    }
    expect(pendingDeadlines()).toBe(before);
  } finally {
    cancel();
  }
});

test('what a request registers stays while its body is arriving, read or not, as in Go; destroying the body releases it', async () => {
  const [ctx, cancel] = withCancelCause(background());
  // timeoutMs makes each request's registration visible: a pending deadline, until the request is released.
  const dispatcher = agent.compose(contextInterceptor({ context: ctx, timeoutMs: 60_000 }));
  const before = pendingDeadlines();
  const registered = async (): Promise<number> => {
    for (let i = 0; i < 100 && pendingDeadlines() !== before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    return pendingDeadlines() - before;
  };
  try {
    // A whole body received is released whether it is read, dumped or never read.
    await (await request(`${base}/echo?id=${nextId()}`, { dispatcher })).body.text();
    await (await request(`${base}/echo?id=${nextId()}`, { dispatcher })).body.dump();
    await request(`${base}/echo?id=${nextId()}`, { dispatcher });
    expect(await registered()).toBe(0);
    // A body still arriving: the request is in flight, the context can still stop it.
    const id = nextId();
    const streaming = await request(`${base}/stream?id=${id}`, { dispatcher });
    await server.waitFor('start', id);
    expect(pendingDeadlines() - before).toBe(1);
    streaming.body.destroy();
    expect(await registered()).toBe(0);
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
    // Left unread, it stays until the context ends, which stops it on the server.
    const id2 = nextId();
    await request(`${base}/stream?id=${id2}`, { dispatcher });
    await server.waitFor('start', id2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pendingDeadlines() - before).toBe(1);
    cancel(reason);
    expect(await registered()).toBe(0);
    expect((await server.waitFor('end', id2)).cause).toBe('ClientDisconnectedError');
  } finally {
    cancel(reason);
  }
});
