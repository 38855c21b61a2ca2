/**
 * The API on one thread (a SharedArrayBuffer works within a thread too): the
 * Context contract of RemoteContext, release, values, and bad arguments.
 */
import { inspect } from 'node:util';
import {
  Canceled,
  afterFunc,
  background,
  cause,
  createKey,
  withCancel,
  withCancelCause,
  withTimeout,
  withValue,
} from '../../src/index.js';
import { RemoteContext, receiveContext, shareContext } from '../../src/worker/index.js';

/** Lets the sender's afterFunc (a promise job) run. */
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

test('a RemoteContext follows the sender: err, cause, signal, done and afterFunc', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const remote = receiveContext(shareContext(ctx).descriptor);
  expect(remote).toBeInstanceOf(RemoteContext);
  const done = remote.done();
  const signal = remote.signal;
  expect(remote.done()).toBe(done);
  expect(remote.signal).toBe(signal);
  expect(remote.err()).toBeUndefined();
  expect(cause(remote)).toBeUndefined();
  expect(() => remote.throwIfDone()).not.toThrow();
  const ran: string[] = [];
  afterFunc(remote, () => ran.push('afterFunc'));
  const why = new Error('why');
  cancel(why);
  await done;
  expect(remote.err()).toBe(Canceled);
  const got = cause(remote) as Error;
  expect(got).toBeInstanceOf(Error);
  expect(got).not.toBe(why); // a copy, as a worker would see it
  expect(got.message).toBe('why');
  expect(signal.aborted).toBe(true);
  expect(signal.reason).toBe(got);
  expect(() => remote.throwIfDone()).toThrow(got);
  await flush();
  expect(ran).toEqual(['afterFunc']);
});

test('the first err() that sees the outcome settles everything at once, so children get the cause', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const remote = receiveContext(shareContext(ctx).descriptor);
  const [child] = withCancel(remote);
  const signal = remote.signal;
  cancel(new Error('x'));
  // A few promise jobs: the sender's afterFunc has written the outcome, but
  // this thread's Atomics.waitAsync wake-up (a task) has not run.
  for (let i = 0; i < 5; i++) await Promise.resolve();
  expect(signal.aborted).toBe(false);
  expect(child.err()).toBe(Canceled);
  expect(signal.aborted).toBe(true);
  expect((cause(child) as Error).message).toBe('x');
  expect(signal.reason).toBe(cause(remote));
});

test('deadline() is a fresh Date equal to the sender’s; toString and inspect say what it is', async () => {
  const [ctx, cancel] = withTimeout(background(), 60_000);
  const remote = receiveContext(shareContext(ctx).descriptor);
  expect(remote.deadline()).toEqual(ctx.deadline());
  expect(remote.deadline()).not.toBe(remote.deadline());
  expect(String(remote)).toBe(`Remote(deadline ${ctx.deadline()!.toISOString()})`);
  cancel();
  await flush();
  expect(inspect(remote)).toMatch(/^Context<Remote\(deadline .*\)> \(context canceled\)$/);
  expect(receiveContext(shareContext(background()).descriptor).deadline()).toBeUndefined();
});

test('values cross only when chosen, by name or under keys of the receiving side', () => {
  const requestId = createKey<string>('requestId');
  const user = createKey<{ id: number }>('user');
  const ctx = withValue(withValue(background(), requestId, 'r-1'), user, { id: 7 });
  const d = shareContext(ctx, { values: { requestId, user, missing: createKey('missing') } }).descriptor;
  expect(d.values).toEqual({ requestId: 'r-1', user: { id: 7 } });
  const theirKey = createKey<string>('requestId');
  const remote = receiveContext(d, { keys: { requestId: theirKey } });
  expect(remote.value(theirKey)).toBe('r-1');
  expect(remote.value('requestId')).toBe('r-1');
  expect(remote.value('user')).toEqual({ id: 7 });
  expect(remote.value(requestId)).toBeUndefined(); // the sender's key object means nothing here
  expect(remote.value('missing')).toBeUndefined();
  expect(remote.value('toString')).toBeUndefined();
});

