/**
 * withDeadline, withDeadlineCause, withTimeout and withTimeoutCause: contexts
 * cancelled with DeadlineExceeded when their deadline passes.
 */
import type { BaseContext } from '../base.js';
import type { CancelFunc, Context, ContextPair } from '../context.js';
import { formatDuration } from '../describe.js';
import { DeadlineExceeded } from '../errors.js';
import { cancelPair } from '../pair.js';
import { schedule, unschedule, type Scheduled } from '../scheduler.js';
import { checkParent, ownContext } from '../parent.js';
import { CancelNode, wire } from '../tree.js';
import { MAX_TIME, checkDeadline, checkTimeout } from '../validate.js';
import { plainChild } from './cancel.js';

/**
 * A node with its own deadline. It stays attached for its whole live life, so
 * an early cancellation of any ancestor also takes it out of the scheduler.
 */
class TimerContext extends CancelNode implements Scheduled {
  declare _deadline: number;
  _heapIndex = -1;

  /** deadlineCause is parked in `_cause` until the node is done (see CancelNode._cause). */
  constructor(parent: BaseContext, deadline: number, deadlineCause: unknown) {
    super(parent);
    this._deadline = deadline;
    this._cause = deadlineCause;
  }

  override _staysAttached(): boolean {
    return true;
  }
  override _onWired(): void {
    schedule(this);
  }
  _expire(): void {
    this._cancel(DeadlineExceeded, this._cause);
  }
  override _onDone(): void {
    unschedule(this);
  }
  _label(): string {
    const at = new Date(this._deadline).toISOString();
    return `WithDeadline(${at} [${formatDuration(this._deadline - Date.now())}])`;
  }
}

/** The shared path of the four constructors, after their arguments were checked. */
function deadlineChild(parent: BaseContext, at: number, now: number, cause: unknown): ContextPair<CancelFunc> {
  const inherited = parent._governor()?._deadline;
  // As in Go: under an earlier deadline, a child needs no timer of its own.
  if (inherited !== undefined && inherited < at) return cancelPair(plainChild(parent));
  const node = new TimerContext(parent, at, cause ?? DeadlineExceeded);
  wire(node, undefined, now);
  return cancelPair(node);
}

/** now + ms, clamped to the range of Date so deadline() and String(ctx) stay valid for any finite ms. */
function deadlineAfter(now: number, ms: number): number {
  return Math.min(Math.max(now + ms, -MAX_TIME), MAX_TIME);
}

/**
 * withDeadline returns a child of parent that is cancelled with DeadlineExceeded
 * at d (a Date or epoch milliseconds), when its cancel function is called, or
 * when parent is done, whichever comes first. If parent's deadline is earlier,
 * the child keeps parent's. A deadline at or before now gives a context that is
 * already done.
 */
export function withDeadline(parent: Context, d: Date | number): ContextPair<CancelFunc> {
  const p = checkParent('withDeadline', 'parent', parent);
  const at = checkDeadline('withDeadline', d);
  return deadlineChild(ownContext(p), at, Date.now(), undefined);
}

/** withDeadlineCause is withDeadline whose deadline reports `cause` from cause(ctx). */
export function withDeadlineCause(parent: Context, d: Date | number, cause: unknown): ContextPair<CancelFunc> {
  const p = checkParent('withDeadlineCause', 'parent', parent);
  const at = checkDeadline('withDeadlineCause', d);
  return deadlineChild(ownContext(p), at, Date.now(), cause);
}

/**
 * withTimeout is withDeadline(parent, now + ms). `ms <= 0` gives a context that
 * is already done; fractions of a millisecond are kept. A timeout beyond the
 * range of Date is clamped to the first or last representable instant.
 */
export function withTimeout(parent: Context, ms: number): ContextPair<CancelFunc> {
  const p = checkParent('withTimeout', 'parent', parent);
  checkTimeout('withTimeout', ms);
  const now = Date.now();
  return deadlineChild(ownContext(p), deadlineAfter(now, ms), now, undefined);
}

/** withTimeoutCause is withTimeout whose deadline reports `cause` from cause(ctx). */
export function withTimeoutCause(parent: Context, ms: number, cause: unknown): ContextPair<CancelFunc> {
  const p = checkParent('withTimeoutCause', 'parent', parent);
  checkTimeout('withTimeoutCause', ms);
  const now = Date.now();
  return deadlineChild(ownContext(p), deadlineAfter(now, ms), now, cause);
}
