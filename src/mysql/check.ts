/**
 * Argument checks for ctxkit/mysql: which mysql2 (promise API) object was
 * passed, and the statement with its values.
 */
import type { Connection, Pool, PoolConnection, QueryOptions } from 'mysql2/promise';
import { fail } from '../internal/check.js';

/** A mysql2 promise-API object ctxkit/mysql runs statements on: a Pool, or a connection the caller holds. */
export type Queryable = Pool | PoolConnection | Connection;

/** The kind of a Queryable: a pool lends a connection per call; a held connection is the caller's. */
export type QueryableKind = 'pool' | 'connection';

/** checkQueryable tells a promise Pool from a promise Connection or PoolConnection, else throws. */
export function checkQueryable(fn: string, arg: string, db: unknown): QueryableKind {
  if (typeof db === 'object' && db !== null && typeof (db as { query?: unknown }).query === 'function') {
    if (typeof (db as { getConnection?: unknown }).getConnection === 'function' && typeof (db as { pool?: unknown }).pool === 'object') return 'pool';
    const core = (db as { connection?: unknown }).connection;
    if (typeof core === 'object' && core !== null && 'threadId' in core && typeof (db as { then?: unknown }).then !== 'function') return 'connection';
  }
  fail(fn, arg, 'a mysql2 promise Pool, Connection or PoolConnection', db);
}

/** checkStatement returns the statement (SQL or QueryOptions) and values (an array, an object of named values, or undefined), else throws. */
export function checkStatement(fn: string, sql: unknown, values: unknown): string | QueryOptions {
  if (values !== undefined && (typeof values !== 'object' || values === null)) fail(fn, 'values', 'an array, an object or undefined', values);
  if (typeof sql === 'string') return sql;
  if (typeof sql === 'object' && sql !== null && typeof (sql as { sql?: unknown }).sql === 'string') return sql as QueryOptions;
  fail(fn, 'sql', 'a string or QueryOptions', sql);
}
