/**
 * query: Go's QueryContext / ExecContext for node-postgres. One statement under
 * a context, on a Pool (a connection is borrowed for it) or on a client the
 * caller holds.
 */
import type { Client, Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { cause, type Context } from '../index.js';
import { checkContext } from '../internal/check.js';
import { neverEnds, onHeld, onPool, type Callback, type Settlement, type StatementDriver } from '../internal/statements.js';
import { sendCancelRequest, type Backend } from './cancel-request.js';
import { checkQueryable, checkStatement, type Queryable } from './check.js';
import { isLimitError, limitStatement, RESET_LIMIT } from './limit.js';

/**
 * query runs one statement under ctx and resolves with node-postgres's result.
 *
 * - ctx already done: rejects with cause(ctx) at once; nothing is borrowed or sent.
 * - ctx that can never end (background(), or values over it): the bare
 *   `db.query` call, nothing added.
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
export function query<R extends QueryResultRow = any>(ctx: Context, db: Queryable, text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>> {
  let kind: 'pool' | 'client';
  let config: string | QueryConfig;
  try {
    checkContext('pg.query', 'ctx', ctx);
    kind = checkQueryable('pg.query', 'db', db);
    config = checkStatement('pg.query', text, values);
  } catch (error) {
    return Promise.reject(error);
  }
  if (ctx.err() !== undefined) return Promise.reject(cause(ctx));
  if (neverEnds(ctx)) return (db as Pool).query<R>(config as QueryConfig);
  const driver = PG as StatementDriver<Pool, Client | PoolClient, string | QueryConfig, QueryResult<R>>;
  return kind === 'pool' ? onPool(ctx, driver, db as Pool, config) : onHeld(ctx, driver, db as Client, config);
}

/** How ctxkit/pg runs one statement: node-postgres's callbacks, a cancel request, statement_timeout. */
const PG: StatementDriver<Pool, Client | PoolClient, string | QueryConfig, QueryResult> = {
  borrow: (pool, done) => void pool.connect(done as (error: Error | undefined, client: PoolClient | undefined) => void),
  run(client, config, ms, done) {
    if (ms === undefined) client.query(config as QueryConfig, done as Callback<QueryResult>);
    else withLimit(client, config, ms).then((result) => done(undefined, result), done);
  },
  cancel: (client) => sendCancelRequest(client as unknown as Backend),
  finish,
  isLimitError,
};

/** Runs config with statement_timeout lowered to ms for the session, and puts it back. */
async function withLimit(client: Client | PoolClient, config: string | QueryConfig, ms: number): Promise<QueryResult> {
  await client.query(limitStatement(ms, false));
  let result: QueryResult;
  try {
    result = await client.query(config as QueryConfig);
  } catch (error) {
    // In the caller's failed transaction RESET fails too; its ROLLBACK undoes the limit.
    await client.query(RESET_LIMIT).catch(() => undefined);
    throw error;
  }
  await client.query(RESET_LIMIT);
  return result;
}

/**
 * After a statement: a borrowed client goes back to its pool, with the limit
 * undone if a cancel may have left it; a client in doubt (the cancel
 * unconfirmed, the connection broken) is destroyed instead. On a held client
 * only the limit is undone. Never rejects.
 */
function finish(client: Client | PoolClient, s: Settlement, pooled: boolean): void | Promise<void> {
  const reset = s.cancelled && s.limited;
  if (!pooled) return reset ? client.query(RESET_LIMIT).then(noop, noop) : undefined;
  const borrowed = client as PoolClient;
  if (s.cancelFailed) return borrowed.release(new Error('ctxkit/pg: a cancel request could not be confirmed'));
  if (s.failed && !isServerError(s.error)) return borrowed.release(s.error instanceof Error ? s.error : new Error(String(s.error)));
  if (!reset) return borrowed.release();
  return client.query(RESET_LIMIT).then(
    () => borrowed.release(),
    (error: Error) => borrowed.release(error),
  );
}

const noop = (): void => undefined;

/** A statement's error reported by the server (a SQLSTATE), after which the connection is still usable. */
function isServerError(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}
