/**
 * Disposable cancel functions and `[ctx, cancel]` pairs, for the core and for
 * every subpath whose cancellation must also undo what it set up: `using` a
 * pair or a cancel function calls the cancel function, as Go's `defer cancel()`.
 */
import type { CancelCauseFunc, CancelFunc, Context, ContextPair } from '../context.js';

/** Symbol.dispose, or the well-known stand-in where the runtime lacks it. */
export const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

/** Symbol.asyncDispose, or the well-known stand-in where the runtime lacks it. */
export const ASYNC_DISPOSE: symbol = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('Symbol.asyncDispose');

/** disposable makes f Disposable (disposing it calls it) and returns it. */
export function disposable<F extends Function>(f: F): F & Disposable {
  (f as unknown as Record<symbol, F>)[DISPOSE] = f;
  return f as F & Disposable;
}

/** pairOf returns the `[ctx, cancel]` pair, Disposable through cancel. */
export function pairOf<F extends CancelFunc | CancelCauseFunc>(ctx: Context, cancel: F): ContextPair<F> {
  const pair = [ctx, cancel] as unknown as ContextPair<F> & Record<symbol, F>;
  pair[DISPOSE] = cancel;
  return pair;
}
