/**
 * The server-side limit for a statement run under a context with a deadline:
 * PostgreSQL's statement_timeout, lowered to the time the context has left
 * (never raised above a shorter limit already in force), so the server ends
 * the statement by itself even if this process dies.
 */
import type { Context } from '../index.js';

/**
 * The statement that sets statement_timeout to at most `ms`: for the session
 * (undone with RESET_LIMIT) or, with `local`, for the current transaction.
 */
export function limitStatement(ms: number, local: boolean): string {
  // current_setting gives the limit with its unit ('0', '300ms', '5s', '2min'): as an interval, in ms.
  return (
    `SELECT set_config('statement_timeout', CASE WHEN t > 0 AND t <= ${ms} THEN t::text ELSE '${ms}' END, ${local}) ` +
    `FROM (SELECT (extract(epoch FROM current_setting('statement_timeout')::interval) * 1000)::bigint AS t) AS current`
  );
}

/** Puts statement_timeout back to the session's own value. */
export const RESET_LIMIT = 'RESET statement_timeout';

/**
 * isLimitError tells whether a driver error is a cancelled statement
 * (SQLSTATE 57014) after ctx's deadline: the server-side limit firing, not
 * another cause.
 */
export function isLimitError(ctx: Context, error: unknown): boolean {
  const deadline = ctx.deadline();
  return deadline !== undefined && (error as { code?: unknown } | null)?.code === '57014' && Date.now() >= deadline.getTime() - 1;
}
