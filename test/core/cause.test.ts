/**
 * cause(ctx) through every kind of context, after Go's TestCause table.
 */
import {
  background,
  Canceled,
  cause,
  DeadlineExceeded,
  withCancel,
  withCancelCause,
  withDeadlineCause,
  withoutCancel,
  withTimeout,
  withTimeoutCause,
  withValue,
} from '../../src/index.js';

const parentCause = new Error('parentCause');
const childCause = new Error('childCause');
const tooSlow = new Error('tooSlow');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test.each([
  {
    name: 'live context',
    make: () => withCancel(background())[0],
    err: undefined,
    cause: undefined,
  },
  {
    name: 'withCancel, cancelled',
    make: () => {
      const [c, cancel] = withCancel(background());
      cancel();
      return c;
    },
    err: Canceled,
    cause: Canceled,
  },
  {
    name: 'withCancelCause with a cause',
    make: () => {
      const [c, cancel] = withCancelCause(background());
      cancel(parentCause);
      return c;
    },
    err: Canceled,
    cause: parentCause,
  },
  {
    name: 'withCancelCause with undefined and null mean no cause',
    make: () => {
      const [c, cancel] = withCancelCause(background());
      cancel(null);
      return c;
    },
    err: Canceled,
    cause: Canceled,
  },
  {
    name: 'parent cause reaches children through values and cancel contexts',
    make: () => {
      const [p, cancel] = withCancelCause(background());
      const [c] = withCancel(withValue(p, 'k', 1));
      cancel(parentCause);
      return withValue(c, 'k2', 2);
    },
    err: Canceled,
    cause: parentCause,
  },
  {
    name: 'parent cancelled first keeps its cause over a later child cause',
    make: () => {
      const [p, cancelParent] = withCancelCause(background());
      const [c, cancelChild] = withCancelCause(p);
      cancelParent(parentCause);
      cancelChild(childCause);
      return c;
    },
    err: Canceled,
    cause: parentCause,
  },
  {
    name: 'child cancelled first keeps its own cause',
    make: () => {
      const [p, cancelParent] = withCancelCause(background());
      const [c, cancelChild] = withCancelCause(p);
      cancelChild(childCause);
      cancelParent(parentCause);
      return c;
    },
    err: Canceled,
    cause: childCause,
  },
  {
    name: 'deadline without a cause',
    make: () => {
      const [c] = withTimeout(background(), 10);
      jest.advanceTimersByTime(10);
      return c;
    },
    err: DeadlineExceeded,
    cause: DeadlineExceeded,
  },
  {
    name: 'withTimeoutCause expiring',
    make: () => {
      const [c] = withTimeoutCause(background(), 10, tooSlow);
      jest.advanceTimersByTime(10);
      return c;
    },
    err: DeadlineExceeded,
    cause: tooSlow,
  },
  {
    name: 'withDeadlineCause in the past',
    make: () => withDeadlineCause(background(), Date.now() - 1, tooSlow)[0],
    err: DeadlineExceeded,
    cause: tooSlow,
  },
  {
    name: 'withTimeoutCause cancelled before its deadline',
    make: () => {
      const [c, cancel] = withTimeoutCause(background(), 10, tooSlow);
      cancel();
      jest.advanceTimersByTime(10);
      return c;
    },
    err: Canceled,
    cause: Canceled,
  },
  {
    name: 'child of a parent that timed out with a cause',
    make: () => {
      const [p] = withTimeoutCause(background(), 10, tooSlow);
      const [c] = withCancelCause(p);
      jest.advanceTimersByTime(10);
      return c;
    },
    err: DeadlineExceeded,
    cause: tooSlow,
  },
  {
    name: 'parent cancelled with a cause, child deadline cause never fires',
    make: () => {
      const [p, cancel] = withCancelCause(background());
      const [c] = withTimeoutCause(p, 10, tooSlow);
      cancel(parentCause);
      jest.advanceTimersByTime(10);
      return c;
    },
    err: Canceled,
    cause: parentCause,
  },
  {
    name: 'withoutCancel under a cancelled parent',
    make: () => {
      const [p, cancel] = withCancelCause(background());
      cancel(parentCause);
      return withoutCancel(p);
    },
    err: undefined,
    cause: undefined,
  },
  {
    name: 'a non-Error cause is kept as is',
    make: () => {
      const [c, cancel] = withCancelCause(background());
      cancel(42);
      return c;
    },
    err: Canceled,
    cause: 42,
  },
])('$name', ({ make, err, cause: want }) => {
  const ctx = make();
  expect(ctx.err()).toBe(err);
  expect(cause(ctx)).toBe(want);
  if (err !== undefined) expect(ctx.signal.reason).toBe(want);
});
