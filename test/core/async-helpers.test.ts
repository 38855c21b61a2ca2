/**
 * sleep, race and runWithTimeout: cancellation-aware and leak-free.
 */
import {
  background,
  Canceled,
  cause,
  type Context,
  DeadlineExceeded,
  race,
  runWithTimeout,
  sleep,
  withCancel,
  withCancelCause,
  withTimeout,
} from '../../src/index.js';
import { runNode, runNodeJson } from '../helpers/run-node.js';

describe('sleep', () => {
  afterEach(() => jest.useRealTimers());

  test('resolves after ms and releases its timer', async () => {
    jest.useFakeTimers();
    let resolved = false;
    const p = sleep(background(), 1000).then(() => (resolved = true));
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(resolved).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await p;
    expect(resolved).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('rejects with cause(ctx) when the context is done first, and releases its timer', async () => {
    jest.useFakeTimers();
    const [ctx, cancel] = withCancelCause(background());
    const p = sleep(ctx, 60_000);
    const why = new Error('client went away');
    cancel(why);
    await expect(p).rejects.toBe(why);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('keeps the process alive while it sleeps, as timers/promises does', () => {
    const r = runNode(`ctxkit.sleep(ctxkit.background(), 200).then(() => console.log('woke'));`);
    expect(r.stdout.trim()).toBe('woke');
    expect(r.elapsedMs).toBeGreaterThanOrEqual(200);
  });

  test('rejects at once on a context that is already done; resolves for ms <= 0 on a live one', async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    await expect(sleep(ctx, 10)).rejects.toBe(Canceled);
    await expect(sleep(background(), 0)).resolves.toBeUndefined();
    await expect(sleep(background(), -1)).resolves.toBeUndefined();
  });

  test('a parent deadline earlier than ms rejects with DeadlineExceeded', async () => {
    const [ctx] = withTimeout(background(), 5);
    await expect(sleep(ctx, 60_000)).rejects.toBe(DeadlineExceeded);
  });

  test('sleeps longer than 2^31-1 ms are honoured', async () => {
    jest.useFakeTimers();
    let resolved = false;
    const p = sleep(background(), 2 ** 31 + 10).then(() => (resolved = true));
    await jest.advanceTimersByTimeAsync(2 ** 31);
    expect(resolved).toBe(false);
    await jest.advanceTimersByTimeAsync(10);
    await p;
    expect(resolved).toBe(true);
  });

  test('rejects bad arguments with TypeErrors', () => {
    expect(() => sleep(background(), NaN)).toThrow(/^ctxkit\.sleep: ms must be/);
    expect(() => sleep(null as unknown as Context, 1)).toThrow(/^ctxkit\.withTimeout|^ctxkit\.sleep/);
  });
});

describe('race', () => {
  test('settles like the promise while the context is live', async () => {
    await expect(race(background(), Promise.resolve(7))).resolves.toBe(7);
    await expect(race(background(), 8)).resolves.toBe(8);
    const boom = new Error('boom');
    await expect(race(background(), Promise.reject(boom))).rejects.toBe(boom);
  });

  test('rejects with cause(ctx) when the context is done first', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const never = new Promise<number>(() => {});
    const p = race(ctx, never);
    cancel('stop');
    await expect(p).rejects.toBe('stop');
  });

  test('rejects at once on a done context, and a later rejection of the promise is handled', async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      let rejectLater!: (e: unknown) => void;
      const later = new Promise((_, reject) => (rejectLater = reject));
      await expect(race(ctx, later)).rejects.toBe(Canceled);
      rejectLater(new Error('late'));
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('runWithTimeout', () => {
  test('returns what fn returns and cancels the child afterwards', async () => {
    let child: Context | undefined;
    const value = await runWithTimeout(background(), 1000, async (ctx) => {
      child = ctx;
      expect(ctx.err()).toBeUndefined();
      expect(ctx.deadline()).toBeInstanceOf(Date);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(child!.err()).toBe(Canceled);
  });

  test('rejects with DeadlineExceeded when fn is too slow, even if fn ignores its context', async () => {
    const started = Date.now();
    await expect(runWithTimeout(background(), 20, () => new Promise(() => {}))).rejects.toBe(DeadlineExceeded);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
  });

  test('a timeout cause and a parent cancellation reach fn through its context', async () => {
    const [parent, cancel] = withCancelCause(background());
    const p = runWithTimeout(parent, 60_000, (ctx) => ctx.done().then(() => cause(ctx)));
    cancel('parent gone');
    await expect(p).rejects.toBe('parent gone');
  });

  test('keeps the process alive until its deadline, so its promise always settles', () => {
    const r = runNode(`
      ctxkit.runWithTimeout(ctxkit.background(), 150, () => new Promise(() => {}))
        .catch((e) => console.log(e === ctxkit.DeadlineExceeded ? 'deadline' : 'other'));
    `);
    expect(r.stdout.trim()).toBe('deadline');
    expect(r.elapsedMs).toBeGreaterThanOrEqual(150);
  });

  test('leaves no timer behind once fn settles', async () => {
    jest.useFakeTimers();
    try {
      await runWithTimeout(background(), 60_000, async () => 'quick');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a synchronous throw in fn rejects and still cancels the child', async () => {
    let child: Context | undefined;
    const boom = new Error('boom');
    await expect(
      runWithTimeout(background(), 1000, (ctx) => {
        child = ctx;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(child!.err()).toBe(Canceled);
  });
});

test('a million race() calls and 200,000 sleep() calls on one long-lived context leave nothing behind', () => {
  const r = runNodeJson<{ race: number; sleep: number }>(
    `
    const heap = () => { global.gc(); global.gc(); return process.memoryUsage().heapUsed; };
    const [ctx] = ctxkit.withCancel(ctxkit.background());
    ctx.signal;
    (async () => {
      const resolved = Promise.resolve(1);
      for (let i = 0; i < 1e4; i++) await ctxkit.race(ctx, resolved);
      let base = heap();
      for (let i = 0; i < 1e6; i++) await ctxkit.race(ctx, resolved);
      const race = (heap() - base) / 1e6;
      // Sleeps wait for a real timer tick: run them in concurrent batches.
      const batch = () => Promise.all(Array.from({ length: 5000 }, () => ctxkit.sleep(ctx, 0)));
      for (let b = 0; b < 4; b++) await batch();
      base = heap();
      for (let b = 0; b < 40; b++) await batch();
      const sleep = (heap() - base) / 2e5;
      console.log(JSON.stringify({ race, sleep }));
    })();
  `,
    ['--expose-gc'],
    120_000,
  );
  expect(r.race).toBeLessThanOrEqual(1);
  expect(r.sleep).toBeLessThanOrEqual(1);
});
