/**
 * query and execute: Go's QueryContext / ExecContext for mysql2's promise API.
 * One statement (text protocol, or a prepared statement) under a context, on a
 * Pool (a connection is borrowed for it) or on a connection the caller holds.
 */
import type { FieldPacket, Pool, QueryOptions } from 'mysql2/promise';
import { cause, type Context } from '../index.js';
import { checkContext } from '../internal/check.js';
import { neverEnds, onHeld, onPool, type Callback, type Settlement, type StatementDriver } from '../internal/statements.js';
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
 * - ctx that can never end (background(), or values over it): the bare
 *   `db.query` call, nothing added.
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
export function query<T = any>(ctx: Context, db: Queryable, sql: string | QueryOptions, values?: Values): Promise<Result<T>> {
  return run<T>('query', ctx, db, sql, values);
}

/** execute is `query` with mysql2's `execute`: a prepared statement (binary protocol), cached by mysql2 per SQL text. */
export function execute<T = any>(ctx: Context, db: Queryable, sql: string | QueryOptions, values?: Values): Promise<Result<T>> {
  return run<T>('execute', ctx, db, sql, values);
}

/** A statement as ctxkit/mysql sends it on a core connection. */
interface Job {
  method: Method;
  sql: string | QueryOptions;
  values: Values | undefined;
}

/** The parts of mysql2's callback API used here: a core connection and a core pool. */
interface Core extends CoreConnection {
  query(sql: string | QueryOptions, ...rest: unknown[]): unknown;
  execute(sql: string | QueryOptions, ...rest: unknown[]): unknown;
  release(): void;
  destroy(): void;
}
interface CorePool {
  getConnection(done: (error: unknown, conn?: Core) => void): void;
}

function run<T>(method: Method, ctx: Context, db: Queryable, sql: string | QueryOptions, values: Values | undefined): Promise<Result<T>> {
  const fn = `mysql.${method}`;
  let kind: 'pool' | 'connection';
  let statement: string | QueryOptions;
  try {
    checkContext(fn, 'ctx', ctx);
    kind = checkQueryable(fn, 'db', db);
    statement = checkStatement(fn, sql, values);
  } catch (error) {
    return Promise.reject(error);
  }
  if (ctx.err() !== undefined) return Promise.reject(cause(ctx));
  if (neverEnds(ctx)) return ((db as Pool)[method] as (s: string | QueryOptions, v?: Values) => Promise<Result<T>>).call(db, statement, values);
  const job: Job = { method, sql: statement, values };
  const driver = MYSQL as StatementDriver<CorePool, Core, Job, Result<T>>;
  return kind === 'pool' ? onPool(ctx, driver, (db as unknown as { pool: CorePool }).pool, job) : onHeld(ctx, driver, (db as unknown as { connection: Core }).connection, job);
}

/** How ctxkit/mysql runs one statement: mysql2's callback API under the promise one, KILL QUERY, the session's limit. */
const MYSQL: StatementDriver<CorePool, Core, Job, Result<unknown>> = {
  borrow: (pool, done) => pool.getConnection(done),
  run(core, job, ms, done) {
    if (ms === undefined) send(core, job, done);
    else withLimit(core, job, ms, done);
  },
  cancel: killQuery,
  finish,
  isLimitError,
};

/** Sends job on core; done gets mysql2's `[rows, fields]`. */
function send(core: Core, job: Job, done: Callback<Result<unknown>>): void {
  const callback = (error: unknown, rows?: unknown, fields?: FieldPacket[]): void => done(error, [rows, fields as FieldPacket[]]);
  if (job.values === undefined) core[job.method](job.sql, callback);
  else core[job.method](job.sql, job.values, callback);
}

/** Runs one statement of our own on core (the limit, putting it back). */
function ask(core: Core, sql: string, done: (error: unknown) => void): void {
  core.query(sql, done);
}

/** Sends job with the session's limit lowered to ms, and puts the limit back. */
function withLimit(core: Core, job: Job, ms: number, done: Callback<Result<unknown>>): void {
  ask(core, limitStatement(core, ms), (error) => {
    if (error !== null && error !== undefined) return done(error);
    send(core, job, (failure, result) => ask(core, restoreStatement(core), (restoreError) => done(failure ?? restoreError, result)));
  });
}

/**
 * After a statement: a borrowed connection goes back to its pool, with the
 * limit put back if a kill may have left it lowered; one in doubt (the kill
 * unconfirmed, the connection broken) is destroyed instead. On a held
 * connection only the limit is put back. Never rejects.
 */
function finish(core: Core, s: Settlement, pooled: boolean): void | Promise<void> {
  const restore = s.cancelled && s.limited;
  if (!pooled) return restore ? new Promise((resolve) => ask(core, restoreStatement(core), () => resolve())) : undefined;
  const error = s.error as { fatal?: unknown; errno?: unknown } | null | undefined;
  if (s.cancelFailed || (s.failed && (error?.fatal === true || typeof error?.errno !== 'number'))) return core.destroy();
  if (!restore) return core.release();
  return new Promise((resolve) =>
    ask(core, restoreStatement(core), (restoreError) => {
      if (restoreError === null || restoreError === undefined) core.release();
      else core.destroy();
      resolve();
    }),
  );
}
