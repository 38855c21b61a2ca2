/**
 * cause(ctx): why a context is done.
 */
import { BaseContext } from './base.js';
import type { Context } from './context.js';
import { fail, isContext } from './internal/check.js';

/**
 * cause returns why ctx is done: undefined while it is live; the cause given to
 * a withCancelCause cancel function (its err() when none was given); for a
 * deadline, DeadlineExceeded or the cause given to withDeadlineCause /
 * withTimeoutCause; for a context cancelled by an ancestor, that ancestor's
 * cause. For a context not made by ctxkit: its signal's reason once it is done,
 * else its err().
 */
export function cause(ctx: Context): unknown {
  if (ctx instanceof BaseContext) {
    const node = ctx._governor();
    return node === null || node.err() === undefined ? undefined : node._cause;
  }
  if (!isContext(ctx)) fail('cause', 'ctx', 'a Context', ctx);
  const err = ctx.err();
  if (err === undefined) return undefined;
  const signal = ctx.signal;
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  return reason ?? err;
}
