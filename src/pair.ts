/**
 * Cancel functions and the `[ctx, cancel]` pairs, both Disposable.
 *
 * A cancel function is its node's method bound to the node: the smallest
 * function V8 can make (48 bytes, no closure scope). Its Symbol.dispose is the
 * function itself, so `using` costs no extra function either.
 */
import type { CancelCauseFunc, CancelFunc, ContextPair } from './context.js';
import { Canceled } from './errors.js';
import type { CancelNode } from './tree.js';

/** Symbol.dispose, or the well-known stand-in where the runtime lacks it. */
export const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

function cancel(this: CancelNode): void {
  this._cancel(Canceled, Canceled);
}

function cancelWithCause(this: CancelNode, cause?: unknown): void {
  this._cancel(Canceled, cause ?? Canceled);
}

function disposable<F extends Function>(f: F): F {
  (f as unknown as Record<symbol, F>)[DISPOSE] = f;
  return f;
}

/** The `[ctx, cancel]` pair for a node: cancel reports Canceled. */
export function cancelPair(node: CancelNode): ContextPair<CancelFunc> {
  return pairOf(node, disposable(cancel.bind(node)) as CancelFunc);
}

/** The `[ctx, cancel]` pair for a node whose cancel function takes a cause. */
export function cancelCausePair(node: CancelNode): ContextPair<CancelCauseFunc> {
  return pairOf(node, disposable(cancelWithCause.bind(node)) as CancelCauseFunc);
}

function pairOf<F extends CancelFunc | CancelCauseFunc>(node: CancelNode, f: F): ContextPair<F> {
  const pair = [node, f] as unknown as ContextPair<F> & Record<symbol, F>;
  pair[DISPOSE] = f;
  return pair;
}
