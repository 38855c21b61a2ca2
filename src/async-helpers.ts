/**
 * Async helpers a Go programmer reaches for, each aware of cancellation and
 * free of leaks on a long-lived context: every registration they make on the
 * context is removed as soon as they settle, so calling them a million times
 * on one context leaves nothing behind (unlike a bare Promise.race on done()).
 */
import { afterFunc } from './after-func.js';
import { cause } from './cause.js';
import type { Context } from './context.js';
import { withTimeout } from './kinds/deadline.js';
import { checkFunction } from './internal/check.js';
import { checkParent } from './parent.js';
import { timerDelay } from './internal/host.js';
import { checkTimeout } from './validate.js';

/**
 * sleep resolves after `ms` milliseconds, or rejects with `cause(ctx)` as soon
 * as ctx is done, whichever comes first; its timer is cleared either way. Like
 * timers/promises' setTimeout, a pending sleep keeps the process alive (unlike
 * a context's own deadline). Delays beyond 2^31-1 ms are honoured, and
 * `setTimeout` and `Date.now` are read at call time, so fake timers drive it.
 */
export function sleep(ctx: Context, ms: number): Promise<void> {
  checkParent('sleep', 'ctx', ctx);
  checkTimeout('sleep', ms);
  const wakeAt = Date.now() + ms;
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = afterFunc(ctx, () => {
      clearTimeout(timer);
      reject(cause(ctx));
    });
    const arm = (delay: number): void => {
      timer = setTimeout(() => {
        const left = wakeAt - Date.now();
        if (left > 0) arm(left);
        else if (stop()) resolve();
      }, timerDelay(delay));
    };
    arm(ms);
  });
}

/**
 * race settles like `promise`, or rejects with `cause(ctx)` if ctx is done first
 * (at once if it already is). It does not stop the work behind `promise`: pass
 * `ctx.signal` to that work as well. A rejection of `promise` after ctx won is
 * handled, never reported as unhandled.
 */
export function race<T>(ctx: Context, promise: PromiseLike<T> | T): Promise<T> {
  checkParent('race', 'ctx', ctx);
  return new Promise<T>((resolve, reject) => {
    const stop = afterFunc(ctx, () => reject(cause(ctx)));
    Promise.resolve(promise).then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/**
 * runWithTimeout runs `fn` with a child of parent that has `ms` more to live,
 * and always cancels that child when fn settles: Go's
 * `ctx, cancel := context.WithTimeout(parent, d); defer cancel()` in one call.
 * It rejects with the child's cause (DeadlineExceeded) if fn has not settled by
 * the deadline, even when fn ignores its context; until then it keeps the
 * process alive, as a pending timer does, so that promise always settles.
 */
export async function runWithTimeout<T>(parent: Context, ms: number, fn: (ctx: Context) => PromiseLike<T> | T): Promise<T> {
  checkParent('runWithTimeout', 'parent', parent);
  checkTimeout('runWithTimeout', ms);
  checkFunction('runWithTimeout', 'fn', fn);
  const [ctx, cancel] = withTimeout(parent, ms);
  // The child's deadline alone would not keep the process alive (see the scheduler).
  const keepAlive = setTimeout(keepWaiting, timerDelay(ms));
  try {
    return await race(ctx, fn(ctx));
  } finally {
    clearTimeout(keepAlive);
    cancel();
  }
}

function keepWaiting(): void {}
