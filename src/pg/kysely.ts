/**
 * contextDriver: a Kysely driver for PostgreSQL whose statements run under a
 * context, for `new Kysely({ dialect: { createDriver: () => contextDriver(…),
 * … } })` with Kysely's own PostgreSQL adapter, compiler and introspector.
 * Kysely 0.28 takes no AbortSignal; its own PostgresDriver on a contextPool
 * would append its stack to every error it sees, cause(ctx) included (often a
 * shared error such as Canceled), so this driver passes errors through
 * untouched. Typed structurally: loading it needs no Kysely.
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import { checkPool } from './check.js';
import { checkContextSource, contextPool, type ContextSource } from './context-pool.js';

/** A statement as Kysely compiles it. */
export interface CompiledStatement {
  readonly sql: string;
  readonly parameters: ReadonlyArray<unknown>;
}

/** What a Kysely DatabaseConnection answers. */
export interface StatementResult<R> {
  readonly numAffectedRows?: bigint;
  readonly rows: R[];
}

/** A Kysely DatabaseConnection on one client lent by the context pool. */
export interface ContextConnection {
  executeQuery<R>(compiled: CompiledStatement): Promise<StatementResult<R>>;
  streamQuery<R>(compiled: CompiledStatement, chunkSize?: number): AsyncIterableIterator<StatementResult<R>>;
}

/** Kysely's TransactionSettings. */
export interface ContextTransactionSettings {
  readonly isolationLevel?: string;
  readonly accessMode?: string;
}

/** A Kysely Driver (without savepoints). */
export interface ContextDriver {
  init(): Promise<void>;
  acquireConnection(): Promise<ContextConnection>;
  beginTransaction(connection: ContextConnection, settings: ContextTransactionSettings): Promise<void>;
  commitTransaction(connection: ContextConnection): Promise<void>;
  rollbackTransaction(connection: ContextConnection): Promise<void>;
  releaseConnection(connection: ContextConnection): Promise<void>;
  destroy(): Promise<void>;
}

/** A connection and the client under it. */
class Connection implements ContextConnection {
  constructor(readonly client: PoolClient) {}

  async executeQuery<R>(compiled: CompiledStatement): Promise<StatementResult<R>> {
    const { command, rowCount, rows } = (await this.client.query(compiled.sql, [...compiled.parameters])) as QueryResult & { command: string };
    const affected = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return { numAffectedRows: affected ? BigInt(rowCount ?? 0) : undefined, rows: (rows ?? []) as R[] };
  }

  async *streamQuery<R>(): AsyncIterableIterator<StatementResult<R>> {
    throw new Error('ctxkit/pg: contextDriver does not stream (use query(ctx, …) per page)');
  }
}

/**
 * contextDriver returns a Kysely driver for pool whose every statement runs
 * under the context `context` gives (see contextPool: a Context, or a function
 * such as `implicit.current` asked at each statement). A statement whose
 * context ends is cancelled on the server and rejects with exactly
 * cause(ctx), once the cancel has landed; `db.transaction()` is rolled back
 * (ROLLBACK always runs) and its connection goes back to the pool. COMMIT
 * reporting a rolled-back transaction rejects. Savepoints and streaming are
 * not supported. `db.destroy()` ends the pool, as Kysely's own driver does.
 */
export function contextDriver(pool: Pool, context: ContextSource): ContextDriver {
  checkPool('pg.contextDriver', 'pool', pool);
  checkContextSource('pg.contextDriver', 'context', context);
  const bound = contextPool(pool, context);
  const run = (connection: ContextConnection, sql: string) => connection.executeQuery<{ command?: string }>({ sql, parameters: [] });
  return {
    init: async () => undefined,
    acquireConnection: async () => new Connection(await bound.connect()),
    async beginTransaction(connection, { isolationLevel, accessMode }) {
      await run(connection, `start transaction${isolationLevel ? ` isolation level ${isolationLevel}` : ''}${accessMode ? ` ${accessMode}` : ''}`);
    },
    async commitTransaction(connection) {
      // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK.
      const { command } = (await (connection as Connection).client.query('commit')) as QueryResult & { command: string };
      if (command === 'ROLLBACK') throw new Error('ctxkit/pg: the transaction was rolled back (an earlier statement failed)');
    },
    async rollbackTransaction(connection) {
      await run(connection, 'rollback');
    },
    releaseConnection: async (connection) => (connection as Connection).client.release(),
    destroy: () => pool.end(),
  };
}
