/**
 * transaction: Go's BeginTx for mysql2's promise API. START TRANSACTION …
 * COMMIT on a connection borrowed from a Pool, rolled back when the context
 * ends first.
 */
import type { Pool, PoolConnection, QueryOptions } from 'mysql2/promise';
import { cause, type Context } from '../index.js';
import { checkContext, checkFunction, checkOptions, fail } from '../internal/check.js';
import { acquire } from '../internal/statements.js';
import { runTransaction, type TxConnection } from '../internal/transaction.js';
import { checkQueryable, checkStatement } from './check.js';
import { killQuery, type CoreConnection } from './kill.js';
import { isLimitError, lowerStatement, restoreStatement, saveStatement } from './limit.js';
import type { Result, Values } from './query.js';

/** A transaction's handle, given to the function passed to `transaction`. */
export interface Transaction {
  /** query runs one statement (text protocol) in the transaction, under the transaction's context. */
  query<T = any>(sql: string | QueryOptions, values?: Values): Promise<Result<T>>;
  /** execute runs one prepared statement in the transaction, under the transaction's context. */
  execute<T = any>(sql: string | QueryOptions, values?: Values): Promise<Result<T>>;
}

/** TransactionOptions are Go's sql.TxOptions. */
export interface TransactionOptions {
  /** The isolation level. Default: the server's (repeatable read). */
  isolation?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';
  /** Start a READ ONLY transaction. Default: false. */
  readOnly?: boolean;
}

const ISOLATIONS = ['read uncommitted', 'read committed', 'repeatable read', 'serializable'];

/**
 * transaction borrows a connection from pool, starts a transaction, calls fn
 * with it, and runs COMMIT when fn's promise resolves (ROLLBACK when it
 * rejects, and fn's error is rethrown). Resolves with fn's value.
 *
 * Under ctx, as Go's BeginTx: a ctx already done rejects with cause(ctx) at
 * once; with a deadline, each statement runs with the session's
 * max_statement_time (MariaDB) / max_execution_time (MySQL) lowered to the
 * time left, put back at the end; when ctx ends before COMMIT is sent, the
 * running statement is stopped with KILL QUERY, the transaction is rolled
 * back, the promise rejects with cause(ctx) at once, and later statements on
 * the handle reject with cause(ctx). The connection goes back to the pool
 * after the rollback (destroyed if anything about it is in doubt). COMMIT
 * itself is not interrupted. Statements after the end reject with TxDoneError.
 */
export async function transaction<T>(ctx: Context, pool: Pool, fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
  checkContext('mysql.transaction', 'ctx', ctx);
  if (checkQueryable('mysql.transaction', 'pool', pool) !== 'pool') fail('mysql.transaction', 'pool', 'a mysql2 promise Pool', pool);
  checkFunction('mysql.transaction', 'fn', fn);
  const { isolation, readOnly } = checkOptions('mysql.transaction', 'options', options);
  if (isolation !== undefined && !ISOLATIONS.includes(isolation)) fail('mysql.transaction', 'options.isolation', `one of ${ISOLATIONS.map((i) => `'${i}'`).join(', ')}`, isolation);
  if (readOnly !== undefined && typeof readOnly !== 'boolean') fail('mysql.transaction', 'options.readOnly', 'a boolean', readOnly);
  if (ctx.err() !== undefined) throw cause(ctx);
  const conn = await acquire(ctx, () => pool.getConnection(), (c) => c.release());
  const begin = async (): Promise<void> => {
    const core = coreOf(conn);
    if (isolation !== undefined) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${isolation.toUpperCase()}`);
    await conn.query(`START TRANSACTION${readOnly ? ' READ ONLY' : ''}`);
    await conn.query(saveStatement(core));
  };
  return await runTransaction(ctx, connectionOf(ctx, conn, begin), (statement) => {
    const send = (method: 'query' | 'execute', sql: string | QueryOptions, values: Values | undefined) => {
      const checked = checkStatement(`mysql.Transaction.${method}`, sql, values);
      return statement(() => (conn[method] as (s: string | QueryOptions, v?: Values) => Promise<Result<any>>).call(conn, checked, values));
    };
    return fn({
      query: async (sql, values) => await send('query', sql, values),
      execute: async (sql, values) => await send('execute', sql, values),
    });
  });
}

/** The core (callback-API) connection under a promise one. */
const coreOf = (conn: PoolConnection): CoreConnection => (conn as unknown as { connection: CoreConnection }).connection;

/** The transaction's statements on a borrowed connection: the limit, COMMIT/ROLLBACK with the limit put back, KILL QUERY. */
function connectionOf(ctx: Context, conn: PoolConnection, begin: () => Promise<void>): TxConnection {
  return {
    begin,
    limit: (ms) => conn.query(lowerStatement(coreOf(conn), ms)),
    cancel: () => killQuery(coreOf(conn)),
    end: async (commit) => {
      await conn.query(commit ? 'COMMIT' : 'ROLLBACK');
      await conn.query(restoreStatement(coreOf(conn)));
    },
    release: (error) => (error === undefined ? conn.release() : conn.destroy()),
    isLimitError: (error) => isLimitError(ctx, error),
  };
}
