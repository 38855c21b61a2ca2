/**
 * Argument checks for ctxkit/pg: which node-postgres object was passed, and
 * the statement (text or QueryConfig, and its values).
 */
import type { Client, Pool, PoolClient, QueryConfig } from 'pg';
import { fail } from '../internal/check.js';

/** A node-postgres object ctxkit/pg runs statements on: a Pool, or a client the caller holds. */
export type Queryable = Pool | Client | PoolClient;

/** The kind of a Queryable: a pool lends a connection per call; a held client is the caller's. */
export type QueryableKind = 'pool' | 'client';

/** checkQueryable tells a Pool from a client (Client or PoolClient), else throws. */
export function checkQueryable(fn: string, arg: string, db: unknown): QueryableKind {
  if (typeof db === 'object' && db !== null && typeof (db as { query?: unknown }).query === 'function') {
    if ('processID' in db && 'secretKey' in db) return 'client';
    if (typeof (db as { connect?: unknown }).connect === 'function' && 'totalCount' in db) return 'pool';
  }
  fail(fn, arg, 'a pg Pool, Client or PoolClient', db);
}

/** checkPool returns db if it is a pg Pool, else throws. */
export function checkPool(fn: string, arg: string, db: unknown): Pool {
  if (checkQueryable(fn, arg, db) !== 'pool') fail(fn, arg, 'a pg Pool', db);
  return db as Pool;
}

/**
 * checkStatement returns what to pass to node-postgres for text (a string or a
 * QueryConfig) and values (an array or undefined): the text itself when there
 * are no values (node-postgres copies a QueryConfig), else a QueryConfig. Throws if either is bad.
 */
export function checkStatement(fn: string, text: unknown, values: unknown): string | QueryConfig {
  if (values !== undefined && !Array.isArray(values)) fail(fn, 'values', 'an array or undefined', values);
  if (typeof text === 'string') return values === undefined ? text : { text, values: values as unknown[] };
  if (typeof text === 'object' && text !== null && typeof (text as { text?: unknown }).text === 'string') {
    if ('submit' in text) fail(fn, 'text', 'a string or a QueryConfig (not a Submittable)', text);
    const config = text as QueryConfig;
    return values === undefined ? config : { ...config, values: values as unknown[] };
  }
  fail(fn, 'text', 'a string or a QueryConfig', text);
}
