/**
 * withTracker: background tasks register, shutdown waits within a grace period,
 * then cancels what is left (tokio's TaskTracker, Go's WaitGroup + context).
 */
import { background, Canceled, cause, type Context, withCancelCause, withTracker } from '../../src/index.js';
import { runNode } from '../helpers/run-node.js';

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** A task that ends `ms` after it starts, or with cause(ctx) when its context ends first. */
const work = (ms: number) => (ctx: Context): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    void ctx.done().then(() => {
      clearTimeout(timer);
      reject(cause(ctx));
    });
  });

/** Tracks whether a promise has settled. */
function watch<T>(p: Promise<T>): { readonly settled: boolean } {
  const state = { settled: false };
  void p.finally(() => (state.settled = true));
  return state;
}

describe('withTracker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('go runs the task with the tracker context and counts it until it ends', async () => {
    const t = withTracker(background());
    let got: Context | undefined;
    expect(t.go((ctx) => ((got = ctx), wait(100)))).toBe(true);
    expect(got).toBe(t.ctx);
    expect(t.size).toBe(1);
    await jest.advanceTimersByTimeAsync(100);
    expect(t.size).toBe(0);
  });

  test('shutdown with no task resolves "drained" and cancels ctx', async () => {
    const t = withTracker(background());
    await expect(t.shutdown()).resolves.toBe('drained');
    expect(t.ctx.err()).toBe(Canceled);
  });

  test('shutdown waits for tasks that end within the grace period: "drained", their context never cancelled while they ran', async () => {
    const t = withTracker(background());
    const seen: unknown[] = [];
    t.go(async (ctx) => {
      await work(400)(ctx);
      seen.push(ctx.err());
    });
    t.go(work(700));
    const outcome = t.shutdown({ graceMs: 1_000 });
    const state = watch(outcome);
    await jest.advanceTimersByTimeAsync(699);
    expect(state.settled).toBe(false);
    expect(seen).toEqual([undefined]);
    await jest.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toBe('drained');
    expect(t.ctx.err()).toBe(Canceled);
  });

  test('when the grace period runs out, what is left is cancelled with the cause: "cancelled"', async () => {
    const onError = jest.fn();
    const t = withTracker(background(), { onError });
    t.go(work(5_000));
    t.go(work(200));
    const why = new Error('service stopping');
    const outcome = t.shutdown({ graceMs: 1_000, cause: why });
    await jest.advanceTimersByTimeAsync(999);
    expect(t.ctx.err()).toBeUndefined();
    expect(t.size).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(cause(t.ctx)).toBe(why);
    await expect(outcome).resolves.toBe('cancelled');
    expect(t.size).toBe(0);
    expect(onError).not.toHaveBeenCalled(); // ending with cause(ctx) is the expected end, not a failure
  });

  test('a task that ignores its context is given up on after cancelGraceMs: "abandoned"', async () => {
    const t = withTracker(background());
    t.go(() => wait(60_000));
    const outcome = t.shutdown({ graceMs: 100, cancelGraceMs: 50 });
    const state = watch(outcome);
    await jest.advanceTimersByTimeAsync(149);
    expect(t.ctx.err()).toBe(Canceled);
    expect(state.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toBe('abandoned');
    expect(t.size).toBe(1);
    expect(jest.getTimerCount()).toBe(1); // only the task's own timer: shutdown left none behind
  });

  test('once shutdown has begun, or after dispose, go refuses tasks without running them', async () => {
    const t = withTracker(background());
    t.go(work(100));
    const outcome = t.shutdown();
    expect(t.shutdown({ graceMs: 5 })).toBe(outcome);
    const fn = jest.fn();
    expect(t.go(fn)).toBe(false);
    expect(fn).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(100);
    await expect(outcome).resolves.toBe('drained');

    let ctx: Context;
    {
      using u = withTracker(background());
      ctx = u.ctx;
      expect(u.go(work(100))).toBe(true);
      expect(u.size).toBe(1);
    }
    expect(ctx.err()).toBe(Canceled);
  });

  test('a cancelled parent cancels the tasks; go then refuses new ones', async () => {
    const [parent, cancel] = withCancelCause(background());
    const onError = jest.fn();
    const t = withTracker(parent, { onError });
    t.go(work(10_000));
    cancel(new Error('parent gone'));
    await jest.advanceTimersByTimeAsync(0);
    expect(t.size).toBe(0);
    expect(t.go(() => 1)).toBe(false);
    expect(onError).not.toHaveBeenCalled();
  });

  test('failures go to onError, in a microtask of their own; synchronous throws too', async () => {
    const errors: unknown[] = [];
    const t = withTracker(background(), { onError: (e) => errors.push(e) });
    const a = new Error('a');
    const b = new Error('b');
    t.go(() => {
      throw a;
    });
    expect(errors).toEqual([]);
    t.go(async () => {
      await wait(10);
      throw b;
    });
    await jest.advanceTimersByTimeAsync(10);
    expect(errors).toEqual([a, b]);
    expect(t.ctx.err()).toBeUndefined(); // a failure does not stop the other tasks (unlike a group)
    expect(t.size).toBe(0);
  });
});

