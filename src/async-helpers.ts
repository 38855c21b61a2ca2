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
import { internalContext } from './kinds/foreign.js';
import { checkFunction, checkTimeout } from './validate.js';

/**
 * sleep resolves after `ms` milliseconds, or rejects with `cause(ctx)` as soon
 * as ctx is done, whichever comes first. Its timer is released either way. It
 * runs on ctxkit's deadline scheduler, so delays beyond 2^31-1 ms are honoured
 * and fake timers drive it.
 */
export function sleep(ctx: Context, ms: number): Promise<void> {
  checkTimeout('sleep', ms);
  const [timer, release] = withTimeout(internalContext('sleep', 'ctx', ctx), ms);
  return new Promise<void>((resolve, reject) => {
    afterFunc(timer, () => {
      release();
      if (ctx.err() === undefined) resolve();
      else reject(cause(ctx));
    });
  });
}

/**
 * race settles like `promise`, or rejects with `cause(ctx)` if ctx is done first
 * (at once if it already is). It does not stop the work behind `promise`: pass
 * `ctx.signal` to that work as well. A rejection of `promise` after ctx won is
 * handled, never reported as unhandled.
 */
export function race<T>(ctx: Context, promise: PromiseLike<T> | T): Promise<T> {
  internalContext('race', 'ctx', ctx);
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
 * the deadline, even when fn ignores its context.
 */
export async function runWithTimeout<T>(parent: Context, ms: number, fn: (ctx: Context) => PromiseLike<T> | T): Promise<T> {
  checkFunction('runWithTimeout', 'fn', fn);
  checkTimeout('runWithTimeout', ms);
  const [ctx, cancel] = withTimeout(internalContext('runWithTimeout', 'parent', parent), ms);
  try {
    return await race(ctx, fn(ctx));
  } finally {
    cancel();
  }
}
