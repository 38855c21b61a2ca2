/**
 * ctxkit/mysql against a real MariaDB: statements under a context stop on the
 * server (checked in the process list) when the context ends, the deadline is
 * a server-side limit, and the pool never hands out a connection a kill can
 * still hit. The shared part is test/db/suites.ts.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { background, createKey, withCancelCause, withTimeout, withValue } from '../../src/index';
import { execute, query } from '../../src/mysql/index';
import { useMariaDB } from '../db/harness';
import { contextEndsSuite, loadsNoDriver } from '../db/suites';

jest.setTimeout(120_000);

const db = useMariaDB();

describe('validation, before anything is touched', () => {
  loadsNoDriver('mysql', 'mysql2', ['query', 'execute', 'transaction', 'TxDoneError']);

  test('bad arguments are TypeErrors naming the argument', async () => {
    const pool = db.newPool(4);
    await expect(query(null as never, pool, 'SELECT 1')).rejects.toThrow(new TypeError('ctxkit.mysql.query: ctx must be a Context, got null'));
    await expect(execute(background(), {} as never, 'SELECT 1')).rejects.toThrow('ctxkit.mysql.execute: db must be a mysql2 promise Pool, Connection or PoolConnection, got an object (Object)');
    await expect(query(background(), pool, 7 as never)).rejects.toThrow('ctxkit.mysql.query: sql must be a string or QueryOptions, got 7');
    await expect(query(background(), pool, 'SELECT ?', 'secret' as never)).rejects.toThrow('ctxkit.mysql.query: values must be an array, an object or undefined, got a string (6 characters)');
    expect(db.connections(pool).all).toBe(0);
  });

  test('a context already done rejects with its cause without borrowing a connection', async () => {
    const pool = db.newPool(4);
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('gone');
    cancel(why);
    await expect(query(ctx, pool, 'SELECT 1')).rejects.toBe(why);
    await expect(execute(ctx, pool, 'SELECT 1')).rejects.toBe(why);
    expect(db.connections(pool).all).toBe(0);
  });
});

describe('results and the server-side limit', () => {
  test('query and execute give mysql2 results; the deadline is max_statement_time during the statement only', async () => {
    const pool = db.newPool(1);
    const never = withValue(background(), createKey<string>('request'), 'r-1');
    const [live, cancel] = withCancelCause(background());
    for (const ctx of [never, live]) {
      expect((await query(ctx, pool, 'SELECT ? + 1 AS n', [41]))[0]).toEqual([{ n: 42 }]);
      expect((await execute(ctx, pool, 'SELECT ? * 2 AS n', [21]))[0]).toEqual([{ n: 42 }]);
    }
    cancel();
    using scope = withTimeout(background(), 20_000);
    for (const run of [query, execute]) {
      const [during] = await run(scope[0], pool, 'SELECT @@session.max_statement_time AS s');
      expect(Number(during[0].s)).toBeGreaterThan(10);
      expect(Number(during[0].s)).toBeLessThanOrEqual(20);
      // The same (only) connection, used bare afterwards: the limit is gone.
      const [after] = await pool.query<RowDataPacket[]>('SELECT @@session.max_statement_time AS s');
      expect(Number(after[0]!.s)).toBe(0);
    }
  });

  test('a driver error while the context is live is the driver error, unchanged', async () => {
    const pool = db.newPool(1);
    const [ctx, cancel] = withCancelCause(background());
    for (const c of [background(), ctx]) {
      const error = await query(c, pool, 'SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect((error as { errno?: number }).errno).toBe(1146);
    }
    cancel();
    expect((await query(background(), pool, 'SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
  });
});

contextEndsSuite(db, [
  ['query', query],
  ['execute', execute],
]);
