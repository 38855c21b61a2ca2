/**
 * withCancel and withCancelCause: the plain cancellable context.
 */
import type { CancelCauseFunc, CancelFunc, Context, ContextPair } from '../context.js';
import { cancelCausePair, cancelPair } from '../pair.js';
import { CancelNode, adoptOwnerState } from '../tree.js';
import type { BaseContext } from '../base.js';
import { internalContext } from './foreign.js';

/**
 * The plain cancellable node. It holds no deadline of its own and is attached to
 * its parent only while something observes it (tree.ts, invariant 3).
 */
class CancelContext extends CancelNode {
  override _releasable(): boolean {
    return true;
  }
  _label(): string {
    return 'WithCancel';
  }
}

/** A new plain node under parent, starting from what is known of the parent now. */
export function plainChild(parent: BaseContext): CancelContext {
  const node = new CancelContext(parent);
  adoptOwnerState(node, parent._governor());
  return node;
}

/**
 * withCancel returns a child of parent and a function that cancels it. The child
 * is done when cancel is called or when parent is done, whichever happens first.
 * Always call cancel (or `using` the pair) once the work is finished.
 */
export function withCancel(parent: Context): ContextPair<CancelFunc> {
  return cancelPair(plainChild(internalContext('withCancel', 'parent', parent)));
}

/**
 * withCancelCause is withCancel whose cancel function records a cause, which
 * `cause(ctx)` reports; `err()` is still Canceled.
 */
export function withCancelCause(parent: Context): ContextPair<CancelCauseFunc> {
  return cancelCausePair(plainChild(internalContext('withCancelCause', 'parent', parent)));
}
