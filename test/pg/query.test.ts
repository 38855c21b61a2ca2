/**
 * ctxkit/pg against a real PostgreSQL: statements under a context stop on the
 * server (checked in pg_stat_activity) when the context ends, the deadline is
 * a server-side limit, and the pool never hands out a connection a cancel can
 * still hit. The shared part is test/db/suites.ts.
 */
import { Pool } from 'pg';
import { background, withCancelCause, withTimeout, withValue, createKey } from '../../src/index';
import { query } from '../../src/pg/index';
import { usePostgres } from '../db/harness';
import { contextEndsSuite, loadsNoDriver } from '../db/suites';

jest.setTimeout(120_000);

const db = usePostgres();

describe('validation, before anything is touched', () => {
  loadsNoDriver('pg', 'pg', ['query', 'transaction', 'TxDoneError', 'contextPool', 'contextDriver']);

  test('bad arguments are TypeErrors naming the argument', async () => {
    const pool = db.newPool(4);
    await expect(query(undefined as never, pool, 'SELECT 1')).rejects.toThrow(new TypeError('ctxkit.pg.query: ctx must be a Context, got undefined'));
    await expect(query(background(), {} as never, 'SELECT 1')).rejects.toThrow(/^ctxkit\.pg\.query: db must be a pg Pool, Client or PoolClient, got an object \(Object\)$/);
    await expect(query(background(), pool, 42 as never)).rejects.toThrow('ctxkit.pg.query: text must be a string or a QueryConfig, got 42');
    await expect(query(background(), pool, 'SELECT $1', 'secret' as never)).rejects.toThrow('ctxkit.pg.query: values must be an array or undefined, got a string (6 characters)');
    expect(pool.totalCount).toBe(0);
  });

  test('a context already done rejects with its cause without borrowing a connection', async () => {
    const pool = db.newPool(4);
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('gone');
    cancel(why);
    await expect(query(ctx, pool, 'SELECT 1')).rejects.toBe(why);
    expect(pool.totalCount).toBe(0);
    // Even a pool that cannot connect: the cause, never the driver's connection error.
    const nowhere = new Pool({ host: '127.0.0.1', port: 1, user: 'x' });
    await expect(query(ctx, nowhere, 'SELECT 1')).rejects.toBe(why);
    await nowhere.end();
  });
});

describe('results and the server-side limit', () => {
  test('a live context gives the driver result; the deadline is statement_timeout during the statement only', async () => {
    const pool = db.newPool(1);
    // A context that can never end (values over background()) is the bare call; one that can, the guarded one.
    const never = withValue(background(), createKey<string>('request'), 'r-1');
    expect((await query(never, pool, 'SELECT $1::int + 1 AS n', [41])).rows).toEqual([{ n: 42 }]);
    const [live, cancel] = withCancelCause(background());
    expect((await query(live, pool, 'SELECT $1::int + 1 AS n', [41])).rows).toEqual([{ n: 42 }]);
    cancel();
    using scope = withTimeout(background(), 20_000);
    const during = await query(scope[0], pool, db.limitSql);
    expect(during.rows[0].ms).toBeGreaterThan(10_000);
    expect(during.rows[0].ms).toBeLessThanOrEqual(20_000);
    // The same (only) connection, used bare afterwards: the limit is gone.
    expect((await pool.query(db.limitSql)).rows[0].ms).toBe(0);
  });

  test('a shorter statement_timeout configured on the pool is never raised', async () => {
    const pool = new Pool({ ...db.settings(), max: 1, statement_timeout: 5_000 });
    try {
      using scope = withTimeout(background(), 60_000);
      expect((await query(scope[0], pool, db.limitSql)).rows[0].ms).toBe(5_000);
    } finally {
      await pool.end();
    }
  });

  test('a driver error while the context is live is the driver error, unchanged', async () => {
    const pool = db.newPool(1);
    const [ctx, cancel] = withCancelCause(background());
    for (const c of [background(), ctx]) {
      const error = await query(c, pool, 'SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('42P01');
    }
    cancel();
    expect((await query(background(), pool, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

contextEndsSuite(db, [['query', query]]);
