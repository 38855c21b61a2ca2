/**
 * ctxkit/mysql against a real MariaDB: statements under a context stop on the
 * server (checked in the process list) when the context ends, the deadline is
 * a server-side limit, and the pool never hands out a connection a kill can
 * still hit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { background, cause, DeadlineExceeded, withCancel, withCancelCause, withTimeout } from '../../src/index';
import { ClientDisconnected } from '../../src/node/index';
import { execute, query } from '../../src/mysql/index';
import { runNodeJson } from '../helpers/run-node';
import { startMariaDB, type DbServer } from '../db/servers.cjs';
import { disconnectWhile, handlerServer, timeUntil } from '../db/watch';

jest.setTimeout(120_000);

let server: DbServer;
let admin: mysql.Connection;
const pools: mysql.Pool[] = [];
const options = () => ({ host: server.host, port: server.port, user: server.user, database: server.database });
const newPool = (connectionLimit = 4): mysql.Pool => {
  const pool = mysql.createPool({ ...options(), connectionLimit });
  pools.push(pool);
  return pool;
};

/** How many threads other than the admin's run a statement whose text contains `marker`. */
async function running(marker: string): Promise<number> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM information_schema.processlist WHERE command = 'Query' AND id <> connection_id() AND info LIKE CONCAT('%', ?, '%')", [marker]);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  server = await startMariaDB();
  admin = await mysql.createConnection(options());
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin?.end();
  await server?.stop();
});

describe('validation, before anything is touched', () => {
  test('loading ctxkit/mysql does not load mysql2 (only the objects passed in are used)', () => {
    const r = runNodeJson<{ driverLoaded: boolean; exports: string[] }>(
      `const m = require(require('node:path').join(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'cjs', 'mysql', 'index.js'))}));` +
        `console.log(JSON.stringify({ driverLoaded: Object.keys(require.cache).some((k) => k.includes('/node_modules/mysql2/')), exports: Object.keys(m) }));`,
    );
    expect(r.driverLoaded).toBe(false);
    expect(r.exports).toContain('query');
  });

  test('bad arguments are TypeErrors naming the argument', async () => {
    const pool = newPool();
    await expect(query(null as never, pool, 'SELECT 1')).rejects.toThrow(new TypeError('ctxkit.mysql.query: ctx must be a Context, got null'));
    await expect(execute(background(), {} as never, 'SELECT 1')).rejects.toThrow('ctxkit.mysql.execute: db must be a mysql2 promise Pool, Connection or PoolConnection, got an object (Object)');
    await expect(query(background(), pool, 7 as never)).rejects.toThrow('ctxkit.mysql.query: sql must be a string or QueryOptions, got 7');
    await expect(query(background(), pool, 'SELECT ?', 'secret' as never)).rejects.toThrow('ctxkit.mysql.query: values must be an array, an object or undefined, got a string (6 characters)');
    expect((pool.pool as unknown as { _allConnections: { length: number } })._allConnections.length).toBe(0);
  });

  test('a context already done rejects with its cause without borrowing a connection', async () => {
    const pool = newPool();
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('gone');
    cancel(why);
    await expect(query(ctx, pool, 'SELECT 1')).rejects.toBe(why);
    await expect(execute(ctx, pool, 'SELECT 1')).rejects.toBe(why);
    expect((pool.pool as unknown as { _allConnections: { length: number } })._allConnections.length).toBe(0);
  });
});

