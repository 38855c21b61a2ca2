/**
 * ctxkit/connect against a real connect-node server in another process
 * (server.cjs, HTTP/2): the deadline crosses and shrinks, a context's end
 * aborts the call and ends the handler's context with ClientDisconnected, the
 * caller gets cause(ctx) back, values cross, and the status answered.
 */
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { background, createKey, DeadlineExceeded, withCancelCause, withTimeout, withValue, type Context } from '../../src/index';
import { implicit } from '../../src/node/index';
import { carry, grpcTimeoutCodec, valuesHeader } from '../../src/propagation/index';
import { callError, callOptions, contextInterceptor } from '../../src/connect/index';
import { startServerProcess, type EchoServer } from '../grpc/server-process';

jest.setTimeout(60_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Echo } = require('./echo-service.cjs');
const tenantKey = createKey<string>('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const reason = new Error('caller gave up');

let server: EchoServer;
let client: any;
let grpcClient: any;
beforeAll(async () => {
  server = await startServerProcess(join(__dirname, 'server.cjs'), { maxTimeoutMs: 60_000 });
  const baseUrl = `http://${server.address}`;
  client = createClient(Echo, createConnectTransport({ baseUrl, httpVersion: '2', interceptors: [contextInterceptor({ marginMs: 100, values, current: implicit.current })] }));
  grpcClient = createClient(Echo, createGrpcTransport({ baseUrl, interceptors: [contextInterceptor({ marginMs: 100, deadlineCodecs: [grpcTimeoutCodec], current: implicit.current })] }));
});
afterAll(() => server?.kill());

let seq = 0;
const nextId = (): string => `c-${++seq}`;

test('callOptions: the budget less the margin reaches the handler; values cross', async () => {
  const [ctx, cancel] = withTimeout(withValue(background(), tenantKey, 'acme'), 10_000);
  try {
    const res = await client.unary({ id: nextId(), mode: 'echo' }, callOptions(ctx, {}, { marginMs: 100 }));
    expect(res.remainingMs).toBeGreaterThan(2_000);
    expect(res.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    expect(res.tenant).toBe('acme');
  } finally {
    cancel();
  }
});

test('the implicit context, over the Connect and the gRPC protocol', async () => {
  const [ctx, cancel] = withTimeout(background(), 10_000);
  try {
    for (const c of [client, grpcClient]) {
      const res = await implicit.run(ctx, () => c.unary({ id: nextId(), mode: 'echo' }));
      expect(res.remainingMs).toBeGreaterThan(2_000);
      expect(res.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    }
  } finally {
    cancel();
  }
});

/** A request stream that sends one message, then stays open until ctx ends. */
async function* oneThenWait(id: string, ctx: Context): AsyncGenerator<{ id: string; mode: string }> {
  yield { id, mode: 'hang' };
  await ctx.done();
}

/** A "hang" call of any kind under ctx, a stream read to its end; settles as the call does. */
function hangingCall(method: string, id: string, ctx: Context): Promise<unknown> {
  const options = callOptions(ctx);
  if (method === 'unary') return client.unary({ id, mode: 'hang' }, options);
  if (method === 'clientStream') return client.clientStream(oneThenWait(id, ctx), options);
  const stream = method === 'serverStream' ? client.serverStream({ id, mode: 'hang' }, options) : client.bidi(oneThenWait(id, ctx), options);
  return (async () => {
    for await (const _ of stream);
  })();
}

test.each(['unary', 'serverStream', 'clientStream', 'bidi'])(
  '%s: the context ends mid-call, the handler context ends with ClientDisconnected, the caller gets cause(ctx)',
  async (method) => {
    const id = nextId();
    const [ctx, cancel] = withCancelCause(background());
    const outcome = hangingCall(method, id, ctx).then(
      () => 'resolved',
      (e: unknown) => ({ raw: e, reported: callError(ctx, e) }),
    );
    await server.waitFor('start', id);
    cancel(reason);
    const { raw, reported } = (await outcome) as { raw: unknown; reported: unknown };
    expect(reported).toBe(reason);
    // Connect's own rejection carries the cause too.
    expect(raw).toBeInstanceOf(ConnectError);
    expect((raw as ConnectError).cause).toBe(reason);
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  },
);

test.each(['clientStream', 'bidi'])('%s: a deadline mid-stream ends both sides with DeadlineExceeded', async (method) => {
  const id = nextId();
  const [ctx, cancel] = withTimeout(background(), 500);
  try {
    const error = await hangingCall(method, id, ctx).catch((e: unknown) => e);
    expect(callError(ctx, error)).toBe(DeadlineExceeded);
    expect((await server.waitFor('end', id)).err).toBe('DeadlineExceededError');
  } finally {
    cancel();
  }
});

test('a deadline that passes: DeadlineExceeded on both sides', async () => {
  const id = nextId();
  const [ctx, cancel] = withTimeout(background(), 400);
  try {
    const error = await client.unary({ id, mode: 'hang' }, callOptions(ctx)).catch((e: unknown) => e);
    expect(callError(ctx, error)).toBe(DeadlineExceeded);
    expect((await server.waitFor('end', id)).err).toBe('DeadlineExceededError');
  } finally {
    cancel();
  }
});

test('a context already done: callOptions throws its cause, the interceptor fails the call, nothing is sent', async () => {
  const [ctx, cancel] = withCancelCause(background());
  cancel(reason);
  expect(() => callOptions(ctx)).toThrow(reason);
  const id = nextId();
  const error = await implicit.run(ctx, () => client.unary({ id, mode: 'echo' })).catch((e: unknown) => e);
  expect(callError(ctx, error)).toBe(reason);
  await client.unary({ id: nextId(), mode: 'echo' });
  expect(server.events.some((e) => e.id === id)).toBe(false);
});

test('the status a context end is answered with, seen by a bare client', async () => {
  const bare: any = createClient(Echo, createConnectTransport({ baseUrl: `http://${server.address}`, httpVersion: '2' }));
  const id = nextId();
  const error = await bare.unary({ id, mode: 'hang' }, { timeoutMs: 300 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
});

test('2,000 calls under one context leave no listener on its signal', async () => {
  const [ctx, cancel] = withTimeout(background(), 10 * 60_000);
  try {
    for (let i = 0; i < 2_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => client.unary({ id: 'leak', mode: 'echo' }, callOptions(ctx))));
    }
    expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0);
  } finally {
    cancel();
  }
});
