/**
 * transaction: Go's BeginTx for node-postgres. BEGIN … COMMIT on a connection
 * borrowed from a Pool, rolled back when the context ends first.
 */
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { afterFunc, cause, type Context } from '../index.js';
import { checkContext, checkFunction, checkOptions, fail } from '../internal/check.js';
import { acquire, remainingMs } from '../internal/statements.js';
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

/** TxDoneError is what a Transaction's query rejects with once the transaction is over (Go's sql.ErrTxDone). */
export class TxDoneError extends Error {
  constructor() {
    super('ctxkit/pg: the transaction has already been committed or rolled back');
    this.name = 'TxDoneError';
  }
}

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
 * not interrupted, so its outcome is always the one reported.
 */
export async function transaction<T>(ctx: Context, pool: Pool, fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
  checkContext('pg.transaction', 'ctx', ctx);
  checkPool('pg.transaction', 'pool', pool);
  checkFunction('pg.transaction', 'fn', fn);
  const begin = beginStatement(checkOptions('pg.transaction', 'options', options));
  if (ctx.err() !== undefined) throw cause(ctx);
  const client = await acquire(ctx, () => pool.connect(), (c) => c.release());
  return await new Run<T>(ctx, client).execute(begin, fn);
}

/** The BEGIN statement for the options, checked. */
function beginStatement(options: TransactionOptions): string {
  const { isolation, readOnly } = options;
  if (isolation !== undefined && !ISOLATIONS.includes(isolation)) fail('pg.transaction', 'options.isolation', `one of ${ISOLATIONS.map((i) => `'${i}'`).join(', ')}`, isolation);
  if (readOnly !== undefined && typeof readOnly !== 'boolean') fail('pg.transaction', 'options.readOnly', 'a boolean', readOnly);
  return `BEGIN${isolation === undefined ? '' : ` ISOLATION LEVEL ${isolation.toUpperCase()}`}${readOnly ? ' READ ONLY' : ''}`;
}

/** One transaction on one borrowed client. */
class Run<T> {
  /** Set once COMMIT or ROLLBACK is decided; queries are refused from then on. */
  private over = false;
  /** Statements sent and not yet settled. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: Context,
    private readonly client: PoolClient,
  ) {}

  execute(begin: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = afterFunc(this.ctx, () => {
        reject(cause(this.ctx));
        void this.abandon();
      });
      const tx: Transaction = { query: (text, values) => this.query(text, values) };
      this.send(begin)
        .then(() => fn(tx))
        .then(
          async (value) => {
            if (!stop()) return;
            this.over = true;
            await this.drain();
            await this.finish('COMMIT');
            resolve(value);
          },
          async (error: unknown) => {
            if (!stop()) return;
            this.over = true;
            await this.drain();
            await this.finish('ROLLBACK').catch(() => undefined);
            reject(error);
          },
        )
        .catch(reject);
    });
  }

  /** A statement of the transaction, with the deadline's limit (SET LOCAL) before it. */
  private async query<R extends QueryResultRow>(text: string | QueryConfig, values: unknown[] | undefined): Promise<QueryResult<R>> {
    const config = checkStatement('pg.Transaction.query', text, values);
    if (this.ctx.err() !== undefined) throw cause(this.ctx);
    if (this.over) throw new TxDoneError();
    const ms = remainingMs(this.ctx);
    try {
      if (ms !== undefined) await this.send(limitStatement(ms, true));
      return await this.send<R>(config);
    } catch (error) {
      if (isLimitError(this.ctx, error)) await this.ctx.done();
      throw this.ctx.err() === undefined ? error : cause(this.ctx);
    }
  }

  /** Sends one statement and tracks it until it settles. */
  private send<R extends QueryResultRow>(statement: string | QueryConfig): Promise<QueryResult<R>> {
    const sent = this.client.query<R>(statement as QueryConfig);
    const untrack = (): void => void this.inflight.delete(tracked);
    const tracked: Promise<void> = sent.then(untrack, untrack);
    this.inflight.add(tracked);
    return sent;
  }

  /** Resolves once every statement sent has settled. */
  private async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }

  /** COMMIT or ROLLBACK, then the client goes back to the pool (destroyed if that failed). */
  private async finish(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    try {
      await this.client.query(statement);
    } catch (error) {
      this.client.release(error as Error);
      throw error;
    }
    this.client.release();
  }

  /** ctx ended before COMMIT: cancel what runs, wait until the cancel has landed, roll back. */
  private async abandon(): Promise<void> {
    this.over = true;
    let confirmed = true;
    if (this.inflight.size > 0) confirmed = await sendCancelRequest(this.client as unknown as Backend).then(() => true, () => false);
    await this.drain();
    if (!confirmed) this.client.release(new Error('ctxkit/pg: a cancel request could not be confirmed'));
    else await this.finish('ROLLBACK').catch(() => undefined);
  }
}
