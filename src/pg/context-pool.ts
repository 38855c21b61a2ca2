/**
 * contextPool: a node-postgres Pool seen through a context, for code that
 * calls `pool.query` and `client.query` itself (an ORM, a query builder, a
 * library handed a Pool). Every statement it sends runs as `query(ctx, …)`
 * does, under the context of the moment.
 */
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import { background, cause, type Context } from '../index.js';
import { acquire, neverEnds } from '../internal/statements.js';
import { checkContext, fail, isContext } from '../internal/check.js';
import { checkPool } from './check.js';
import { query } from './query.js';

/** The context statements run under: one context, or a function asked at each statement (undefined: none). */
export type ContextSource = Context | (() => Context | undefined);

/**
 * contextPool returns a Pool that runs every statement under a context: the
 * given one, or what `context()` returns when the statement is sent (pass
 * `implicit.current` of ctxkit/node to use the current request's context
 * anywhere below `implicit.run`; undefined means no context). Hand it to an
 * ORM in place of the pool; everything else (events, counts, `end`) is the
 * pool's own.
 *
 * - `pool.query(text, values)` is `query(ctx, pool, text, values)`.
 * - `pool.connect()` rejects with cause(ctx) if ctx is already done or ends
 *   while waiting for a connection; the client it lends runs each
 *   `client.query` as `query(ctx, client, …)` on a held client: when ctx ends,
 *   the statement is cancelled on the server and the promise rejects with
 *   cause(ctx) once the cancel has landed, so the ORM's next statement and the
 *   client's return to the pool are safe.
 * - Transaction control on a lent client: `ROLLBACK` always runs, even after
 *   ctx has ended (it is how the ORM cleans up); `COMMIT` is never
 *   interrupted, and is refused with cause(ctx) once ctx has ended.
 * - Calls with a callback, and Submittables (cursors, streams), are passed to
 *   node-postgres unchanged, outside any context.
 */
export function contextPool(pool: Pool, context: ContextSource): Pool {
  checkPool('pg.contextPool', 'pool', pool);
  checkContextSource('pg.contextPool', 'context', context);
  const current = isContext(context) ? () => context : () => contextOf(context);
  const clients = new WeakMap<PoolClient, PoolClient>();
  const lend = (client: PoolClient): PoolClient => {
    let lent = clients.get(client);
    if (lent === undefined) clients.set(client, (lent = withQuery(client, (text, values) => onClient(current(), client, text, values))));
    return lent;
  };
  const connect = async (): Promise<PoolClient> => {
    const ctx = current();
    if (ctx.err() !== undefined) throw cause(ctx);
    return lend(neverEnds(ctx) ? await pool.connect() : await acquire(ctx, () => pool.connect(), (c) => c.release()));
  };
  return new Proxy(pool, {
    get(target, key) {
      if (key === 'query') return (text: string | QueryConfig, ...rest: unknown[]) => (isPlain(text, rest) ? query(current(), pool, text, rest[0] as unknown[] | undefined) : (pool.query as Function).call(pool, text, ...rest));
      if (key === 'connect') return (...rest: unknown[]) => (rest.length === 0 ? connect() : (pool.connect as Function).apply(pool, rest));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** checkContextSource returns x if it is a Context or a function, else throws. */
export function checkContextSource(fn: string, arg: string, x: unknown): ContextSource {
  if (!isContext(x) && typeof x !== 'function') fail(fn, arg, 'a Context or a function', x);
  return x as ContextSource;
}

/** What a ContextSource function gives, checked; background() for none. */
function contextOf(context: () => Context | undefined): Context {
  const ctx = context();
  return ctx === undefined ? background() : checkContext('pg.contextPool', 'context()', ctx);
}

/** A statement the context can run: promise form, SQL text or a QueryConfig, no callback. */
function isPlain(text: unknown, rest: unknown[]): boolean {
  if (rest.some((arg) => typeof arg === 'function')) return false;
  return typeof text === 'string' || (typeof text === 'object' && text !== null && !('submit' in text) && typeof (text as { callback?: unknown }).callback !== 'function');
}

/** client, with `query` replaced for plain statements. */
function withQuery(client: PoolClient, run: (text: string | QueryConfig, values: unknown[] | undefined) => Promise<QueryResult>): PoolClient {
  return new Proxy(client, {
    get(target, key) {
      if (key === 'query') return (text: string | QueryConfig, ...rest: unknown[]) => (isPlain(text, rest) ? run(text, rest[0] as unknown[] | undefined) : (client.query as Function).call(client, text, ...rest));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** One statement on a lent client: under ctx, except transaction control (see contextPool). */
function onClient(ctx: Context, client: PoolClient, text: string | QueryConfig, values: unknown[] | undefined): Promise<QueryResult> {
  const sql = typeof text === 'string' ? text : text.text;
  if (/^\s*(rollback|abort)\b/i.test(sql)) return client.query(text as QueryConfig, values);
  if (/^\s*(commit|end)\b/i.test(sql)) return ctx.err() === undefined ? client.query(text as QueryConfig, values) : Promise.reject(cause(ctx));
  return query(ctx, client, text, values);
}
