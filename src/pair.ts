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
import { disposable, pairOf } from './internal/dispose.js';

function cancel(this: CancelNode): void {
  this._cancel(Canceled, Canceled);
}

function cancelWithCause(this: CancelNode, cause?: unknown): void {
  this._cancel(Canceled, cause ?? Canceled);
}

/** The `[ctx, cancel]` pair for a node: cancel reports Canceled. */
export function cancelPair(node: CancelNode): ContextPair<CancelFunc> {
  return pairOf(node, disposable(cancel.bind(node)) as CancelFunc);
}

/** The `[ctx, cancel]` pair for a node whose cancel function takes a cause. */
export function cancelCausePair(node: CancelNode): ContextPair<CancelCauseFunc> {
  return pairOf(node, disposable(cancelWithCause.bind(node)) as CancelCauseFunc);
}
