/**
 * ctxkit/mysql: Go's QueryContext and ExecContext for mysql2's promise API,
 * against MySQL and MariaDB.
 *
 * `query(ctx, db, sql, values)` and `execute(…)` run a statement on a Pool,
 * Connection or PoolConnection under a context: a context already done fails
 * at once, the deadline becomes the statement's server-side limit
 * (max_statement_time on MariaDB, max_execution_time for SELECTs on MySQL),
 * and the context's end stops the statement with KILL QUERY and rejects with
 * cause(ctx). `transaction(ctx, pool, fn)` is START TRANSACTION … COMMIT under
 * a context. A connection is never given back to the pool while a kill could
 * still reach it. mysql2 is an optional peer dependency, used only through the
 * objects you pass in. See docs/databases.md.
 */
export { execute, query, type Result, type Values } from './query.js';
export { transaction, type Transaction, type TransactionOptions } from './transaction.js';
export { TxDoneError } from '../internal/transaction.js';
export type { Queryable } from './check.js';
