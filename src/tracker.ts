/**
 * A tracker for a service's background work: tokio's `TaskTracker`, Go's
 * `sync.WaitGroup` beside a lifetime context.
 */
import { cause } from './cause.js';
import type { CancelCauseFunc, Context } from './context.js';
import { call, type Task } from './group.js';
import { withCancelCause } from './kinds/cancel.js';
import { checkFunction, checkMs, checkOptionalFunction, checkOptions } from './internal/check.js';
import { DISPOSE } from './internal/dispose.js';
import { timerDelay } from './internal/host.js';
import { checkParent } from './parent.js';

/** TrackerOptions: where the failures of tracked tasks go. */
export interface TrackerOptions {
  /**
   * Called, in a microtask of its own, with each failure of a tracked task,
   * except a task ending with `cause(ctx)` once the tracker's context is done.
   * Default: the failure is thrown as an uncaught exception, as an unhandled
   * rejection would be, so it is never lost silently.
   */
  onError?: (error: unknown) => void;
}

/** TrackerShutdownOptions: how long tasks get before, and after, their context is cancelled. */
export interface TrackerShutdownOptions {
  /** How long running tasks may go on, in milliseconds, before their context is cancelled. Default: 10 000. */
  graceMs?: number;
  /** How long tasks get to end after the cancellation before shutdown gives up on them, in milliseconds. Default: 1 000. */
  cancelGraceMs?: number;
  /** The cause the tracker's context is cancelled with. Default: `Canceled`. */
  cause?: unknown;
}

/**
 * How a tracker's shutdown ended: every task ended within the grace period
 * ("drained"), or ended once cancelled ("cancelled"), or some task ignored its
 * context and was still running after the second grace period ("abandoned").
 */
export type TrackerOutcome = 'drained' | 'cancelled' | 'abandoned';

/**
 * Tracker keeps count of a service's background tasks, each run with `ctx`,
 * a child of the tracker's parent, so that shutdown can wait for them.
 */
export interface Tracker extends Disposable {
  /** The context every task receives: done when a shutdown's grace period runs out, on dispose, or with the parent. */
  readonly ctx: Context;
  /** How many tasks are running. */
  readonly size: number;
  /**
   * go runs `fn(ctx)` now (synchronously up to its first await) and tracks it
   * until it settles; its failure goes to `onError`. Returns false, without
   * running fn, once shutdown has begun or `ctx` is done.
   */
  go(fn: Task<unknown>): boolean;
  /**
   * shutdown refuses new tasks, waits up to `graceMs` for the running ones,
   * then cancels `ctx` and waits up to `cancelGraceMs` more; it resolves with
   * the outcome, and `ctx` is cancelled whatever it is. Later calls return the
   * first call's promise.
   */
  shutdown(options?: TrackerShutdownOptions): Promise<TrackerOutcome>;
  /** Cancels `ctx` with `Canceled` and refuses new tasks, as `using` does at the end of its block. */
  [Symbol.dispose](): void;
}

/** The one implementation of Tracker. */
class TaskTracker implements Tracker {
  readonly ctx: Context;
  readonly _cancel: CancelCauseFunc;
  private readonly _onError: ((error: unknown) => void) | undefined;
  private _size = 0;
  /** Set when shutdown begins (or on dispose): go() refuses tasks from then on. */
  _closed = false;
  private _shutdown: Promise<TrackerOutcome> | undefined;
  /** Called each time the tracker becomes idle while a shutdown waits. */
  private _idle: (() => void) | undefined;

  constructor(parent: Context, onError: ((error: unknown) => void) | undefined) {
    [this.ctx, this._cancel] = withCancelCause(parent);
    this._onError = onError;
  }

  get size(): number {
    return this._size;
  }

  go(fn: Task<unknown>): boolean {
    checkFunction('Tracker.go', 'fn', fn);
    if (this._closed || this.ctx.err() !== undefined) return false;
    this._size++;
    call(fn, this.ctx).then(
      () => this._ended(),
      (error: unknown) => {
        this._ended();
        if (this.ctx.err() === undefined || error !== cause(this.ctx)) this._report(error);
      },
    );
    return true;
  }

  shutdown(options?: TrackerShutdownOptions): Promise<TrackerOutcome> {
    const FN = 'Tracker.shutdown';
    const o = checkOptions(FN, 'options', options);
    const graceMs = checkMs(FN, 'options.graceMs', o.graceMs ?? 10_000);
    const cancelGraceMs = checkMs(FN, 'options.cancelGraceMs', o.cancelGraceMs ?? 1_000);
    this._shutdown ??= this._drain(graceMs, cancelGraceMs, o.cause);
    return this._shutdown;
  }

  declare [Symbol.dispose]: () => void;

  private async _drain(graceMs: number, cancelGraceMs: number, why: unknown): Promise<TrackerOutcome> {
    this._closed = true;
    let outcome: TrackerOutcome = 'drained';
    if (!(await this._idleWithin(graceMs))) {
      this._cancel(why);
      outcome = (await this._idleWithin(cancelGraceMs)) ? 'cancelled' : 'abandoned';
    }
    this._cancel(why);
    return outcome;
  }

  /** Resolves true once no task runs, or false after `ms` if some still do. */
  private _idleWithin(ms: number): Promise<boolean> {
    if (this._size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this._idle = undefined;
        resolve(false);
      }, timerDelay(ms));
      this._idle = () => {
        clearTimeout(timer);
        this._idle = undefined;
        resolve(true);
      };
    });
  }

  private _ended(): void {
    if (--this._size === 0) this._idle?.();
  }

  private _report(error: unknown): void {
    const onError = this._onError;
    queueMicrotask(
      onError === undefined
        ? () => {
            throw error;
          }
        : () => onError(error),
    );
  }
}

// Symbol.dispose where the host has it, its well-known stand-in where not.
(TaskTracker.prototype as unknown as Record<symbol, unknown>)[DISPOSE] = function dispose(this: TaskTracker): void {
  this._closed = true;
  this._cancel();
};

/**
 * withTracker returns a tracker for background work under a child of parent
 * (typically the service's lifetime context): tasks register with `go`, and
 * `shutdown` waits for them within a grace period, then cancels what is left.
 */
export function withTracker(parent: Context, options?: TrackerOptions): Tracker {
  checkParent('withTracker', 'parent', parent);
  const o = checkOptions('withTracker', 'options', options);
  const onError = checkOptionalFunction<(error: unknown) => void>('withTracker', 'options.onError', o.onError);
  return new TaskTracker(parent, onError);
}
