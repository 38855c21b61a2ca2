/**
 * Cancel functions and `[ctx, cancel]` pairs for contexts whose cancellation
 * must also undo what an adapter set up (listeners on a request, on the
 * process). They are Disposable like the core's, so `using` ends them.
 */
import type { CancelCauseFunc, CancelFunc, Context, ContextPair } from '../index.js';

/** Symbol.dispose, or the well-known stand-in where the runtime lacks it (as the core does). */
const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

/** disposable makes `f` Disposable: disposing it calls it. */
export function disposable<F extends (cause?: unknown) => void>(f: F): F & Disposable {
  (f as unknown as Record<symbol, F>)[DISPOSE] = f;
  return f as F & Disposable;
}

/** pairOf returns the `[ctx, cancel]` pair, Disposable through cancel. */
export function pairOf<F extends CancelFunc | CancelCauseFunc>(ctx: Context, cancel: F): ContextPair<F> {
  const pair = [ctx, cancel] as unknown as ContextPair<F> & Record<symbol, F>;
  pair[DISPOSE] = cancel;
  return pair;
}