describe('results and the server-side limit', () => {
  test('query and execute give mysql2 results; the deadline is max_statement_time during the statement only', async () => {
    const pool = newPool(1);
    const [rows] = await query(background(), pool, 'SELECT ? + 1 AS n', [41]);
    expect(rows).toEqual([{ n: 42 }]);
    const [prepared] = await execute(background(), pool, 'SELECT ? * 2 AS n', [21]);
    expect(prepared).toEqual([{ n: 42 }]);
    using scope = withTimeout(background(), 20_000);
    for (const run of [query, execute]) {
      const [during] = await run(scope[0], pool, 'SELECT @@session.max_statement_time AS s');
      expect(Number(during[0].s)).toBeGreaterThan(10);
      expect(Number(during[0].s)).toBeLessThanOrEqual(20);
      // The same (only) connection, used bare afterwards: the limit is gone.
      const [after] = await pool.query<mysql.RowDataPacket[]>('SELECT @@session.max_statement_time AS s');
      expect(Number(after[0]!.s)).toBe(0);
    }
  });

  test('a driver error while the context is live is the driver error, unchanged', async () => {
    const pool = newPool(1);
    const error = await query(background(), pool, 'SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect((error as { errno?: number }).errno).toBe(1146);
    expect((await query(background(), pool, 'SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
  });
});

describe('the context ends while the statement runs', () => {
  test('cancel: rejects with cause(ctx) at once and the statement is gone from the process list', async () => {
    const pool = newPool(1);
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('caller gave up');
    const pending = query(ctx, pool, "SELECT SLEEP(30), 'cancel-marker'");
    await timeUntil(async () => (await running('cancel-marker')) === 1, 15_000, 'SLEEP to start');
    const t0 = performance.now();
    cancel(why);
    await expect(pending).rejects.toBe(why);
    await timeUntil(async () => (await running('cancel-marker')) === 0, 10_000, 'the statement to end');
    console.log(`mariadb: cancel -> statement gone from the process list in ${(performance.now() - t0).toFixed(1)} ms`);
    expect((await query(background(), pool, 'SELECT 2 AS two'))[0]).toEqual([{ two: 2 }]);
  });

  test('deadline: rejects with DeadlineExceeded and the statement is gone (execute)', async () => {
    const pool = newPool(1);
    using scope = withTimeout(background(), 300);
    const t0 = performance.now();
    await expect(execute(scope[0], pool, "SELECT SLEEP(30), 'deadline-marker'")).rejects.toBe(DeadlineExceeded);
    const rejectedAfter = performance.now() - t0;
    const gone = await timeUntil(async () => (await running('deadline-marker')) === 0, 10_000, 'the statement to end');
    console.log(`mariadb: deadline 300 ms -> rejected after ${rejectedAfter.toFixed(1)} ms, statement gone ${gone.toFixed(1)} ms later`);
    expect(rejectedAfter).toBeLessThan(10_000);
  });

  test('an HTTP client that disconnects ends its SLEEP(30) on the server', async () => {
    const pool = newPool(2);
    const http = await handlerServer((ctx) => query(ctx, pool, "SELECT SLEEP(30), 'http-marker'"));
    try {
      const t0 = await disconnectWhile(http.port, async () => (await running('http-marker')) === 1);
      await timeUntil(async () => (await running('http-marker')) === 0, 10_000, 'the statement to end');
      console.log(`mariadb: client disconnect -> statement gone in ${(performance.now() - t0).toFixed(1)} ms`);
      await timeUntil(async () => http.outcomes.length === 1, 10_000, 'the handler to finish');
      expect(http.outcomes[0]).toEqual({ reason: ClientDisconnected });
    } finally {
      await http.close();
    }
  });

  test('on a connection the caller holds: rejects once the kill has landed, and the next statement runs', async () => {
    const conn = await mysql.createConnection(options());
    try {
      const [ctx, cancel] = withCancel(background());
      const pending = query(ctx, conn, "SELECT SLEEP(30), 'held-marker'");
      await timeUntil(async () => (await running('held-marker')) === 1);
      cancel();
      await expect(pending).rejects.toBe(cause(ctx));
      expect(await running('held-marker')).toBe(0);
      expect((await conn.query('SELECT 3 AS three'))[0]).toEqual([{ three: 3 }]);
    } finally {
      await conn.end();
    }
  });
});

describe('the process running the statement dies', () => {
  function child(marker: string, withDeadline: boolean) {
    const dist = join(__dirname, '..', '..', 'dist', 'cjs');
    const code = `
      const mysql = require('mysql2/promise');
      const { background, withTimeout } = require(${JSON.stringify(join(dist, 'index.js'))});
      const { query } = require(${JSON.stringify(join(dist, 'mysql', 'index.js'))});
      const pool = mysql.createPool(${JSON.stringify(options())});
      const [ctx] = ${withDeadline} ? withTimeout(background(), 1500) : [background()];
      query(ctx, pool, "SELECT SLEEP(30), '${marker}'");
      setInterval(() => {}, 1000);`;
    return spawn(process.execPath, ['-e', code], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
  }

  test('killed with SIGKILL: the deadline, set on the server, ends the statement anyway', async () => {
    const limited = child('killed-limited', true);
    const bare = child('killed-bare', false);
    await timeUntil(async () => (await running('killed-limited')) === 1 && (await running('killed-bare')) === 1, 30_000, 'both statements to start');
    const t0 = performance.now();
    limited.kill('SIGKILL');
    bare.kill('SIGKILL');
    await timeUntil(async () => (await running('killed-limited')) === 0, 15_000, 'the limited statement to end');
    console.log(`mariadb: process killed -> limited statement gone ${(performance.now() - t0).toFixed(0)} ms after the kill (deadline 1500 ms from its start)`);
    // The control: without a deadline the server keeps sleeping for the dead client.
    expect(await running('killed-bare')).toBe(1);
    const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT id FROM information_schema.processlist WHERE info LIKE '%killed-bare%' AND id <> connection_id()");
    for (const row of rows) await admin.query(`KILL ${Number(row.id)}`);
  });
});
