/**
 * Parents not made by ctxkit: any object implementing Context.
 */
import { getEventListeners } from 'node:events';
import {
  afterFunc,
  background,
  Canceled,
  cause,
  createKey,
  DeadlineExceeded,
  isContext,
  withCancel,
  withTimeout,
  withValue,
} from '../../src/index.js';
import { ForeignContext } from '../helpers/foreign-context.js';
import { flushMicrotasks, HOUR } from '../helpers/kinds.js';

test('cancellation propagates synchronously when the foreign signal aborts', () => {
  const foreign = new ForeignContext();
  const [child] = withCancel(foreign);
  const [grandchild] = withTimeout(child, HOUR);
  const signal = grandchild.signal;
  const reason = new Error('foreign reason');
  foreign.cancel(Canceled, reason);
  expect(child.err()).toBe(Canceled);
  expect(grandchild.err()).toBe(Canceled);
  expect(cause(grandchild)).toBe(reason);
  expect(signal.reason).toBe(reason);
});

test('one listener on the foreign signal however many children it has', () => {
  const foreign = new ForeignContext();
  const children = Array.from({ length: 1000 }, () => withCancel(foreign));
  for (const [c] of children) c.signal;
  expect(getEventListeners(foreign.signal, 'abort')).toHaveLength(2); // ForeignContext's own + ctxkit's
  for (const [, cancel] of children) cancel();
  // Nothing below the foreign context is live any more: ctxkit stops listening.
  expect(getEventListeners(foreign.signal, 'abort')).toHaveLength(1);
  const [again] = withCancel(foreign);
  void again.signal;
  expect(getEventListeners(foreign.signal, 'abort')).toHaveLength(2);
  foreign.cancel(Canceled);
  expect(getEventListeners(foreign.signal, 'abort')).toHaveLength(0);
});

test('a foreign context done before its signal aborts is seen by err() below it (polled)', () => {
  const foreign = new ForeignContext();
  const [unobserved] = withCancel(foreign);
  const [observed] = withCancel(withValue(foreign, 'k', 1));
  const signal = observed.signal;
  foreign.setErrWithoutSignal(DeadlineExceeded);
  expect(unobserved.err()).toBe(DeadlineExceeded);
  expect(observed.err()).toBe(DeadlineExceeded);
  expect(signal.aborted).toBe(true);
  expect(cause(observed)).toBe(DeadlineExceeded);
});

test('a listener stopping the foreign abort event cannot hide the cancellation from err()', () => {
  const foreign = new ForeignContext();
  foreign.signal.addEventListener('abort', (e) => e.stopImmediatePropagation());
  const [child] = withCancel(foreign);
  child.signal;
  foreign.cancel(Canceled, 'reason');
  expect(child.err()).toBe(Canceled);
  expect(cause(child)).toBe('reason');
});

test('errors map: DeadlineExceeded from err() or a TimeoutError reason; anything else is Canceled', () => {
  const viaErr = new ForeignContext();
  const viaReason = new ForeignContext();
  const other = new ForeignContext();
  const [a] = withCancel(viaErr);
  const [b] = withCancel(viaReason);
  const [c] = withCancel(other);
  viaErr.cancel(DeadlineExceeded);
  const timeout = new DOMException('timed out', 'TimeoutError');
  viaReason.cancel(new Error('custom'), timeout);
  other.cancel(new Error('custom'));
  expect(a.err()).toBe(DeadlineExceeded);
  expect(b.err()).toBe(DeadlineExceeded);
  expect(cause(b)).toBe(timeout);
  expect(c.err()).toBe(Canceled);
});

test('a foreign parent already done gives children that are done at once', () => {
  const foreign = new ForeignContext();
  foreign.cancel(Canceled, 'early');
  const [child] = withCancel(foreign);
  expect(child.err()).toBe(Canceled);
  expect(cause(child)).toBe('early');
});

test('values and deadline come from the foreign parent', () => {
  const at = new Date(Date.now() + 60_000);
  const foreign = new ForeignContext({ deadline: at });
  const k = createKey<string>('k');
  foreign.values.set(k, 'from foreign');
  const [child] = withTimeout(foreign, HOUR);
  expect(child.value(k)).toBe('from foreign');
  expect(child.deadline()).toEqual(at);
  expect(String(child)).toBe('Foreign.WithCancel');
});

test('afterFunc and cause() work on a foreign context directly', async () => {
  const foreign = new ForeignContext();
  let ran = false;
  afterFunc(foreign, () => (ran = true));
  expect(cause(foreign)).toBeUndefined();
  foreign.cancel(Canceled, 'why');
  expect(cause(foreign)).toBe('why');
  await flushMicrotasks();
  expect(ran).toBe(true);
});

test('cause() of a foreign context whose signal has no reason falls back to its err()', () => {
  const foreign = new ForeignContext();
  foreign.setErrWithoutSignal(Canceled);
  expect(cause(foreign)).toBe(Canceled);
  expect(background().err()).toBeUndefined();
});

test('a foreign context whose err() aborts its own signal: children report its cause, each observer runs once', async () => {
  class SelfAborting extends ForeignContext {
    flagged = false;
    override err(): Error | undefined {
      if (this.flagged && !this.controller.signal.aborted) this.cancel(Canceled, 'flag');
      return super.err();
    }
  }
  const foreign = new SelfAborting();
  const [child] = withCancel(foreign);
  let resolved = 0;
  let aborted = 0;
  child.done().then(() => resolved++);
  child.signal.addEventListener('abort', () => aborted++);
  let ran = 0;
  afterFunc(child, () => ran++);
  foreign.flagged = true;
  expect(child.err()).toBe(Canceled);
  expect(cause(child)).toBe('flag');
  await flushMicrotasks();
  expect([resolved, aborted, ran]).toEqual([1, 1, 1]);
});

test('isContext accepts ctxkit contexts and foreign implementations, nothing else', () => {
  expect(isContext(background())).toBe(true);
  expect(isContext(withValue(withTimeout(background(), HOUR)[0], 'k', 1))).toBe(true);
  expect(isContext(new ForeignContext())).toBe(true);
  const { deadline: _dropped, ...withoutDeadline } = { done: () => {}, err: () => {}, deadline: () => {}, value: () => {}, signal: null };
  for (const x of [undefined, null, 42, 'ctx', {}, withoutDeadline, new AbortController().signal]) expect(isContext(x)).toBe(false);
});
