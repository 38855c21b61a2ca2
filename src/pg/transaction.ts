/**
 * transaction: Go's BeginTx for node-postgres. BEGIN … COMMIT on a connection
 * borrowed from a Pool, rolled back when the context ends first.
 */
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { cause, type Context } from '../index.js';
import { checkContext, checkFunction, checkOptions, fail } from '../internal/check.js';
import { acquire } from '../internal/statements.js';
import { runTransaction, type TxConnection } from '../internal/transaction.js';
import { sendCancelRequest, type Backend } from './cancel-request.js';
import { checkPool, checkStatement } from './check.js';
import { isLimitError, limitStatement } from './limit.js';

/** A transaction's handle, given to the function passed to `transaction`. */
export interface Transaction {
  /** query runs one statement in the transaction, under the transaction's context (see `query`). */
  query<R extends QueryResultRow = any>(text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>>;
}

/** TransactionOptions are Go's sql.TxOptions. */
export interface TransactionOptions {
  /** The isolation level. Default: the server's (read committed). */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Start a READ ONLY transaction. Default: false. */
  readOnly?: boolean;
}

const ISOLATIONS = ['read committed', 'repeatable read', 'serializable'];

/**
 * transaction borrows a connection from pool, runs BEGIN, calls fn with the
 * transaction, and runs COMMIT when fn's promise resolves (ROLLBACK when it
 * rejects, and fn's error is rethrown). Resolves with fn's value.
 *
 * Under ctx, as Go's BeginTx: a ctx already done rejects with cause(ctx) at
 * once; with a deadline, each statement runs with statement_timeout lowered
 * (SET LOCAL) to the time left; when ctx ends before COMMIT is sent, the
 * running statement is cancelled on the server, the transaction is rolled
 * back, the promise rejects with cause(ctx) at once, and later queries on the
 * handle reject with cause(ctx). The connection goes back to the pool after
 * the rollback (destroyed if anything about it is in doubt). COMMIT itself is
 * not interrupted, so its outcome is always the one reported. Statements
 * after the end reject with TxDoneError.
 */
export async function transaction<T>(ctx: Context, pool: Pool, fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
  checkContext('pg.transaction', 'ctx', ctx);
  checkPool('pg.transaction', 'pool', pool);
  checkFunction('pg.transaction', 'fn', fn);
  const begin = beginStatement(checkOptions('pg.transaction', 'options', options));
  if (ctx.err() !== undefined) throw cause(ctx);
  const client = await acquire(ctx, () => pool.connect(), (c) => c.release());
  return await runTransaction(ctx, connectionOf(ctx, client, begin), (statement) =>
    fn({
      query: async <R extends QueryResultRow>(text: string | QueryConfig, values?: unknown[]) => {
        const config = checkStatement('pg.Transaction.query', text, values);
        return await statement(() => client.query<R>(config as QueryConfig));
      },
    }),
  );
}

/** The transaction's statements on a borrowed client: BEGIN, SET LOCAL statement_timeout, COMMIT/ROLLBACK, a cancel request. */
function connectionOf(ctx: Context, client: PoolClient, begin: string): TxConnection {
  return {
    begin: () => client.query(begin),
    limit: (ms) => client.query(limitStatement(ms, true)),
    cancel: () => sendCancelRequest(client as unknown as Backend),
    end: (commit) => client.query(commit ? 'COMMIT' : 'ROLLBACK'),
    release: (error) => client.release(error),
    isLimitError: (error) => isLimitError(ctx, error),
  };
}

/** The BEGIN statement for the options, checked. */
function beginStatement(options: TransactionOptions): string {
  const { isolation, readOnly } = options;
  if (isolation !== undefined && !ISOLATIONS.includes(isolation)) fail('pg.transaction', 'options.isolation', `one of ${ISOLATIONS.map((i) => `'${i}'`).join(', ')}`, isolation);
  if (readOnly !== undefined && typeof readOnly !== 'boolean') fail('pg.transaction', 'options.readOnly', 'a boolean', readOnly);
  return `BEGIN${isolation === undefined ? '' : ` ISOLATION LEVEL ${isolation.toUpperCase()}`}${readOnly ? ' READ ONLY' : ''}`;
}
