/**
 * The contract every context kind shares (API.md "The interface" and the rules
 * under "Constructors"), run against each kind in turn.
 */
import {
  afterFunc,
  background,
  Canceled,
  cause,
  type Context,
  createKey,
  todo,
  withCancel,
  withCancelCause,
  withoutCancel,
  withTimeout,
  withValue,
} from '../../src/index.js';
import { cancellableKinds, flushMicrotasks, HOUR, settlesWithin } from '../helpers/kinds.js';

describe.each(Object.entries(cancellableKinds))('%s', (_name, make) => {
  test('is live until cancelled: err, cause, done, signal, throwIfDone', async () => {
    const { ctx } = make(background());
    expect(ctx.err()).toBeUndefined();
    expect(cause(ctx)).toBeUndefined();
    expect(() => ctx.throwIfDone()).not.toThrow();
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.signal.aborted).toBe(false);
    expect(await settlesWithin(ctx.done(), 20)).toBe('pending');
  });

  test('done() and signal are the same objects on every call, before and after cancel', () => {
    const { ctx, cancel } = make(background());
    const done = ctx.done();
    const signal = ctx.signal;
    expect(ctx.done()).toBe(done);
    expect(ctx.signal).toBe(signal);
    cancel();
    expect(ctx.done()).toBe(done);
    expect(ctx.signal).toBe(signal);
  });

  test('cancel sets err to Canceled forever; done resolves; signal aborts with reason === cause', async () => {
    const { ctx, cancel } = make(background());
    const signal = ctx.signal;
    cancel();
    expect(ctx.err()).toBe(Canceled);
    expect(cause(ctx)).toBe(Canceled);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(cause(ctx));
    await expect(ctx.done()).resolves.toBeUndefined();
    expect(() => ctx.throwIfDone()).toThrow(Canceled);
    cancel();
    expect(ctx.err()).toBe(Canceled);
  });

  test('a done context asked for its signal and done() only afterwards still reports them', async () => {
    const { ctx, cancel } = make(background());
    cancel();
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(Canceled);
    expect(await settlesWithin(ctx.done(), 1000)).toBe('done');
  });

  test('cancelling the parent cancels it synchronously, with the parent error and cause', () => {
    const [parent, cancelParent] = withCancelCause(background());
    const { ctx } = make(parent);
    const signal = ctx.signal;
    const why = new Error('shutting down');
    cancelParent(why);
    expect(ctx.err()).toBe(Canceled);
    expect(cause(ctx)).toBe(why);
    expect(signal.reason).toBe(why);
  });

  test('cancelling it never affects its parent or siblings', () => {
    const [parent, cancelParent] = withCancel(background());
    const a = make(parent);
    const b = make(parent);
    a.ctx.signal;
    b.ctx.done();
    a.cancel();
    expect(a.ctx.err()).toBe(Canceled);
    expect(parent.err()).toBeUndefined();
    expect(b.ctx.err()).toBeUndefined();
    expect(b.ctx.signal.aborted).toBe(false);
    cancelParent();
    expect(b.ctx.err()).toBe(Canceled);
  });

  test('a child of a done parent is done at once with the parent error and cause', () => {
    const [parent, cancelParent] = withCancelCause(background());
    cancelParent('gone');
    const { ctx } = make(parent);
    expect(ctx.err()).toBe(Canceled);
    expect(cause(ctx)).toBe('gone');
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe('gone');
  });

  test('values come from the parent', () => {
    const key = createKey<string>('user');
    const { ctx } = make(withValue(background(), key, 'ada'));
    expect(ctx.value(key)).toBe('ada');
    expect(ctx.value(createKey<string>('user'))).toBeUndefined();
  });

  test("keeps the parent's earlier deadline", () => {
    const [parent] = withTimeout(background(), 1000);
    const { ctx } = make(parent);
    expect(ctx.deadline()?.getTime()).toBe(parent.deadline()!.getTime());
  });

  test('afterFunc runs once, in a microtask after cancel', async () => {
    const { ctx, cancel } = make(background());
    const calls: string[] = [];
    afterFunc(ctx, () => calls.push('after'));
    cancel();
    calls.push('cancel returned');
    await flushMicrotasks();
    expect(calls).toEqual(['cancel returned', 'after']);
  });

  test('the pair and the cancel function are Disposable: `using` cancels', () => {
    const viaPair = make(background());
    const viaCancel = make(background());
    {
      using pair = viaPair.pair;
      using cancel = viaCancel.cancel;
      void pair;
      void cancel;
      expect(viaPair.ctx.err()).toBeUndefined();
      expect(viaCancel.ctx.err()).toBeUndefined();
    }
    expect(viaPair.ctx.err()).toBe(Canceled);
    expect(viaCancel.ctx.err()).toBe(Canceled);
  });

  test('toString names the path from the root', () => {
    const { ctx } = make(background());
    expect(String(ctx)).toMatch(/^(context\.Background|Foreign)\./);
  });
});

describe('withCancel pairs from `using`', () => {
  test('disposing the returned pair cancels the context', () => {
    let ctx: Context;
    {
      using scope = withCancel(background());
      ctx = scope[0];
      expect(ctx.err()).toBeUndefined();
    }
    expect(ctx.err()).toBe(Canceled);
  });
});

const neverCancelled: Record<string, () => Context> = {
  background,
  todo,
  'withValue(background)': () => withValue(background(), 'k', 1),
  'withoutCancel(withCancel)': () => {
    const [c, cancel] = withCancel(background());
    const w = withoutCancel(c);
    cancel();
    return w;
  },
};

describe.each(Object.entries(neverCancelled))('%s (never cancelled)', (_name, make) => {
  test('is never done and has no deadline', async () => {
    const ctx = make();
    expect(ctx.err()).toBeUndefined();
    expect(cause(ctx)).toBeUndefined();
    expect(ctx.deadline()).toBeUndefined();
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.signal).toBe(ctx.signal);
    expect(ctx.done()).toBe(ctx.done());
    expect(await settlesWithin(ctx.done(), 20)).toBe('pending');
    expect(() => ctx.throwIfDone()).not.toThrow();
  });

  test('afterFunc never runs; stop() succeeds once', async () => {
    const ctx = make();
    let ran = false;
    const stop = afterFunc(ctx, () => (ran = true));
    await flushMicrotasks();
    expect(ran).toBe(false);
    expect(stop()).toBe(true);
    expect(stop()).toBe(false);
  });

  test('children are live and cancellable', () => {
    const [child, cancel] = withTimeout(make(), HOUR);
    expect(child.err()).toBeUndefined();
    cancel();
    expect(child.err()).toBe(Canceled);
  });
});

test('background() and todo() are shared singletons with Go names', () => {
  expect(background()).toBe(background());
  expect(todo()).toBe(todo());
  expect(background()).not.toBe(todo());
  expect(String(background())).toBe('context.Background');
  expect(String(todo())).toBe('context.TODO');
});
