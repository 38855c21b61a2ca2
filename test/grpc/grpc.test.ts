/**
 * ctxkit/grpc against a real @grpc/grpc-js server in another process
 * (server.cjs): deadlines that cross, shrink and never wrap, cancellation
 * that reaches the handler's context for every kind of call, the statuses
 * answered, values in metadata, and shutdown. The 5,000-call leak check is
 * test/rpc/leaks.test.ts, with the other libraries'.
 */
import * as grpc from '@grpc/grpc-js';
import { background, createKey, DeadlineExceeded, withCancelCause, withTimeout, withValue, type Context } from '../../src/index';
import { implicit } from '../../src/node/index';
import { carry, valuesHeader } from '../../src/propagation/index';
import { callError, callOptions, contextInterceptor, MAX_SENT_BUDGET_MS, unaryCall } from '../../src/grpc/index';
import { echoClientConstructor, startEchoServer, type EchoServer } from './server-process';

jest.setTimeout(60_000);

const Echo = echoClientConstructor();
const tenantKey = createKey<string>('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const DAY = 24 * 3600 * 1000;

let server: EchoServer;
let limited: EchoServer;
let client: grpc.Client & Record<string, any>;
let bare: grpc.Client & Record<string, any>;

beforeAll(async () => {
  [server, limited] = await Promise.all([startEchoServer(), startEchoServer({ maxTimeoutMs: 2_000 })]);
  const credentials = grpc.credentials.createInsecure();
  client = new Echo(server.address, credentials, { interceptors: [contextInterceptor(grpc, { marginMs: 100, values })] }) as any;
  bare = new Echo(server.address, credentials) as any;
});

afterAll(() => {
  client?.close();
  bare?.close();
  server?.kill();
  limited?.kill();
});

let seq = 0;
const nextId = (): string => `call-${++seq}`;

/** A unary Echo call on `c` under ctx. */
const unary = (ctx: Context, c: Record<string, any>, id: string, mode = 'echo'): Promise<any> =>
  unaryCall(ctx, (options, done) => c.Unary({ id, mode }, options, done));

describe('deadlines', () => {
  test('the remaining budget, less the margin, reaches the handler', async () => {
    const [ctx, cancel] = withTimeout(background(), 10_000);
    try {
      const res = await unary(ctx, client, nextId());
      expect(res.remainingMs).toBeGreaterThan(2_000);
      expect(res.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    } finally {
      cancel();
    }
  });

  test("the server's maxTimeoutMs cuts a longer deadline", async () => {
    const c = new Echo(limited.address, grpc.credentials.createInsecure()) as any;
    try {
      const [ctx, cancel] = withTimeout(background(), 60_000);
      const res = await unaryCall<any>(ctx, (options, done) => c.Unary({ id: nextId(), mode: 'echo' }, options, done));
      cancel();
      expect(res.remainingMs).toBeGreaterThan(0);
      expect(res.remainingMs).toBeLessThanOrEqual(2_000);
      // No deadline at all: the server's own budget still applies.
      const none = await unaryCall<any>(background(), (options, done) => c.Unary({ id: nextId(), mode: 'echo' }, options, done));
      expect(none.remainingMs).toBeLessThanOrEqual(2_000);
    } finally {
      c.close();
    }
  });

  test('a 30-day deadline: grpc-js alone fails at once, ctxkit sends none and the call succeeds', async () => {
    const at = Date.now() + 30 * DAY;
    // The trap: grpc-js's server reads grpc-timeout into 32 bits and wraps.
    const trapped = await new Promise<grpc.ServiceError | null>((resolve) =>
      bare.Unary({ id: nextId(), mode: 'hang' }, { deadline: at }, (e: grpc.ServiceError | null) => resolve(e)),
    );
    expect(trapped?.code).toBe(grpc.status.DEADLINE_EXCEEDED);

    const [ctx, cancel] = withTimeout(background(), 30 * DAY);
    try {
      expect(callOptions(ctx).deadline).toBeUndefined();
      const res = await unary(ctx, client, nextId());
      expect(res.remainingMs).toBe(-1);
      // A call that runs: cancelled by the client when ctx ends, not by a wrapped deadline.
      const id = nextId();
      const [inner, stop] = withCancelCause(ctx);
      const hanging = unary(inner, client, id, 'hang');
      await server.waitFor('start', id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(server.events.some((e) => e.event === 'end' && e.id === id)).toBe(false);
      stop(new Error('done waiting'));
      await expect(hanging).rejects.toThrow('done waiting');
      // Through the bare client (callOptions alone) as well.
      const plain = await unaryCall<any>(ctx, (options, done) => bare.Unary({ id: nextId(), mode: 'echo' }, options, done));
      expect(plain.remainingMs).toBe(-1);
    } finally {
      cancel();
    }
  });

  test('the longest budget that does not wrap is sent and honoured', async () => {
    const [ctx, cancel] = withTimeout(background(), MAX_SENT_BUDGET_MS - 60_000);
    try {
      const res = await unaryCall<any>(ctx, (options, done) => bare.Unary({ id: nextId(), mode: 'echo' }, options, done));
      expect(res.remainingMs).toBeGreaterThan(MAX_SENT_BUDGET_MS - 120_000);
    } finally {
      cancel();
    }
  });

  test('a deadline that passes while the handler runs: both sides report DeadlineExceeded', async () => {
    const id = nextId();
    const [ctx, cancel] = withTimeout(background(), 400);
    try {
      await expect(unary(ctx, client, id, 'hang')).rejects.toBe(DeadlineExceeded);
      const end = await server.waitFor('end', id);
      expect(end.err).toBe('DeadlineExceededError');
    } finally {
      cancel();
    }
  });

  test('no budget left after the margin: DeadlineExceeded, nothing sent', async () => {
    const id = nextId();
    const [ctx, cancel] = withTimeout(background(), 5_000);
    try {
      await expect(unaryCall(ctx, (options, done) => client.Unary({ id }, options, done), { marginMs: 10_000 })).rejects.toBe(DeadlineExceeded);
      // The interceptor's own margin (100 ms) is smaller: its calls still go.
      await unary(ctx, client, nextId());
      expect(server.events.some((e) => e.id === id)).toBe(false);
    } finally {
      cancel();
    }
  });
});

describe('cancellation', () => {
  const reason = new Error('caller gave up');

  test.each(['Unary', 'ClientStream', 'ServerStream', 'Bidi'])('%s: the client cancels, the handler context ends with ClientDisconnected', async (method) => {
    const id = nextId();
    const [ctx, cancel] = withCancelCause(background());
    const options = callOptions(ctx);
    const outcome = new Promise<unknown>((resolve) => {
      const fail = (e: unknown): void => resolve(callError(ctx, e));
      if (method === 'Unary') client.Unary({ id, mode: 'hang' }, options, fail);
      else if (method === 'ClientStream') client.ClientStream(options, fail).write({ id, mode: 'hang' });
      else if (method === 'ServerStream') client.ServerStream({ id, mode: 'hang' }, options).on('error', fail);
      else client.Bidi(options).on('error', fail).write({ id, mode: 'hang' });
    });
    await server.waitFor('start', id);
    cancel(reason);
    expect(await outcome).toBe(reason);
    const end = await server.waitFor('end', id);
    expect(end.cause).toBe('ClientDisconnectedError');
  });

  test('unaryCall: a context already done rejects with its cause and sends nothing', async () => {
    const id = nextId();
    const [ctx, cancel] = withCancelCause(background());
    cancel(reason);
    await expect(unary(ctx, bare, id)).rejects.toBe(reason);
    await unary(background(), bare, nextId());
    expect(server.events.some((e) => e.id === id)).toBe(false);
  });

  test('unaryCall cancels the call even without the interceptor', async () => {
    const id = nextId();
    const [ctx, cancel] = withCancelCause(background());
    const result = unary(ctx, bare, id, 'hang');
    await server.waitFor('start', id);
    cancel(reason);
    await expect(result).rejects.toBe(reason);
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  });

  test('the implicit context bounds calls made without passing ctx', async () => {
    const id = nextId();
    const [ctx, cancel] = withCancelCause(withTimeout(background(), 10_000)[0]);
    const result = implicit.run(ctx, () =>
      new Promise((resolve) => client.Unary({ id, mode: 'hang' }, (e: unknown) => resolve(callError(ctx, e)))),
    );
    const start = await server.waitFor('start', id);
    expect(start.remainingMs).toBeGreaterThan(0);
    expect(start.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    cancel(reason);
    expect(await result).toBe(reason);
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  });
});

describe('statuses and values', () => {
  test('a plain handler error keeps its own status', async () => {
    const error: any = await unary(background(), client, nextId(), 'fail').catch((e) => e);
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  test('a request value crosses in the metadata', async () => {
    const ctx = withValue(background(), tenantKey, 'acme, inc.');
    expect((await unary(ctx, client, nextId())).tenant).toBe('acme, inc.');
    expect((await unary(background(), client, nextId())).tenant).toBe('');
  });

  test('the status each context end is answered with, seen by a bare client', async () => {
    const statusOf = (deadline: number | undefined, id: string, abort?: (call: grpc.ClientUnaryCall) => void): Promise<number> =>
      new Promise((resolve) => {
        const call = bare.Unary({ id, mode: 'hang' }, deadline === undefined ? {} : { deadline }, (e: grpc.ServiceError) => resolve(e.code));
        abort?.(call);
      });
    const id = nextId();
    expect(await statusOf(Date.now() + 300, id)).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect((await server.waitFor('end', id)).err).toBe('DeadlineExceededError');
  });
});