test('release() cancels the view with Canceled, once; after done it changes nothing', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const remote = receiveContext(share.descriptor);
  share.release();
  share.release();
  expect(remote.err()).toBe(Canceled);
  expect(cause(remote)).toBe(Canceled);
  expect(ctx.err()).toBeUndefined();
  cancel();

  const [ctx2, cancel2] = withCancelCause(background());
  const share2 = shareContext(ctx2);
  const remote2 = receiveContext(share2.descriptor);
  cancel2(new Error('real'));
  share2.release(); // the outcome is on its way (afterFunc queued): release must not replace it
  await flush();
  expect((cause(remote2) as Error).message).toBe('real');
});

test('a context that can never be done is shared live, and release() still ends the view', () => {
  const share = shareContext(background());
  const remote = receiveContext(share.descriptor);
  expect(share.active).toBe(true);
  expect(remote.err()).toBeUndefined();
  share.release();
  expect(remote.err()).toBe(Canceled);
});

test('without Atomics.waitAsync, done() is driven by a polling timer', async () => {
  const atomics = Atomics as { waitAsync?: unknown };
  const original = atomics.waitAsync;
  atomics.waitAsync = undefined;
  try {
    const [ctx, cancel] = withCancel(background());
    const remote = receiveContext(shareContext(ctx).descriptor);
    const done = remote.done();
    cancel();
    await done;
    expect(remote.err()).toBe(Canceled);
  } finally {
    atomics.waitAsync = original;
  }
});

test('bad arguments get a TypeError in the one ctxkit format, before anything is made', () => {
  expect(() => shareContext(null as never)).toThrow(new TypeError('ctxkit.shareContext: ctx must be a Context, got null'));
  expect(() => shareContext(background(), 'x' as never)).toThrow(/^ctxkit\.shareContext: options must be an object, got a string \(1 character\)$/);
  expect(() => shareContext(background(), { transport: 'pigeon' as never })).toThrow(
    new TypeError("ctxkit.shareContext: options.transport must be 'auto', 'shared-memory' or 'message', got a string (6 characters)"),
  );
  expect(() => shareContext(background(), { maxCauseBytes: -1 })).toThrow(
    new TypeError('ctxkit.shareContext: options.maxCauseBytes must be a non-negative integer, got -1'),
  );
  const key = createKey<() => void>('fn');
  expect(() => shareContext(withValue(background(), key, () => {}), { values: { fn: key } })).toThrow(
    new TypeError('ctxkit.shareContext: the value of options.values.fn must be structured-cloneable to cross to a worker, got a function (anonymous)'),
  );
  const secret = createKey<{ token: string; f: () => void }>('secret');
  expect(() => shareContext(withValue(background(), secret, { token: 'hunter2', f: () => {} }), { values: { secret } })).toThrow(
    /got an object \(Object\)$/,
  );
  expect(() => receiveContext({} as never)).toThrow(
    new TypeError('ctxkit.receiveContext: descriptor must be a ContextDescriptor made by shareContext, got an object (Object)'),
  );
  expect(() => receiveContext(undefined as never)).toThrow(/^ctxkit\.receiveContext: descriptor must be .*, got undefined$/);
  const remote = receiveContext(shareContext(background()).descriptor);
  expect(() => remote.wait(-1)).toThrow(new TypeError('ctxkit.RemoteContext.wait: timeoutMs must be a number of milliseconds >= 0, or undefined, got -1'));
  expect(() => remote.wait(NaN)).toThrow(/timeoutMs must be .* got NaN/);
  expect(() => remote.wait('5' as never)).toThrow(/got a string \(1 character\)$/);
});

test('a message-transport descriptor is received once', () => {
  const share = shareContext(background(), { transport: 'message' });
  const remote = receiveContext(share.descriptor);
  expect(() => receiveContext(share.descriptor)).toThrow(
    /^ctxkit\.receiveContext: descriptor must be a descriptor not received before \(message transport: share once per worker\), got an object \(Object\)$/,
  );
  share.release();
  expect(remote.err()).toBeUndefined(); // messages arrive when the loop turns
});
