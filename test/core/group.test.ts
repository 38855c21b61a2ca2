/**
 * withGroup and mapLimit: Go's errgroup (WithContext, Go, Wait, SetLimit, TryGo)
 * and the batch helper, every ordering under fake timers, then real processes.
 */
import {
  background,
  Canceled,
  cause,
  type Context,
  mapLimit,
  sleep,
  withCancelCause,
  withGroup,
} from '../../src/index.js';
import { runNode } from '../helpers/run-node.js';

/** A task that resolves with `value` after `ms` (fake or real timers), ignoring its context. */
const after = <T>(ms: number, value: T) => (): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));
/** A task that rejects with `error` after `ms`. */
const failAfter = (ms: number, error: unknown) => (): Promise<never> =>
  new Promise((_, reject) => setTimeout(() => reject(error), ms));
/** A task that waits for its context, then rejects with cause(ctx). */
const untilDone = (ctx: Context): Promise<never> => ctx.done().then(() => Promise.reject(cause(ctx)));

/** Tracks whether a promise has settled, without handling it on the caller's behalf. */
function watch<T>(p: Promise<T>): { readonly settled: boolean } {
  const state = { settled: false };
  p.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('withGroup', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('wait resolves with every result in the order the tasks were started, then cancels ctx', async () => {
    const g = withGroup<string>(background());
    void g.go(after(30, 'a'));
    void g.go(after(10, 'b'));
    void g.go(() => 'c');
    const all = g.wait();
    const state = watch(all);
    await jest.advanceTimersByTimeAsync(29);
    expect(state.settled).toBe(false);
    expect(g.ctx.err()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await expect(all).resolves.toEqual(['a', 'b', 'c']);
    expect(g.ctx.err()).toBe(Canceled);
    expect(cause(g.ctx)).toBe(Canceled);
  });

  test('the first failure cancels ctx with that failure as its cause; wait rejects with it once every task has ended', async () => {
    const g = withGroup(background());
    const first = new Error('first');
    const seen: unknown[] = [];
    void g.go(async (ctx) => {
      await ctx.done();
      seen.push(cause(ctx));
      await new Promise((resolve) => setTimeout(resolve, 50)); // cleans up for 50 ms after the cancellation
      throw cause(ctx);
    });
    void g.go(failAfter(10, first));
    void g.go(failAfter(20, new Error('second')));
    const all = g.wait();
    const state = watch(all);
    await jest.advanceTimersByTimeAsync(10);
    expect(cause(g.ctx)).toBe(first);
    expect(seen).toEqual([first]);
    await jest.advanceTimersByTimeAsync(49);
    expect(state.settled).toBe(false); // the sibling still runs
    await jest.advanceTimersByTimeAsync(1);
    await expect(all).rejects.toBe(first);
  });

  test('a synchronous throw and a plain value count like a rejection and a resolution', async () => {
    const boom = new Error('sync');
    const g = withGroup(background());
    void g.go(() => 1);
    void g.go(() => {
      throw boom;
    });
    await expect(g.wait()).rejects.toBe(boom);

    const h = withGroup(background());
    void h.go(() => 1);
    void h.go(() => ({ then: (ok: (v: number) => void) => ok(2) }));
    await expect(h.wait()).resolves.toEqual([1, 2]);
  });

  test('wait with no task resolves with []; it is the same promise on every call; tasks started by tasks are waited for', async () => {
    await expect(withGroup(background()).wait()).resolves.toEqual([]);
    const g = withGroup<number>(background());
    void g.go(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      void g.go(after(100, 2));
      return 1;
    });
    const all = g.wait();
    expect(g.wait()).toBe(all);
    const state = watch(all);
    await jest.advanceTimersByTimeAsync(109);
    expect(state.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(all).resolves.toEqual([1, 2]);
  });

  test('go and tryGo throw once wait has settled, so nothing can run after it', async () => {
    const g = withGroup(background());
    await g.wait();
    expect(() => g.go(() => 1)).toThrow(/ctxkit\.Group\.go: the group's wait\(\) has settled/);
    expect(() => g.tryGo(() => 1)).toThrow(/ctxkit\.Group\.tryGo: the group's wait\(\) has settled/);
  });

  test('a cancelled parent: tasks see it; a task started after it is dropped and fails with cause(parent)', async () => {
    const [parent, cancel] = withCancelCause(background());
    const g = withGroup(parent);
    void g.go(untilDone);
    const why = new Error('shutting down');
    cancel(why);
    let ran = false;
    await g.go(() => {
      ran = true;
    });
    expect(ran).toBe(false);
    await expect(g.wait()).rejects.toBe(why);
  });

  test('as in Go, tasks that succeed despite a cancelled parent make wait resolve', async () => {
    const [parent, cancel] = withCancelCause(background());
    const g = withGroup<string>(parent);
    void g.go(after(10, 'done anyway'));
    cancel(new Error('gone'));
    await jest.advanceTimersByTimeAsync(10);
    await expect(g.wait()).resolves.toEqual(['done anyway']);
  });

  test('using cancels the group at the end of the block', async () => {
    let outer: Context | undefined;
    let ended: Promise<unknown> | undefined;
    {
      using g = withGroup(background());
      outer = g.ctx;
      void g.go(untilDone);
      ended = g.wait().catch((e: unknown) => e);
    }
    expect(outer.err()).toBe(Canceled);
    await expect(ended).resolves.toBe(Canceled);
  });

  test('await using cancels the group and waits for its tasks, even when the block throws before wait()', async () => {
    jest.useRealTimers();
    const log: string[] = [];
    const render = async (): Promise<void> => {
      await using g = withGroup(background());
      void g.go(async (ctx) => {
        await ctx.done();
        await new Promise((resolve) => setTimeout(resolve, 30)); // cleans up after the cancellation
        log.push('task ended');
        throw cause(ctx);
      });
      throw new Error('before wait');
    };
    await expect(render()).rejects.toThrow('before wait');
    expect(log).toEqual(['task ended']);

    // After wait() has settled, disposing does nothing more.
    const g = withGroup<number>(background());
    void g.go(() => 1);
    await expect(g.wait()).resolves.toEqual([1]);
    await expect(g[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  test('a failure is never an unhandled rejection, even when nobody calls wait', async () => {
    const g = withGroup(background());
    void g.go(() => Promise.reject(new Error('ignored')));
    void g.go(failAfter(5, new Error('later')));
    await jest.advanceTimersByTimeAsync(10);
    // Jest fails the test on an unhandled rejection; the real-process test below checks it without Jest.
    expect(cause(g.ctx)).toEqual(new Error('ignored'));
  });
});

describe('withGroup with a limit', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('go queues beyond the limit; its promise resolves when the task starts, in order', async () => {
    const g = withGroup<number>(background(), { limit: 2 });
    const started: number[] = [];
    const task = (n: number, ms: number) => async (): Promise<number> => {
      started.push(n);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return n;
    };
    const go1 = watch(g.go(task(1, 30)));
    const go2 = watch(g.go(task(2, 10)));
    const go3 = g.go(task(3, 10));
    const go4 = g.go(task(4, 10));
    const s3 = watch(go3);
    const s4 = watch(go4);
    await Promise.resolve();
    expect([go1.settled, go2.settled, s3.settled, s4.settled]).toEqual([true, true, false, false]);
    expect(started).toEqual([1, 2]);
    await jest.advanceTimersByTimeAsync(10); // 2 ends: 3 starts
    expect(started).toEqual([1, 2, 3]);
    expect([s3.settled, s4.settled]).toEqual([true, false]);
    await jest.advanceTimersByTimeAsync(10); // 3 ends: 4 starts
    expect(started).toEqual([1, 2, 3, 4]);
    await jest.advanceTimersByTimeAsync(10);
    await expect(g.wait()).resolves.toEqual([1, 2, 3, 4]);
  });

  test('tryGo starts a task only when a slot is free and none is queued', async () => {
    const g = withGroup<string>(background(), { limit: 1 });
    expect(g.tryGo(after(10, 'a'))).toBe(true);
    expect(g.tryGo(after(10, 'refused'))).toBe(false);
    void g.go(after(10, 'b')); // queued
    await jest.advanceTimersByTimeAsync(10); // a ends, b takes the slot
    expect(g.tryGo(after(10, 'refused'))).toBe(false);
    await jest.advanceTimersByTimeAsync(10);
    expect(g.tryGo(after(10, 'c'))).toBe(true);
    await jest.advanceTimersByTimeAsync(10);
    await expect(g.wait()).resolves.toEqual(['a', 'b', 'c']);
  });

  test('tryGo returns false when the group is done', async () => {
    const g = withGroup(background(), { limit: 3 });
    void g.go(() => Promise.reject(new Error('x')));
    await Promise.resolve();
    await Promise.resolve();
    expect(g.ctx.err()).toBe(Canceled);
    expect(g.tryGo(() => 1)).toBe(false);
    await expect(g.wait()).rejects.toThrow('x');
  });

  test('after a failure, queued tasks are dropped (never run) and their go() promises resolve', async () => {
    const g = withGroup(background(), { limit: 1 });
    const boom = new Error('boom');
    void g.go(failAfter(10, boom));
    let ran = false;
    const queued = g.go(() => {
      ran = true;
    });
    const all = expect(g.wait()).rejects.toBe(boom);
    await jest.advanceTimersByTimeAsync(10);
    await queued;
    expect(ran).toBe(false);
    await all;
  });

  test('wait stays pending while tasks are queued', async () => {
    const g = withGroup(background(), { limit: 1 });
    void g.go(after(10, 1));
    void g.go(after(10, 2));
    const state = watch(g.wait());
    await jest.advanceTimersByTimeAsync(19);
    expect(state.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(state.settled).toBe(true);
  });
});

describe('mapLimit', () => {
  test('maps every item in order, reading items only as slots free up', async () => {
    let read = 0;
    let running = 0;
    let max = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 50; i++) {
        read++;
        expect(read - finished).toBeLessThanOrEqual(4); // at most limit running, plus the one being read
        yield i;
      }
    }
    let finished = 0;
    const out = await mapLimit(background(), items(), 3, async (_ctx, item, index) => {
      running++;
      max = Math.max(max, running);
      await new Promise((resolve) => setTimeout(resolve, item % 3));
      running--;
      finished++;
      return item * 10 + index;
    });
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 11));
    expect(max).toBe(3);
  });

  test('takes an async iterable', async () => {
    async function* items(): AsyncGenerator<string> {
      yield 'a';
      await sleep(background(), 1);
      yield 'b';
    }
    await expect(mapLimit(background(), items(), 2, async (_ctx, s) => s.toUpperCase())).resolves.toEqual(['A', 'B']);
  });

  test('the first failure stops reading, cancels the others, and is what it rejects with', async () => {
    const boom = new Error('item 3');
    let read = 0;
    const cancelled: unknown[] = [];
    function* items(): Generator<number> {
      for (let i = 0; i < 1000; i++) {
        read++;
        yield i;
      }
    }
    const p = mapLimit(background(), items(), 2, async (ctx, item) => {
      if (item === 3) throw boom;
      if (item === 2) {
        await ctx.done();
        cancelled.push(cause(ctx));
        return -1;
      }
      return item;
    });
    await expect(p).rejects.toBe(boom);
    expect(cancelled).toEqual([boom]);
    expect(read).toBeLessThan(10);
  });

  test('a parent cancelled mid-batch: it rejects with cause(parent), never with fewer results than items', async () => {
    const [parent, cancel] = withCancelCause(background());
    const why = new Error('batch aborted');
    const p = mapLimit(parent, [1, 2, 3, 4, 5, 6], 2, async (_ctx, item) => {
      if (item === 2) cancel(why);
      await new Promise((resolve) => setImmediate(resolve)); // ignores its context: succeeds anyway
      return item;
    });
    await expect(p).rejects.toBe(why);
  });

  test('a string is an iterable of characters', async () => {
    await expect(mapLimit(background(), 'ab', 1, (_ctx, c) => c + c)).resolves.toEqual(['aa', 'bb']);
  });

  test('an iterable that throws: the error cancels the started calls and is what it rejects with', async () => {
    const broken = new Error('cannot read');
    const seen: unknown[] = [];
    function* items(): Generator<number> {
      yield 1;
      throw broken;
    }
    const p = mapLimit(background(), items(), 4, async (ctx) => {
      await ctx.done();
      seen.push(cause(ctx));
    });
    await expect(p).rejects.toBe(broken);
    expect(seen).toEqual([broken]);
  });
});

describe('the limit is never exceeded', () => {
  test.each([1, 3, 8, 64])('10,000 tasks with a limit of %i', async (limit) => {
    const g = withGroup<number>(background(), { limit });
    let running = 0;
    let max = 0;
    let ran = 0;
    for (let i = 0; i < 10_000; i++) {
      const task = async (): Promise<number> => {
        running++;
        ran++;
        max = Math.max(max, running);
        // A mix of synchronous, microtask and timer-length tasks.
        if (i % 3 === 1) await Promise.resolve();
        else if (i % 3 === 2) await new Promise((resolve) => setImmediate(resolve));
        running--;
        return i;
      };
      if (i % 2 === 0) await g.go(task);
      else if (!g.tryGo(task)) void g.go(task);
    }
    const results = await g.wait();
    expect(results).toHaveLength(10_000);
    expect(results[9_999]).toBe(9_999);
    expect(ran).toBe(10_000);
    expect(max).toBe(limit);
  });

  test('mapLimit, 10,000 items with a limit of 8', async () => {
    let running = 0;
    let max = 0;
    const out = await mapLimit(background(), Array.from({ length: 10_000 }, (_, i) => i), 8, async (_ctx, i) => {
      running++;
      max = Math.max(max, running);
      if (i % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
      running--;
      return i;
    });
    expect(out).toHaveLength(10_000);
    expect(max).toBe(8);
  });
});

describe('in a real process', () => {
  test('failing tasks never crash the process as unhandled rejections, with or without wait', () => {
    const r = runNode(`
      process.on('exit', (code) => console.log('exit', code));
      const g = ctxkit.withGroup(ctxkit.background(), { limit: 2 });
      for (let i = 0; i < 5; i++) g.go(async () => { throw new Error('task ' + i); });
      g.go(() => { throw new Error('sync'); });
      const h = ctxkit.withGroup(ctxkit.background());
      h.go(() => Promise.reject(new Error('never waited for')));
      g.wait().catch((e) => console.log('first', e.message));
      ctxkit.mapLimit(ctxkit.background(), [1, 2, 3], 2, async (ctx, i) => { throw new Error('item ' + i); })
        .catch((e) => console.log('map', e.message));
      setTimeout(() => console.log('alive'), 50);
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['alive', 'exit 0', 'first task 0', 'map item 1']);
    expect(r.status).toBe(0);
  });

  test('wait settles only after every task has ended, even a task that ignores its context', () => {
    const r = runNode(`
      const g = ctxkit.withGroup(ctxkit.background());
      let running = 0;
      for (let i = 0; i < 20; i++) g.go(async () => {
        running++;
        await new Promise((resolve) => setTimeout(resolve, i * 5)); // ignores ctx
        running--;
        if (i === 3) throw new Error('three');
      });
      g.wait().catch((e) => console.log(e.message, running));
    `);
    expect(r.stdout.trim()).toBe('three 0');
  });
});

describe('validation', () => {
  test('bad arguments throw TypeError before anything is made', () => {
    expect(() => withGroup(undefined as never)).toThrow(new TypeError('ctxkit.withGroup: parent must be a Context, got undefined'));
    expect(() => withGroup(background(), 3 as never)).toThrow(new TypeError('ctxkit.withGroup: options must be an object, got 3'));
    expect(() => withGroup(background(), { limit: 0 })).toThrow(
      new TypeError('ctxkit.withGroup: options.limit must be a positive integer, got 0'),
    );
    expect(() => withGroup(background(), { limit: 1.5 })).toThrow(TypeError);
    expect(() => withGroup(background(), { limit: '2' as never })).toThrow(
      new TypeError('ctxkit.withGroup: options.limit must be a positive integer, got a string (1 character)'),
    );
    const g = withGroup(background());
    expect(() => g.go('x' as never)).toThrow(new TypeError('ctxkit.Group.go: fn must be a function, got a string (1 character)'));
    expect(() => g.tryGo(null as never)).toThrow(new TypeError('ctxkit.Group.tryGo: fn must be a function, got null'));
  });

  test('mapLimit checks every argument before reading an item', async () => {
    const items = {
      *[Symbol.iterator]() {
        throw new Error('read');
      },
    };
    await expect(mapLimit(background(), 5 as never, 1, () => 1)).rejects.toThrow(
      new TypeError('ctxkit.mapLimit: items must be an iterable or async iterable, got 5'),
    );
    await expect(mapLimit(background(), items, 0, () => 1)).rejects.toThrow(
      new TypeError('ctxkit.mapLimit: limit must be a positive integer, got 0'),
    );
    await expect(mapLimit(background(), items, 1, undefined as never)).rejects.toThrow(
      new TypeError('ctxkit.mapLimit: fn must be a function, got undefined'),
    );
    await expect(mapLimit({} as never, items, 1, () => 1)).rejects.toThrow(TypeError);
  });
});
