/**
 * Groups of tasks under one context: Go's `errgroup`, with its `SetLimit` and
 * `TryGo`, and `mapLimit` for the batch case (.NET's `Parallel.ForEachAsync`).
 *
 * Every task's promise is observed by the group from the moment it starts, so
 * a failing task can never become an unhandled rejection, and `wait()` settles
 * only once no task is running or queued.
 */
import { cause } from './cause.js';
import type { CancelCauseFunc, Context } from './context.js';
import { withCancelCause } from './kinds/cancel.js';
import { checkFunction, checkLimit, checkOptions, fail } from './internal/check.js';
import { ASYNC_DISPOSE, DISPOSE } from './internal/dispose.js';
import { checkParent } from './parent.js';

/** A task of a group: an async function of the group's context. */
export type Task<T> = (ctx: Context) => PromiseLike<T> | T;

/** GroupOptions: `limit` is how many tasks may run at once (Go's SetLimit); default: no limit. */
export interface GroupOptions {
  limit?: number;
}

/**
 * Group runs tasks under one context, `ctx`, a child of the parent that is
 * cancelled, with the failure as its cause, as soon as a task fails, and with
 * `Canceled` once `wait()` settles or the group is disposed.
 */
export interface Group<T = unknown> extends Disposable, AsyncDisposable {
  /** The context every task receives: done at the first failure, when wait() settles, or on dispose. */
  readonly ctx: Context;
  /**
   * go starts `fn(ctx)` now if a slot is free (it runs synchronously up to its
   * first await), else queues it behind the tasks already waiting. The promise
   * resolves (never rejects) once fn has started or been dropped: await it to
   * hold a producer back, as Go's Go blocks. A task not yet started when `ctx`
   * is done is dropped and counts as failing with `cause(ctx)`. Throws once
   * wait() has settled.
   */
  go(fn: Task<T>): Promise<void>;
  /**
   * tryGo starts `fn(ctx)` and returns true if a slot is free now and no task
   * is queued; otherwise it returns false and fn is not run (also when `ctx` is
   * done). Throws once wait() has settled.
   */
  tryGo(fn: Task<T>): boolean;
  /**
   * wait resolves with every task's result, in the order go/tryGo accepted
   * them, or rejects with the first failure, once no task is running or queued
   * (including tasks started meanwhile by tasks). The same promise on every call.
   */
  wait(): Promise<T[]>;
  /** Cancels `ctx` with `Canceled`, as `using` does at the end of its block. */
  [Symbol.dispose](): void;
  /**
   * Cancels `ctx` with `Canceled` and resolves once no task is running or
   * queued, whatever their outcome, as `await using` does at the end of its block.
   */
  [Symbol.asyncDispose](): Promise<void>;
}

