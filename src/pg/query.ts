/**
 * query: Go's QueryContext / ExecContext for node-postgres. One statement under
 * a context, on a Pool (a connection is borrowed for it) or on a client the
 * caller holds.
 */
import type { Client, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { cause, type Context } from '../index.js';
import { checkContext } from '../internal/check.js';
import { acquire, answer, guard, remainingMs, type Guarded, type Settlement } from '../internal/statements.js';
import { sendCancelRequest, type Backend } from './cancel-request.js';
import { checkQueryable, checkStatement, type Queryable } from './check.js';
import { isLimitError, limitStatement, RESET_LIMIT } from './limit.js';

/**
 * query runs one statement under ctx and resolves with node-postgres's result.
 *
 * - ctx already done: rejects with cause(ctx) at once; nothing is borrowed or sent.
 * - ctx with a deadline: the statement runs with statement_timeout lowered to
 *   the time left, so the server stops it even if this process dies.
 * - ctx ends while the statement runs: a cancel request stops it on the server.
 *   On a Pool, the promise rejects with cause(ctx) at once and the connection
 *   goes back to the pool only after the cancel has landed and the statement
 *   has ended (it is discarded if that cannot be confirmed). On a client the
 *   caller holds, the promise rejects with cause(ctx) once that is so, so the
 *   caller's next statement can never be hit by this cancel.
 * - otherwise: node-postgres's result, or its error unchanged.
 *
 * `text` is SQL or a node-postgres QueryConfig (`name` for a prepared
 * statement, `rowMode`, `types`); `values` fill its $1, $2, ….
 */
export async function query<R extends QueryResultRow = any>(ctx: Context, db: Queryable, text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>> {
  checkContext('pg.query', 'ctx', ctx);
  const kind = checkQueryable('pg.query', 'db', db);
  const config = checkStatement('pg.query', text, values);
  if (ctx.err() !== undefined) throw cause(ctx);
  if (kind === 'client') return await onHeldClient<R>(ctx, db as Client, config);
  const pool = db as import('pg').Pool;
  const client = await acquire(ctx, () => pool.connect(), (c) => c.release());
  const { result, settled, limited } = runGuarded<R>(ctx, client, config);
  return await answer(ctx, result, settled.then((s) => giveBack(client, s, limited)));
}

/** A statement guarded on one client, and whether it changed statement_timeout. */
interface GuardedStatement<R extends QueryResultRow> extends Guarded<QueryResult<R>> {
  limited: boolean;
}

/** Runs config on client under ctx (with the deadline's limit), cancelled on the server when ctx ends. */
function runGuarded<R extends QueryResultRow>(ctx: Context, client: Client | PoolClient, config: string | QueryConfig): GuardedStatement<R> {
  const ms = remainingMs(ctx);
  const work = ms === undefined ? () => client.query<R>(config as QueryConfig) : () => withLimit<R>(client, config, ms);
  const guarded = guard(ctx, work, () => sendCancelRequest(client as unknown as Backend), (error) => isLimitError(ctx, error));
  return { ...guarded, limited: ms !== undefined };
}

/** Runs config with statement_timeout lowered to ms for the session, and puts it back. */
async function withLimit<R extends QueryResultRow>(client: Client | PoolClient, config: string | QueryConfig, ms: number): Promise<QueryResult<R>> {
  await client.query(limitStatement(ms, false));
  let result: QueryResult<R>;
  try {
    result = await client.query<R>(config as QueryConfig);
  } catch (error) {
    // In the caller's failed transaction RESET fails too; its ROLLBACK undoes the limit.
    await client.query(RESET_LIMIT).catch(() => undefined);
    throw error;
  }
  await client.query(RESET_LIMIT);
  return result;
}

/** On a held client: the outcome once nothing of this statement can reach the client any more. */
async function onHeldClient<R extends QueryResultRow>(ctx: Context, client: Client, config: string | QueryConfig): Promise<QueryResult<R>> {
  const { result, settled, limited } = runGuarded<R>(ctx, client, config);
  const s = await settled;
  // A cancel that landed on the limit's own statements may have left it set.
  if (s.cancelled && limited) await client.query(RESET_LIMIT).catch(() => undefined);
  return await result;
}

/**
 * Returns a borrowed client to its pool once it is safe: the statement has
 * ended, any cancel has landed, the limit is undone. A client in doubt (the
 * cancel unconfirmed, the connection broken) is destroyed instead.
 */
export async function giveBack(client: PoolClient, s: Settlement, limited: boolean): Promise<void> {
  try {
    if (s.cancelFailed) throw new Error('ctxkit/pg: a cancel request could not be confirmed');
    if (s.failed && !isServerError(s.error)) throw s.error;
    if (s.cancelled && limited) await client.query(RESET_LIMIT);
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : new Error(String(error)));
  }
}

/** A statement's error reported by the server (a SQLSTATE), after which the connection is still usable. */
function isServerError(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}
