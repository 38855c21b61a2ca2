/**
 * withLinked (.NET's linked token source) and withSignal.
 */
import { getEventListeners } from 'node:events';
import {
  afterFunc,
  background,
  Canceled,
  cause,
  createKey,
  DeadlineExceeded,
  withCancel,
  withCancelCause,
  withLinked,
  withSignal,
  withTimeout,
  withValue,
} from '../../src/index.js';
import { pendingDeadlines } from '../../src/testing/index.js';
import { HOUR } from '../helpers/kinds.js';

describe('withLinked', () => {
  test('done when any source is done, synchronously, with its error and cause', () => {
    const [a, cancelA] = withCancelCause(background());
    const [b, cancelB] = withCancelCause(background());
    const [linked] = withLinked(a, b);
    const signal = linked.signal;
    cancelB('b went away');
    expect(linked.err()).toBe(Canceled);
    expect(cause(linked)).toBe('b went away');
    expect(signal.reason).toBe('b went away');
    cancelA('too late');
    expect(cause(linked)).toBe('b went away');
    expect(a.err()).toBe(Canceled);
  });

  test('done at once if a source already is: the parent first, then the others in order', () => {
    const [x, cancelX] = withCancelCause(background());
    const [y, cancelY] = withCancelCause(background());
    cancelY('y');
    cancelX('x');
    expect(cause(withLinked(background(), y, x)[0])).toBe('y');
    expect(cause(withLinked(x, y)[0])).toBe('x');
  });

  test('a deadline source gives DeadlineExceeded; deadline() is the earliest of all', () => {
    jest.useFakeTimers();
    try {
      const [slow] = withTimeout(background(), HOUR);
      const [fast] = withTimeout(background(), 100);
      const [linked] = withLinked(slow, fast);
      expect(linked.deadline()).toEqual(fast.deadline());
      jest.advanceTimersByTime(100);
      expect(linked.err()).toBe(DeadlineExceeded);
      expect(slow.err()).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  test('values come from the parent; cancelling it leaves every source alone', () => {
    const k = createKey<string>('k');
    const [a] = withCancel(withValue(background(), k, 'a'));
    const [b] = withCancel(withValue(background(), k, 'b'));
    const [linked, cancel] = withLinked(a, b);
    expect(linked.value(k)).toBe('a');
    cancel();
    expect(linked.err()).toBe(Canceled);
    expect(a.err()).toBeUndefined();
    expect(b.err()).toBeUndefined();
  });

  test('detaches from every source when done: sources keep nothing of it', () => {
    const [longLived] = withTimeout(background(), HOUR);
    const [other] = withCancel(background());
    const before = pendingDeadlines();
    for (let i = 0; i < 1000; i++) {
      const [linked, cancel] = withLinked(longLived, other);
      linked.signal;
      cancel();
    }
    expect(pendingDeadlines()).toBe(before);
    // An internal check of the tree: the long-lived source holds no children.
    expect((longLived as unknown as { _children?: unknown[] })._children).toBeUndefined();
    expect((other as unknown as { _children?: unknown[] })._children).toBeUndefined();
  });

  test('linking a context to itself or twice to one source behaves', async () => {
    const [a, cancelA] = withCancel(background());
    const [linked] = withLinked(a, a, withValue(a, 'k', 1));
    let ran = 0;
    afterFunc(linked, () => ran++);
    cancelA();
    await new Promise((r) => setImmediate(r));
    expect(linked.err()).toBe(Canceled);
    expect(ran).toBe(1);
  });
});

describe('withSignal', () => {
  test('done when the signal aborts, synchronously, with cause = reason', () => {
    const controller = new AbortController();
    const [ctx] = withSignal(background(), controller.signal);
    const why = new Error('user pressed stop');
    controller.abort(why);
    expect(ctx.err()).toBe(Canceled);
    expect(cause(ctx)).toBe(why);
  });

  test('done at once if the signal already aborted; a default abort reason is kept', () => {
    const [ctx] = withSignal(background(), AbortSignal.abort());
    expect(ctx.err()).toBe(Canceled);
    expect((cause(ctx) as DOMException).name).toBe('AbortError');
  });

  test('an undefined or null reason gives Canceled as cause', () => {
    const c1 = new AbortController();
    const [ctx] = withSignal(background(), c1.signal);
    c1.abort(null);
    expect(cause(ctx)).toBe(Canceled);
  });

  test('AbortSignal.timeout and DeadlineExceeded reasons give DeadlineExceeded', async () => {
    const [byTimeout] = withSignal(background(), AbortSignal.timeout(5));
    await byTimeout.done();
    expect(byTimeout.err()).toBe(DeadlineExceeded);
    expect((cause(byTimeout) as DOMException).name).toBe('TimeoutError');
    const [byDeadline] = withSignal(background(), AbortSignal.abort(DeadlineExceeded));
    expect(byDeadline.err()).toBe(DeadlineExceeded);
  });

  test('the parent still cancels it; the signal is then left alone', () => {
    const controller = new AbortController();
    const [parent, cancel] = withCancelCause(background());
    const [ctx] = withSignal(parent, controller.signal);
    cancel('parent');
    expect(cause(ctx)).toBe('parent');
    expect(controller.signal.aborted).toBe(false);
  });

  test('many contexts on one signal share one listener, removed when none is live', () => {
    const controller = new AbortController();
    const made = Array.from({ length: 500 }, () => withSignal(background(), controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const [, cancel] of made) cancel();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const [again] = withSignal(background(), controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort('late');
    expect(cause(again)).toBe('late');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