/** call runs fn(ctx) and returns its outcome as a promise: a synchronous throw becomes a rejection. */
export function call<T>(fn: Task<T>, ctx: Context): Promise<T> {
  try {
    return Promise.resolve(fn(ctx));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A queued task: what to run, its place among the results, and the go() promise to resolve. */
interface Queued<T> {
  fn: Task<T>;
  index: number;
  started: () => void;
}

const STARTED: Promise<void> = Promise.resolve();

/** The one implementation of Group. */
class TaskGroup<T> implements Group<T> {
  readonly ctx: Context;
  readonly _cancel: CancelCauseFunc;
  private readonly _limit: number;
  /** Tasks started and not yet settled. */
  private _running = 0;
  /** Tasks waiting for a slot, oldest first from `_head`. */
  private _queue: Array<Queued<T> | undefined> = [];
  private _head = 0;
  /** Results by acceptance order; `_accepted` is the next index. */
  private readonly _results: T[] = [];
  private _accepted = 0;
  /** Whether a task failed (or was dropped), and the first such failure. */
  private _failed = false;
  private _failure: unknown = undefined;
  /** wait()'s promise and its settle functions, once wait() was called; `_over` once it settled. */
  private _waiting: Promise<T[]> | undefined;
  private _resolve: ((results: T[]) => void) | undefined;
  private _reject: ((failure: unknown) => void) | undefined;
  private _over = false;

  constructor(parent: Context, limit: number) {
    [this.ctx, this._cancel] = withCancelCause(parent);
    this._limit = limit;
  }

  go(fn: Task<T>): Promise<void> {
    this._accept('Group.go', fn);
    const index = this._accepted++;
    if (this.ctx.err() !== undefined) {
      this._drop();
      return STARTED;
    }
    if (this._running < this._limit && this._head === this._queue.length) {
      this._start(fn, index);
      return STARTED;
    }
    return new Promise<void>((started) => this._queue.push({ fn, index, started }));
  }

  tryGo(fn: Task<T>): boolean {
    this._accept('Group.tryGo', fn);
    if (this._running >= this._limit || this._head !== this._queue.length || this.ctx.err() !== undefined) return false;
    this._start(fn, this._accepted++);
    return true;
  }

  wait(): Promise<T[]> {
    if (this._waiting === undefined) {
      this._waiting = new Promise<T[]>((resolve, reject) => {
        this._resolve = resolve;
        this._reject = reject;
      });
      this._settleIfIdle();
    }
    return this._waiting;
  }

  declare [Symbol.dispose]: () => void;
  declare [Symbol.asyncDispose]: () => Promise<void>;

  /** Checks fn, and that the group still takes tasks. */
  private _accept(method: string, fn: unknown): void {
    checkFunction(method, 'fn', fn);
    if (this._over) throw new Error(`ctxkit.${method}: the group's wait() has settled; make a new group`);
  }

  private _start(fn: Task<T>, index: number): void {
    this._running++;
    call(fn, this.ctx).then(
      (value) => {
        this._results[index] = value;
        this._finished();
      },
      (error: unknown) => {
        this._fail(error);
        this._finished();
      },
    );
  }

  /** Records a failure; the first one cancels ctx with it as the cause. */
  _fail(error: unknown): void {
    if (this._failed) return;
    this._failed = true;
    this._failure = error;
    this._cancel(error);
  }

  /** A task (or item) accepted while ctx is done is not run: it fails with cause(ctx). */
  _drop(): void {
    this._fail(cause(this.ctx));
  }

  /** A task settled: start queued ones in the free slots (or drop them), then settle wait() if idle. */
  private _finished(): void {
    this._running--;
    const queue = this._queue;
    while (this._head < queue.length && this._running < this._limit) {
      const next = queue[this._head]!;
      queue[this._head++] = undefined;
      if (this.ctx.err() === undefined) this._start(next.fn, next.index);
      else this._drop();
      next.started();
    }
    if (this._head === queue.length && this._head > 0) {
      this._queue = [];
      this._head = 0;
    }
    this._settleIfIdle();
  }

  private _settleIfIdle(): void {
    if (this._waiting === undefined || this._over || this._running > 0 || this._head < this._queue.length) return;
    this._over = true;
    this._cancel();
    if (this._failed) this._reject!(this._failure);
    else this._resolve!(this._results);
  }
}

// Symbol.dispose and Symbol.asyncDispose where the host has them, their well-known stand-ins where not.
(TaskGroup.prototype as unknown as Record<symbol, unknown>)[DISPOSE] = function dispose(this: TaskGroup<unknown>): void {
  this._cancel();
};
(TaskGroup.prototype as unknown as Record<symbol, unknown>)[ASYNC_DISPOSE] = async function asyncDispose(this: TaskGroup<unknown>): Promise<void> {
  this._cancel();
  await this.wait().then(ignore, ignore);
};

function ignore(): void {}

/**
 * withGroup returns a group of tasks under a child of parent (Go's
 * `errgroup.WithContext`, with `SetLimit` as `options.limit`). The first task
 * to fail cancels the group's context with its error as the cause, so the
 * others stop; `wait()` waits for every task, then rejects with that first
 * failure or resolves with all results. A task's failure is never an unhandled
 * rejection, whether or not anyone calls wait().
 */
export function withGroup<T = unknown>(parent: Context, options?: GroupOptions): Group<T> {
  checkParent('withGroup', 'parent', parent);
  const { limit } = checkOptions('withGroup', 'options', options);
  const max = limit === undefined ? Infinity : checkLimit('withGroup', 'options.limit', limit);
  return new TaskGroup<T>(parent, max);
}

/**
 * mapLimit runs `fn(ctx, item, index)` for every item of `items` (an iterable
 * or async iterable, read only as slots free up), at most `limit` at a time,
 * under one group: .NET's `Parallel.ForEachAsync` with MaxDegreeOfParallelism,
 * returning the results in the order of the items. The first failure (of fn,
 * or of reading `items`) stops reading, cancels the others' context, and is
 * what the promise rejects with once every started call has settled.
 */
export async function mapLimit<T, R>(
  parent: Context,
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (ctx: Context, item: T, index: number) => PromiseLike<R> | R,
): Promise<R[]> {
  checkParent('mapLimit', 'parent', parent);
  if (!isIterable(items)) fail('mapLimit', 'items', 'an iterable or async iterable', items);
  checkLimit('mapLimit', 'limit', limit);
  checkFunction('mapLimit', 'fn', fn);
  const group = new TaskGroup<R>(parent, limit);
  let index = 0;
  /**
   * Starts fn for one item, or queues it: the promise to await before reading
   * on, if there is a wait. False when the group is done (the item then fails with its cause).
   */
  const feed = (item: T): Promise<void> | false => {
    if (group.ctx.err() !== undefined) {
      group._drop();
      return false;
    }
    const i = index++;
    return group.go((ctx) => fn(ctx, item, i));
  };
  try {
    if (isAsyncIterable(items)) {
      for await (const item of items) {
        const started = feed(item);
        if (started === false) break;
        if (started !== STARTED) await started;
      }
    } else {
      for (const item of items) {
        const started = feed(item);
        if (started === false) break;
        if (started !== STARTED) await started;
      }
    }
  } catch (error) {
    group._fail(error);
  }
  return await group.wait();
}

function isIterable(x: unknown): x is Iterable<unknown> | AsyncIterable<unknown> {
  return x !== null && x !== undefined && (typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function' || isAsyncIterable(x));
}

function isAsyncIterable<T>(x: unknown): x is AsyncIterable<T> {
  return x !== null && x !== undefined && typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