describe('withTracker in a real process', () => {
  test('without onError, a failure surfaces as an uncaught exception (never lost); with it, the process lives', () => {
    const crash = runNode(`
      const t = ctxkit.withTracker(ctxkit.background());
      t.go(async () => { throw new Error('background job failed'); });
      setTimeout(() => console.log('still alive'), 100);
    `);
    expect(crash.status).not.toBe(0);
    expect(crash.stderr).toContain('background job failed');
    expect(crash.stdout).toBe('');

    const handled = runNode(`
      const t = ctxkit.withTracker(ctxkit.background(), { onError: (e) => console.log('logged', e.message) });
      t.go(async () => { throw new Error('background job failed'); });
      t.go(() => new Promise((resolve) => setTimeout(resolve, 50)));
      t.shutdown({ graceMs: 5_000 }).then((outcome) => console.log(outcome, t.size));
    `);
    expect(handled.stderr).toBe('');
    expect(handled.stdout).toBe('logged background job failed\ndrained 0\n');
  });
});

describe('validation', () => {
  test('bad arguments throw TypeError before anything is made or refused', () => {
    expect(() => withTracker(null as never)).toThrow(new TypeError('ctxkit.withTracker: parent must be a Context, got null'));
    expect(() => withTracker(background(), { onError: 1 as never })).toThrow(
      new TypeError('ctxkit.withTracker: options.onError must be a function, got 1'),
    );
    const t = withTracker(background());
    expect(() => t.go(undefined as never)).toThrow(new TypeError('ctxkit.Tracker.go: fn must be a function, got undefined'));
    expect(() => t.shutdown({ graceMs: -1 })).toThrow(
      new TypeError('ctxkit.Tracker.shutdown: options.graceMs must be a finite, non-negative number of milliseconds, got -1'),
    );
    expect(() => t.shutdown({ cancelGraceMs: NaN })).toThrow(TypeError);
    expect(t.go(() => 1)).toBe(true); // a refused shutdown did not close the tracker
  });
});

describe('nothing is retained on a long-lived parent (--expose-gc)', () => {
  test('groups run to the end and tracker tasks leave nothing behind: a few bytes at most each', () => {
    const r = runNode(
      `
      const { background, withCancel, withGroup, withTracker } = ctxkit;
      const heap = () => { global.gc(); global.gc(); return process.memoryUsage().heapUsed; };
      const [longLived] = withCancel(background());
      longLived.signal; // observed, as a server-lifetime context would be: children attach to it
      const observe = async (ctx) => { ctx.signal; return 1; };
      const groups = async (n) => {
        for (let i = 0; i < n; i++) {
          const g = withGroup(longLived, { limit: 2 });
          for (let j = 0; j < 3; j++) void g.go(observe);
          await g.wait();
        }
      };
      const tracker = withTracker(longLived);
      const tasks = async (n) => {
        for (let i = 0; i < n; i++) tracker.go(observe);
        while (tracker.size > 0) await new Promise((r) => setImmediate(r));
      };
      (async () => {
        const N = 20000;
        await groups(N);
        let base = heap();
        for (let r = 0; r < 5; r++) await groups(N);
        const perGroup = (heap() - base) / (5 * N);
        await tasks(N);
        base = heap();
        for (let r = 0; r < 5; r++) await tasks(N);
        const perTask = (heap() - base) / (5 * N);
        console.log(JSON.stringify({ perGroup, perTask }));
      })();
    `,
      ['--expose-gc'],
    );
    expect(r.stderr).toBe('');
    const { perGroup, perTask } = JSON.parse(r.stdout.trim()) as { perGroup: number; perTask: number };
    // A group kept alive would cost hundreds of bytes (its context, queue and results).
    expect(perGroup).toBeLessThanOrEqual(8);
    expect(perTask).toBeLessThanOrEqual(8);
  });
});
