/**
 * The server-side limit for a statement run under a context with a deadline:
 * MariaDB's max_statement_time (seconds, every statement) or MySQL's
 * max_execution_time (milliseconds, read-only SELECTs only), lowered for the
 * session to the time the context has left (never raised above a shorter
 * limit already in force) and put back afterwards.
 */
import type { Context } from '../index.js';
import type { CoreConnection } from './kill.js';

/** The session variable that limits a statement on this server, and its unit in milliseconds. */
function variableOf(core: CoreConnection): { name: string; unitMs: number } {
  const version = core._handshakePacket?.serverVersion ?? '';
  return /mariadb/i.test(version) ? { name: 'max_statement_time', unitMs: 1000 } : { name: 'max_execution_time', unitMs: 1 };
}

/** The statement that saves the session's limit and lowers it to at most ms. */
export function limitStatement(core: CoreConnection, ms: number): string {
  const { name, unitMs } = variableOf(core);
  const limit = ms / unitMs;
  return `SET @ctxkit_saved_limit = @@session.${name}, @@session.${name} = IF(@@session.${name} > 0 AND @@session.${name} <= ${limit}, @@session.${name}, ${limit})`;
}

/** The statement that saves the session's limit, at the start of a transaction. */
export function saveStatement(core: CoreConnection): string {
  return `SET @ctxkit_saved_limit = @@session.${variableOf(core).name}`;
}

/** The statement that lowers the session's limit to at most ms, relative to the saved one (in a transaction). */
export function lowerStatement(core: CoreConnection, ms: number): string {
  const { name, unitMs } = variableOf(core);
  const limit = ms / unitMs;
  return `SET @@session.${name} = IF(@ctxkit_saved_limit > 0 AND @ctxkit_saved_limit <= ${limit}, @ctxkit_saved_limit, ${limit})`;
}

/** The statement that puts the session's saved limit back. */
export function restoreStatement(core: CoreConnection): string {
  return `SET @@session.${variableOf(core).name} = @ctxkit_saved_limit`;
}

/**
 * isLimitError tells whether a driver error is the server-side limit firing
 * after ctx's deadline (MariaDB 1969, MySQL 3024), not another cause.
 */
export function isLimitError(ctx: Context, error: unknown): boolean {
  const deadline = ctx.deadline();
  const errno = (error as { errno?: unknown } | null)?.errno;
  return deadline !== undefined && (errno === 1969 || errno === 3024) && Date.now() >= deadline.getTime() - 1;
}
