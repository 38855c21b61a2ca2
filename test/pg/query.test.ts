/**
 * ctxkit/pg against a real PostgreSQL: statements under a context stop on the
 * server (checked in pg_stat_activity) when the context ends, the deadline is
 * a server-side limit, and the pool never hands out a connection a cancel can
 * still hit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { background, cause, DeadlineExceeded, withCancel, withCancelCause, withTimeout } from '../../src/index';
import { ClientDisconnected } from '../../src/node/index';
import { query } from '../../src/pg/index';
import { runNodeJson } from '../helpers/run-node';
import { startPostgres, type DbServer } from '../db/servers.cjs';
import { disconnectWhile, handlerServer, timeUntil } from '../db/watch';

jest.setTimeout(120_000);

let server: DbServer;
let admin: Client;
const pools: Pool[] = [];
const newPool = (max = 4, extra: Record<string, unknown> = {}): Pool => {
  const pool = new Pool({ host: server.host, port: server.port, user: server.user, database: server.database, max, ...extra });
  pools.push(pool);
  return pool;
};

/** How many backends other than the admin's run a statement whose text contains `marker`. */
async function running(marker: string): Promise<number> {
  const r = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'", [marker]);
  return r.rows[0].n as number;
}

beforeAll(async () => {
  server = await startPostgres();
  admin = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin?.end();
  await server?.stop();
});

describe('validation, before anything is touched', () => {
  test('loading ctxkit/pg does not load pg (only the objects passed in are used)', () => {
    const r = runNodeJson<{ driverLoaded: boolean; exports: string[] }>(
      `const m = require(require('node:path').join(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'cjs', 'pg', 'index.js'))}));` +
        `console.log(JSON.stringify({ driverLoaded: Object.keys(require.cache).some((k) => k.includes('/node_modules/pg/')), exports: Object.keys(m) }));`,
    );
    expect(r.driverLoaded).toBe(false);
    expect(r.exports).toContain('query');
  });

  test('bad arguments are TypeErrors naming the argument', async () => {
    const pool = newPool();
    await expect(query(undefined as never, pool, 'SELECT 1')).rejects.toThrow(new TypeError('ctxkit.pg.query: ctx must be a Context, got undefined'));
    await expect(query(background(), {} as never, 'SELECT 1')).rejects.toThrow(/^ctxkit\.pg\.query: db must be a pg Pool, Client or PoolClient, got an object \(Object\)$/);
    await expect(query(background(), pool, 42 as never)).rejects.toThrow('ctxkit.pg.query: text must be a string or a QueryConfig, got 42');
    await expect(query(background(), pool, 'SELECT $1', 'secret' as never)).rejects.toThrow('ctxkit.pg.query: values must be an array or undefined, got a string (6 characters)');
    expect(pool.totalCount).toBe(0);
  });

  test('a context already done rejects with its cause without borrowing a connection', async () => {
    const pool = newPool();
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('gone');
    cancel(why);
    await expect(query(ctx, pool, 'SELECT 1')).rejects.toBe(why);
    expect(pool.totalCount).toBe(0);
    // Even a pool that cannot connect: the cause, never the driver's connection error.
    const nowhere = new Pool({ host: '127.0.0.1', port: 1, user: 'x' });
    pools.push(nowhere);
    await expect(query(ctx, nowhere, 'SELECT 1')).rejects.toBe(why);
  });
});

