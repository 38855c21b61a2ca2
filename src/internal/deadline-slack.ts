/**
 * Telling a call that its deadline ended from one whose client went away,
 * when the transport reports both the same way (a stream closed, a signal
 * aborted) and its own deadline timer may fire a little before the clock
 * reaches the deadline.
 */
import type { Context } from '../context.js';

/** How close to its deadline (in milliseconds) a call must end to count as ended by it. */
export const DEADLINE_SLACK_MS = 100;

/**
 * nearDeadline tells whether ctx's deadline is at most DEADLINE_SLACK_MS away
 * (or past): a transport ending the call now is taken to have ended it at the
 * deadline, and ctx's own timer reports it, as DeadlineExceeded, an instant later.
 */
export function nearDeadline(ctx: Context): boolean {
  const deadline = ctx.deadline();
  return deadline !== undefined && deadline.getTime() - Date.now() <= DEADLINE_SLACK_MS;
}
