/**
 * Deadlines: when they fire, what they report, which timers they hold, and that
 * jest's fake timers drive them.
 */
import {
  background,
  Canceled,
  cause,
  DeadlineExceeded,
  DeadlineExceededError,
  withCancel,
  withDeadline,
  withDeadlineCause,
  withTimeout,
  withTimeoutCause,
  withValue,
} from '../../src/index.js';
import { pendingDeadlines } from '../../src/testing/index.js';
import { HOUR } from '../helpers/kinds.js';
import { runNode } from '../helpers/run-node.js';

describe('with fake timers', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => {
    jest.runOnlyPendingTimers();
    expect(pendingDeadlines()).toBe(0);
    jest.useRealTimers();
  });

  test('a timeout fires exactly at its deadline, with DeadlineExceeded as err and cause', () => {
    const [ctx] = withTimeout(background(), 1000);
    const signal = ctx.signal;
    expect(ctx.deadline()).toEqual(new Date('2030-01-01T00:00:01Z'));
    jest.advanceTimersByTime(999);
    expect(ctx.err()).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(ctx.err()).toBe(DeadlineExceeded);
    expect(cause(ctx)).toBe(DeadlineExceeded);
    expect(signal.reason).toBe(DeadlineExceeded);
  });

  test('withDeadline accepts a Date and epoch ms; the cause variants report their cause', () => {
    const [byDate] = withDeadline(background(), new Date(Date.now() + 50));
    const [byMs] = withDeadline(background(), Date.now() + 50);
    const why = new Error('budget spent');
    const [withWhy] = withDeadlineCause(background(), Date.now() + 50, why);
    const [timeoutWhy] = withTimeoutCause(background(), 50, 'slow upstream');
    jest.advanceTimersByTime(50);
    for (const c of [byDate, byMs, withWhy, timeoutWhy]) expect(c.err()).toBe(DeadlineExceeded);
    expect(cause(byDate)).toBe(DeadlineExceeded);
    expect(cause(withWhy)).toBe(why);
    expect(cause(timeoutWhy)).toBe('slow upstream');
  });

  test('a deadline cause is not reported when the context is cancelled first', () => {
    const [ctx, cancel] = withTimeoutCause(background(), 50, 'slow');
    cancel();
    jest.advanceTimersByTime(100);
    expect(ctx.err()).toBe(Canceled);
    expect(cause(ctx)).toBe(Canceled);
  });

  test('a timeout <= 0 or a deadline at or before now is done at once', () => {
    for (const [ctx] of [
      withTimeout(background(), 0),
      withTimeout(background(), -5),
      withDeadline(background(), Date.now()),
      withDeadline(background(), new Date(Date.now() - 1000)),
    ]) {
      expect(ctx.err()).toBe(DeadlineExceeded);
      expect(ctx.signal.aborted).toBe(true);
    }
    expect(jest.getTimerCount()).toBe(0);
    expect(pendingDeadlines()).toBe(0);
  });

  test('fractional milliseconds are accepted', () => {
    const [ctx] = withTimeout(background(), 10.5);
    jest.advanceTimersByTime(10);
    expect(ctx.err()).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(ctx.err()).toBe(DeadlineExceeded);
  });

  test('timers are released when contexts are cancelled early, by their cancel or a parent', async () => {
    const [parent, cancelParent] = withCancel(background());
    const [a, cancelA] = withTimeout(background(), HOUR);
    const [b] = withTimeout(parent, HOUR);
    const [c] = withTimeout(b, HOUR / 2);
    const [d] = withTimeout(b, 2 * HOUR); // under b's earlier deadline: no timer of its own
    expect(d.deadline()).toEqual(b.deadline());
    void a;
    void c;
    expect(pendingDeadlines()).toBe(3);
    expect(jest.getTimerCount()).toBe(1);
    cancelA();
    expect(pendingDeadlines()).toBe(2);
    cancelParent();
    expect(pendingDeadlines()).toBe(0);
    // The shared host timer is cleared at the end of the turn.
    await Promise.resolve();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('creating and cancelling timeouts in one turn arms the host timer once', async () => {
    const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout');
    try {
      for (let i = 0; i < 100; i++) withTimeout(background(), HOUR)[1]();
      expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
      expect(pendingDeadlines()).toBe(0);
      await Promise.resolve();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });

  test("a child under an earlier parent deadline keeps the parent's and gets no timer", () => {
    const [parent] = withTimeout(background(), 100);
    const [child] = withTimeout(parent, HOUR);
    expect(child.deadline()).toEqual(parent.deadline());
    expect(pendingDeadlines()).toBe(1);
    jest.advanceTimersByTime(100);
    expect(child.err()).toBe(DeadlineExceeded);
    expect(cause(child)).toBe(DeadlineExceeded);
  });

  test('a child with an earlier deadline than its parent fires first, alone', () => {
    const [parent] = withTimeout(background(), HOUR);
    const [child] = withTimeout(parent, 100);
    expect(pendingDeadlines()).toBe(2);
    jest.advanceTimersByTime(100);
    expect(child.err()).toBe(DeadlineExceeded);
    expect(parent.err()).toBeUndefined();
    expect(pendingDeadlines()).toBe(1);
  });

  test('timeouts longer than 2^31-1 ms fire at the right time, not at once', () => {
    const long = 2 ** 31 + 5000; // ~24.9 days: Node clamps such a setTimeout to 1 ms
    const [ctx] = withTimeout(background(), long);
    jest.advanceTimersByTime(1);
    expect(ctx.err()).toBeUndefined();
    jest.advanceTimersByTime(2 ** 31 - 1);
    expect(ctx.err()).toBeUndefined();
    jest.advanceTimersByTime(long - 2 ** 31 - 1);
    expect(ctx.err()).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(ctx.err()).toBe(DeadlineExceeded);
  });

  test('many deadlines fire in deadline order, each at its own time', () => {
    const fired: number[] = [];
    const delays = [50, 10, 30, 10, 40, 20];
    delays.forEach((ms, i) => withTimeout(background(), ms)[0].signal.addEventListener('abort', () => fired.push(i)));
    jest.advanceTimersByTime(10);
    expect(fired.sort()).toEqual([1, 3]);
    jest.advanceTimersByTime(10);
    expect(fired).toContain(5);
    jest.advanceTimersByTime(30);
    expect(fired).toHaveLength(6);
  });

  test('a listener creating a new timeout while deadlines fire is scheduled correctly', () => {
    const [first] = withTimeout(background(), 10);
    let second: ReturnType<typeof withTimeout>[0] | undefined;
    first.signal.addEventListener('abort', () => {
      second = withTimeout(background(), 10)[0];
    });
    jest.advanceTimersByTime(10);
    expect(second!.err()).toBeUndefined();
    jest.advanceTimersByTime(10);
    expect(second!.err()).toBe(DeadlineExceeded);
  });

  test('deadline() returns a fresh Date on every call', () => {
    const [ctx] = withTimeout(background(), 1000);
    const d = ctx.deadline()!;
    d.setFullYear(1999);
    expect(ctx.deadline()).not.toBe(ctx.deadline());
    expect(ctx.deadline()!.getUTCFullYear()).toBe(2030);
  });
});

test('a timer armed under real timers is re-armed when fake timers are installed', () => {
  const [realCtx, cancelReal] = withTimeout(background(), HOUR);
  jest.useFakeTimers();
  try {
    const [fakeCtx] = withTimeout(background(), 2 * HOUR);
    jest.advanceTimersByTime(HOUR);
    expect(realCtx.err()).toBe(DeadlineExceeded);
    expect(fakeCtx.err()).toBeUndefined();
    jest.advanceTimersByTime(HOUR);
    expect(fakeCtx.err()).toBe(DeadlineExceeded);
  } finally {
    cancelReal();
    jest.useRealTimers();
  }
});

test('a synchronous loop polling err() sees a deadline pass, though the event loop never turns', () => {
  const [ctx, cancel] = withTimeoutCause(background(), 30, 'budget spent');
  const [child] = withCancel(ctx);
  const below = withValue(child, 'k', 1);
  const [unrelated] = withTimeout(background(), HOUR);
  const signal = child.signal;
  let listenerSawErr: Error | undefined;
  signal.addEventListener('abort', () => (listenerSawErr = below.err()));
  const started = Date.now();
  let polls = 0;
  while (below.err() === undefined) {
    polls++;
    if (Date.now() - started > 5_000) break;
  }
  expect(Date.now()).toBeGreaterThanOrEqual(ctx.deadline()!.getTime());
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(polls).toBeGreaterThan(0);
  expect(below.err()).toBe(DeadlineExceeded);
  expect(cause(below)).toBe('budget spent');
  // The expiry ran as if the timer had fired: observers were told, synchronously.
  expect(signal.aborted).toBe(true);
  expect(listenerSawErr).toBe(DeadlineExceeded);
  expect(ctx.err()).toBe(DeadlineExceeded);
  expect(unrelated.err()).toBeUndefined();
  expect(() => below.throwIfDone()).toThrow('budget spent');
  cancel();
});

test('contexts without a deadline never read the clock in err()', () => {
  const [ctx] = withCancel(withValue(background(), 'k', 1));
  const realNow = Date.now;
  let reads = 0;
  Date.now = () => {
    reads++;
    return realNow();
  };
  try {
    for (let i = 0; i < 100; i++) ctx.err();
  } finally {
    Date.now = realNow;
  }
  expect(reads).toBe(0);
});

test('a real timeout fires after its delay, not before', async () => {
  const started = Date.now();
  const [ctx] = withTimeout(background(), 30);
  await ctx.done();
  expect(Date.now() - started).toBeGreaterThanOrEqual(30);
  expect(ctx.err()).toBe(DeadlineExceeded);
});

test('DeadlineExceeded is not a CanceledError and reports timeout like Go', () => {
  expect(DeadlineExceeded).toBeInstanceOf(DeadlineExceededError);
  expect(DeadlineExceeded).toBeInstanceOf(Error);
  expect(DeadlineExceeded.message).toBe('context deadline exceeded');
  expect(DeadlineExceeded.timeout).toBe(true);
  expect(Canceled.message).toBe('context canceled');
  expect(Canceled).not.toBeInstanceOf(DeadlineExceededError);
  expect(DeadlineExceeded instanceof (Canceled.constructor as typeof Error)).toBe(false);
});

test('a pending deadline does not keep the process alive', () => {
  const r = runNode(`
    const [ctx] = ctxkit.withTimeout(ctxkit.background(), 60_000);
    ctx.done().then(() => console.log('fired'));
    console.log('scheduled');
  `);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe('scheduled');
  expect(r.elapsedMs).toBeLessThan(30_000);
});
