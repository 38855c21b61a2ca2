/**
 * ctxkit/pg: Go's QueryContext, ExecContext and BeginTx for node-postgres.
 *
 * `query(ctx, db, text, values)` runs a statement on a Pool, Client or
 * PoolClient under a context: a context already done fails at once, the
 * deadline becomes the statement's statement_timeout on the server, and the
 * context's end cancels the statement on the server (a cancel request for its
 * backend) and rejects with cause(ctx). A connection is never given back to the
 * pool while a cancel could still reach it. `transaction(ctx, pool, fn)` is
 * BEGIN … COMMIT under a context. `contextPool(pool, context)` is a Pool whose
 * every statement runs under a context (for ORMs handed a Pool), and
 * `contextDriver(pool, context)` the same as a Kysely driver. node-postgres is an optional peer
 * dependency, used only through the objects you pass in. See docs/databases.md.
 */
export { query } from './query.js';
export { transaction, type Transaction, type TransactionOptions } from './transaction.js';
export { TxDoneError } from '../internal/transaction.js';
export type { Queryable } from './check.js';
export { contextPool, type ContextSource } from './context-pool.js';
export { contextDriver, type CompiledStatement, type ContextConnection, type ContextDriver, type ContextTransactionSettings, type StatementResult } from './kysely.js';
