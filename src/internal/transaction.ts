/**
 * A database transaction under a context (Go's BeginTx), for ctxkit/pg and
 * ctxkit/mysql: BEGIN, the caller's function, COMMIT; ROLLBACK when the
 * function throws or the context ends first. The drivers supply the
 * statements, the cancel and the connection's return to its pool.
 */
import { afterFunc, cause, type Context } from '../index.js';
import { remainingMs } from './statements.js';

/** TxDoneError is what a transaction's statements reject with once it is over (Go's sql.ErrTxDone). */
export class TxDoneError extends Error {
  constructor() {
    super('ctxkit: the transaction has already been committed or rolled back');
    this.name = 'TxDoneError';
  }
}

/** What a driver does for a transaction on the one connection it borrowed. */
export interface TxConnection {
  /** Starts the transaction. */
  begin(): Promise<unknown>;
  /** Lowers the server-side statement limit to ms for the rest of the transaction. */
  limit(ms: number): Promise<unknown>;
  /** Stops what the connection runs; resolves once the server has acted on it, rejects if that is unknown. */
  cancel(): Promise<void>;
  /** COMMIT (true) or ROLLBACK (false), undoing the limit. */
  end(commit: boolean): Promise<unknown>;
  /** Gives the connection back to its pool; with an error, destroys it. */
  release(error?: Error): void;
  /** Whether a driver error is the server-side limit firing at ctx's deadline. */
  isLimitError(error: unknown): boolean;
}

/**
 * runTransaction runs fn in a transaction on conn under ctx. fn gets
 * `statement(send)`, which runs one statement of the transaction (refused
 * with cause(ctx) once ctx is done and with TxDoneError once the transaction
 * is over), with the deadline's limit before it.
 *
 * When ctx ends before COMMIT is sent, the promise rejects with cause(ctx) at
 * once; in the background, what runs is cancelled, every statement sent is
 * waited for, and then ROLLBACK runs and the connection goes back (destroyed
 * if the cancel could not be confirmed or the rollback failed). COMMIT itself
 * is not interrupted.
 */
export function runTransaction<T>(ctx: Context, conn: TxConnection, fn: (statement: <R>(send: () => Promise<R>) => Promise<R>) => Promise<T>): Promise<T> {
  let over = false;
  const inflight = new Set<Promise<void>>();
  const track = <R>(sent: Promise<R>): Promise<R> => {
    const untrack = (): void => void inflight.delete(tracked);
    const tracked: Promise<void> = sent.then(untrack, untrack);
    inflight.add(tracked);
    return sent;
  };
  const drain = async (): Promise<void> => {
    while (inflight.size > 0) await Promise.all(inflight);
  };
  const finish = async (commit: boolean): Promise<void> => {
    try {
      await conn.end(commit);
    } catch (error) {
      conn.release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    conn.release();
  };
  const statement = async <R>(send: () => Promise<R>): Promise<R> => {
    if (ctx.err() !== undefined) throw cause(ctx);
    if (over) throw new TxDoneError();
    const ms = remainingMs(ctx);
    try {
      if (ms !== undefined) await track(conn.limit(ms));
      return await track(send());
    } catch (error) {
      if (conn.isLimitError(error)) await ctx.done();
      throw ctx.err() === undefined ? error : cause(ctx);
    }
  };
  const abandon = async (): Promise<void> => {
    over = true;
    const confirmed = inflight.size === 0 || (await conn.cancel().then(() => true, () => false));
    await drain();
    if (!confirmed) conn.release(new Error('ctxkit: a cancel could not be confirmed'));
    else await finish(false).catch(() => undefined);
  };
  return new Promise<T>((resolve, reject) => {
    const stop = afterFunc(ctx, () => {
      reject(cause(ctx));
      void abandon();
    });
    track(conn.begin())
      .then(() => fn(statement))
      .then(
        async (value) => {
          if (!stop()) return;
          over = true;
          await drain();
          await finish(true);
          resolve(value);
        },
        async (error: unknown) => {
          if (!stop()) return;
          over = true;
          await drain();
          await finish(false).catch(() => undefined);
          reject(error);
        },
      )
      .catch(reject);
  });
}
