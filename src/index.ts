/**
 * ctxkit: Go's context package for TypeScript.
 *
 * A Context carries cancellation, a deadline and request-scoped values down a
 * call tree. `background()` is the root; `withCancel`, `withTimeout`,
 * `withDeadline` and `withValue` derive children; cancelling a context cancels
 * every descendant. Every context exposes an AbortSignal, so it plugs into
 * fetch, fs, timers/promises and any API that takes a signal.
 */
export type { CancelCauseFunc, CancelFunc, Context, ContextKey, ContextPair } from './context.js';
export { Canceled, CanceledError, DeadlineExceeded, DeadlineExceededError } from './errors.js';
export { background, todo } from './kinds/background.js';
export { withCancel, withCancelCause } from './kinds/cancel.js';
export { withDeadline, withDeadlineCause, withTimeout, withTimeoutCause } from './kinds/deadline.js';
export { createKey, withValue } from './kinds/value.js';
export { withoutCancel } from './kinds/without-cancel.js';
export { withLinked } from './kinds/linked.js';
export { withSignal } from './kinds/signal.js';
export { afterFunc } from './after-func.js';
export { cause } from './cause.js';
export { isContext } from './internal/check.js';
export { race, runWithTimeout, sleep } from './async-helpers.js';
export { mapLimit, withGroup, type Group, type GroupOptions, type Task } from './group.js';
export { withTracker, type Tracker, type TrackerOptions, type TrackerOutcome, type TrackerShutdownOptions } from './tracker.js';
// Keeps the hot paths optimised across full garbage collections (see shapes.ts).
import './shapes.js';
