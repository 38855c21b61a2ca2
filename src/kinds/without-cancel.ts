/**
 * withoutCancel: keep a parent's values, drop its cancellation and deadline.
 */
import type { Context } from '../context.js';
import { parentContext } from '../parent.js';
import { PassThroughContext } from './passthrough.js';

/** A context that sees its parent's values and nothing else of it. */
class WithoutCancelContext extends PassThroughContext {
  _label(): string {
    return 'WithoutCancel';
  }
}

/**
 * withoutCancel returns a context that carries parent's values but is never
 * cancelled when parent is, and has no deadline: for work that must outlive the
 * request that started it (audit logs, cleanup).
 */
export function withoutCancel(parent: Context): Context {
  return new WithoutCancelContext(parentContext('withoutCancel', 'parent', parent), null);
}
