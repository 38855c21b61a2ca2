/**
 * ctxkit/testing: helpers for tests of code that takes a context.
 *
 * Deadlines need no special clock: ctxkit reads `Date.now`, `setTimeout` and
 * `clearTimeout` at each call, so the fake timers of Jest, Vitest, Sinon and
 * node:test drive them (see docs/testing.md for each).
 */
import { background, Canceled, type Context, DeadlineExceeded, withCancelCause, withDeadlineCause } from '../index.js';
import { pendingDeadlines as scheduled } from '../scheduler.js';

/**
 * pendingDeadlines returns how many contexts are waiting for their deadline.
 * Assert it is back to its starting value at the end of a test to prove that
 * the code under test cancelled every timeout it created.
 */
export function pendingDeadlines(): number {
  return scheduled();
}

/** canceledContext returns a context that is already cancelled, with `why` as its cause (Canceled by default). */
export function canceledContext(why: unknown = Canceled): Context {
  const [ctx, cancel] = withCancelCause(background());
  cancel(why);
  return ctx;
}

/** expiredContext returns a context whose deadline has already passed, with `why` as its cause (DeadlineExceeded by default). */
export function expiredContext(why: unknown = DeadlineExceeded): Context {
  return withDeadlineCause(background(), Date.now(), why)[0];
}