describe('results and the server-side limit', () => {
  test('a live context gives the driver result; the deadline is statement_timeout during the statement only', async () => {
    const pool = newPool(1);
    const r = await query(background(), pool, 'SELECT $1::int + 1 AS n', [41]);
    expect(r.rows).toEqual([{ n: 42 }]);
    using scope = withTimeout(background(), 20_000);
    const [ctx] = scope;
    const during = await query(ctx, pool, "SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'");
    expect(during.rows[0].ms).toBeGreaterThan(10_000);
    expect(during.rows[0].ms).toBeLessThanOrEqual(20_000);
    // The same (only) connection, used bare afterwards: the limit is gone.
    const after = await pool.query("SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'");
    expect(after.rows[0].ms).toBe(0);
  });

  test('a shorter statement_timeout configured on the pool is never raised', async () => {
    const pool = newPool(1, { statement_timeout: 5_000 });
    using scope = withTimeout(background(), 60_000);
    const r = await query(scope[0], pool, "SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'");
    expect(r.rows[0].ms).toBe(5_000);
  });

  test('a driver error while the context is live is the driver error, unchanged', async () => {
    const pool = newPool(1);
    const error = await query(background(), pool, 'SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('42P01');
    expect((await query(background(), pool, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('the context ends while the statement runs', () => {
  test('cancel: rejects with cause(ctx) at once and the statement is gone from pg_stat_activity', async () => {
    const pool = newPool(1);
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('caller gave up');
    const pending = query(ctx, pool, "SELECT pg_sleep(30), 'cancel-marker'");
    await timeUntil(async () => (await running('cancel-marker')) === 1, 15_000, 'pg_sleep to start');
    const t0 = performance.now();
    cancel(why);
    await expect(pending).rejects.toBe(why);
    const gone = await timeUntil(async () => (await running('cancel-marker')) === 0, 10_000, 'the statement to end');
    console.log(`pg: cancel -> statement gone from pg_stat_activity in ${(performance.now() - t0).toFixed(1)} ms (poll ${gone.toFixed(1)} ms)`);
    // The one connection comes back to the pool, and it works.
    expect((await query(background(), pool, 'SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    expect(pool.totalCount).toBe(1);
  });

  test('deadline: rejects with DeadlineExceeded and the statement is gone', async () => {
    const pool = newPool(1);
    using scope = withTimeout(background(), 300);
    const t0 = performance.now();
    await expect(query(scope[0], pool, "SELECT pg_sleep(30), 'deadline-marker'")).rejects.toBe(DeadlineExceeded);
    const rejectedAfter = performance.now() - t0;
    const gone = await timeUntil(async () => (await running('deadline-marker')) === 0, 10_000, 'the statement to end');
    console.log(`pg: deadline 300 ms -> rejected after ${rejectedAfter.toFixed(1)} ms, statement gone ${gone.toFixed(1)} ms later`);
    expect(rejectedAfter).toBeLessThan(10_000);
  });

  test('an HTTP client that disconnects ends its pg_sleep(30) on the server', async () => {
    const pool = newPool(2);
    const http = await handlerServer((ctx) => query(ctx, pool, "SELECT pg_sleep(30), 'http-marker'"));
    try {
      const t0 = await disconnectWhile(http.port, async () => (await running('http-marker')) === 1);
      await timeUntil(async () => (await running('http-marker')) === 0, 10_000, 'the statement to end');
      console.log(`pg: client disconnect -> statement gone in ${(performance.now() - t0).toFixed(1)} ms`);
      await timeUntil(async () => http.outcomes.length === 1, 10_000, 'the handler to finish');
      expect(http.outcomes[0]).toEqual({ reason: ClientDisconnected });
    } finally {
      await http.close();
    }
  });

  test('on a client the caller holds: rejects once the cancel has landed, and the next statement runs', async () => {
    const client = new Client({ host: server.host, port: server.port, user: server.user, database: server.database });
    await client.connect();
    try {
      const [ctx, cancel] = withCancel(background());
      const pending = query(ctx, client, "SELECT pg_sleep(30), 'held-marker'");
      await timeUntil(async () => (await running('held-marker')) === 1);
      cancel();
      await expect(pending).rejects.toBe(cause(ctx));
      // Already gone when the promise settles: the wait is part of the call.
      expect(await running('held-marker')).toBe(0);
      expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    } finally {
      await client.end();
    }
  });
});

describe('the process running the statement dies', () => {
  /** Starts a child that runs pg_sleep(30) tagged with marker, with or without a 1.5 s deadline. */
  function child(marker: string, withDeadline: boolean) {
    const dist = join(__dirname, '..', '..', 'dist', 'cjs');
    const code = `
      const { Pool } = require('pg');
      const { background, withTimeout } = require(${JSON.stringify(join(dist, 'index.js'))});
      const { query } = require(${JSON.stringify(join(dist, 'pg', 'index.js'))});
      const pool = new Pool(${JSON.stringify({ host: server.host, port: server.port, user: server.user, database: server.database })});
      const [ctx] = ${withDeadline} ? withTimeout(background(), 1500) : [background()];
      query(ctx, pool, "SELECT pg_sleep(30), '${marker}'");
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
    console.log(`pg: process killed -> limited statement gone ${(performance.now() - t0).toFixed(0)} ms after the kill (deadline 1500 ms from its start)`);
    // The control: without a deadline the server keeps sleeping for the dead client.
    expect(await running('killed-bare')).toBe(1);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%killed-bare%' AND pid <> pg_backend_pid()");
  });
});
