/**
 * query and execute: Go's QueryContext / ExecContext for mysql2's promise API.
 * One statement (text protocol, or a prepared statement) under a context, on a
 * Pool (a connection is borrowed for it) or on a connection the caller holds.
 */
import type { Connection, FieldPacket, Pool, PoolConnection, QueryOptions } from 'mysql2/promise';
import { cause, type Context } from '../index.js';
import { checkContext } from '../internal/check.js';
import { acquire, answer, guard, remainingMs, type Guarded, type Settlement } from '../internal/statements.js';
import { checkQueryable, checkStatement, type Queryable } from './check.js';
import { killQuery, type CoreConnection } from './kill.js';
import { isLimitError, limitStatement, restoreStatement } from './limit.js';

/** What mysql2 resolves a statement with: the rows (or result header) and the fields. */
export type Result<T> = [T, FieldPacket[]];
/** Values for a statement's placeholders: positional, or named (with namedPlaceholders). */
export type Values = unknown[] | Record<string, unknown>;
type Method = 'query' | 'execute';

/**
 * query runs one statement with mysql2's `query` (text protocol) under ctx and
 * resolves with mysql2's `[rows, fields]`.
 *
 * - ctx already done: rejects with cause(ctx) at once; nothing is borrowed or sent.
 * - ctx with a deadline: the session's max_statement_time (MariaDB) or
 *   max_execution_time (MySQL, read-only SELECTs only) is lowered to the time
 *   left for the statement and put back after it, so the server stops the
 *   statement even if this process dies.
 * - ctx ends while the statement runs: `KILL QUERY` for the connection's
 *   thread, from a separate connection. On a Pool, the promise rejects with
 *   cause(ctx) at once and the connection goes back to the pool only after the
 *   kill has been answered and the statement has ended (destroyed if that
 *   cannot be confirmed); on a connection the caller holds, the promise
 *   rejects with cause(ctx) once that is so.
 * - otherwise: mysql2's result, or its error unchanged.
 */
export async function query<T = any>(ctx: Context, db: Queryable, sql: string | QueryOptions, values?: Values): Promise<Result<T>> {
  return await run<T>('query', ctx, db, sql, values);
}

/** execute is `query` with mysql2's `execute`: a prepared statement (binary protocol), cached by mysql2 per SQL text. */
export async function execute<T = any>(ctx: Context, db: Queryable, sql: string | QueryOptions, values?: Values): Promise<Result<T>> {
  return await run<T>('execute', ctx, db, sql, values);
}

async function run<T>(method: Method, ctx: Context, db: Queryable, sql: string | QueryOptions, values: Values | undefined): Promise<Result<T>> {
  const fn = `mysql.${method}`;
  checkContext(fn, 'ctx', ctx);
  const kind = checkQueryable(fn, 'db', db);
  const statement = checkStatement(fn, sql, values);
  if (ctx.err() !== undefined) throw cause(ctx);
  if (kind === 'connection') return await onHeldConnection<T>(ctx, db as Connection, method, statement, values);
  const pool = db as Pool;
  const conn = await acquire(ctx, () => pool.getConnection(), (c) => c.release());
  const { result, settled, limited } = runGuarded<T>(ctx, conn, method, statement, values);
  return await answer(ctx, result, settled.then((s) => giveBack(conn, s, limited)));
}

/** A statement guarded on one connection, and whether it changed the session's limit. */
interface GuardedStatement<T> extends Guarded<Result<T>> {
  limited: boolean;
}

/** The core (callback-API) connection under a promise one. */
const coreOf = (conn: Connection): CoreConnection => (conn as unknown as { connection: CoreConnection }).connection;

function runGuarded<T>(ctx: Context, conn: Connection, method: Method, statement: string | QueryOptions, values: Values | undefined): GuardedStatement<T> {
  const ms = remainingMs(ctx);
  const send = () => (conn[method] as (s: string | QueryOptions, v?: Values) => Promise<Result<T>>).call(conn, statement, values);
  const work = ms === undefined ? send : () => withLimit(conn, ms, send);
  const guarded = guard(ctx, work, () => killQuery(coreOf(conn)), (error) => isLimitError(ctx, error));
  return { ...guarded, limited: ms !== undefined };
}

/** Runs send() with the session's limit lowered to ms, and puts it back. */
async function withLimit<T>(conn: Connection, ms: number, send: () => Promise<Result<T>>): Promise<Result<T>> {
  const core = coreOf(conn);
  await conn.query(limitStatement(core, ms));
  try {
    return await send();
  } finally {
    await conn.query(restoreStatement(core));
  }
}

/** On a held connection: the outcome once nothing of this statement can reach the connection any more. */
async function onHeldConnection<T>(ctx: Context, conn: Connection, method: Method, statement: string | QueryOptions, values: Values | undefined): Promise<Result<T>> {
  const { result, settled, limited } = runGuarded<T>(ctx, conn, method, statement, values);
  const s = await settled;
  // A kill that landed on the limit's own statements may have left it lowered.
  if (s.cancelled && limited) await conn.query(restoreStatement(coreOf(conn))).catch(() => undefined);
  return await result;
}

/**
 * Returns a borrowed connection to its pool once it is safe: the statement
 * has ended, any kill has been answered, the limit is put back. A connection
 * in doubt (kill unconfirmed, connection broken) is destroyed instead.
 */
async function giveBack(conn: PoolConnection, s: Settlement, limited: boolean): Promise<void> {
  try {
    const error = s.error as { fatal?: unknown; errno?: unknown } | null | undefined;
    if (s.cancelFailed || (s.failed && (error?.fatal === true || typeof error?.errno !== 'number'))) {
      conn.destroy();
      return;
    }
    if (s.cancelled && limited) await conn.query(restoreStatement(coreOf(conn)));
    conn.release();
  } catch {
    conn.destroy();
  }
}
