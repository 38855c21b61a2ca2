/**
 * The database a suite runs against, seen the same way for PostgreSQL and
 * MariaDB: `usePostgres()` / `useMariaDB()` start a throwaway server in the
 * suite's beforeAll (test/db/servers.cjs), open an admin connection that
 * watches the server's side, and close every pool the suite made in afterAll.
 * The shared suites (suites.ts) take a Db and ask it the few things that differ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { startMariaDB, startPostgres, type DbServer } from './servers.cjs';

/** What a suite asks of a database: P is the driver's pool, H a connection held by the caller. */
export interface Db<P, H> {
  label: 'pg' | 'mariadb';
  server: DbServer;
  /** host, port, user, database: what a driver connects with. */
  settings(): { host: string; port: number; user: string; database: string };
  /** A pool of `size` connections, ended with the suite. */
  newPool(size: number): P;
  /** A connection the caller holds, and how to close it. */
  held(): Promise<{ conn: H; close(): Promise<void> }>;
  /** How many connections the pool has, and how many of them are idle in it. */
  connections(pool: P): { all: number; idle: number };
  /** A statement that sleeps 30 s, tagged with marker so that `running` finds it. */
  sleep(marker: string): string;
  /** How many sessions other than the admin's run a statement whose text contains marker. */
  running(marker: string): Promise<number>;
  /** Ends on the server every statement tagged with marker (cleanup). */
  terminate(marker: string): Promise<void>;
  /** Runs sql on pool with the bare driver (no context) and gives the driver's result. */
  rawQuery(pool: P, sql: string): Promise<unknown>;
  /** A statement whose one row's `ms` is the session's statement limit in ms (0: none). */
  limitSql: string;
  /** The first row of a driver result (node-postgres's result, mysql2's `[rows, fields]`). */
  firstRow(result: unknown): Record<string, unknown>;
  /** Placeholder n (1-based) in SQL: `$n` or `?`. */
  param(n: number): string;
  /** Counts the connections pool creates from now on. */
  countCreated(pool: P): () => number;
  /** How many sessions other than the admin's the server has. */
  sessions(): Promise<number>;
  /** A child process that runs `sleep(marker)` on a pool under a context with `deadlineMs`, or background(). */
  child(marker: string, deadlineMs: number | undefined): ChildProcess;
  /** Runs SQL as the admin (no context) and gives the rows. */
  admin(sql: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
}

/** The package as built, for child processes. */
const dist = join(__dirname, '..', '..', 'dist', 'cjs');

/** A Node child that runs `body` with `{ background, withTimeout }` and `query` of the subpath bound, and stays alive. */
function childRunning(subpath: 'pg' | 'mysql', body: string): ChildProcess {
  const code = `
    const { background, withTimeout } = require(${JSON.stringify(join(dist, 'index.js'))});
    const { query } = require(${JSON.stringify(join(dist, subpath, 'index.js'))});
    ${body}
    setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ['-e', code], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
}

/** What a driver connects with. */
type Settings = { host: string; port: number; user: string; database: string };

/**
 * Registers the suite's lifecycle: the server and an admin connection started
 * in beforeAll; every tracked pool, the admin connection and the server ended
 * in afterAll.
 */
function lifecycle<A extends { end(): Promise<void> }>(start: () => Promise<DbServer>, connect: (settings: Settings) => Promise<A>) {
  let server: DbServer | undefined;
  let admin: A | undefined;
  const pools: Array<{ end(): Promise<void> }> = [];
  const settings = (): Settings => ({ host: server!.host, port: server!.port, user: server!.user, database: server!.database });
  beforeAll(async () => {
    server = await start();
    admin = await connect(settings());
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await admin?.end();
    await server?.stop();
  });
  return {
    settings,
    admin: () => admin!,
    server: () => server!,
    track: <P extends { end(): Promise<void> }>(pool: P): P => (pools.push(pool), pool),
  };
}

const contextIn = (deadlineMs: number | undefined): string => (deadlineMs === undefined ? 'background()' : `withTimeout(background(), ${deadlineMs})[0]`);

/** Registers beforeAll/afterAll that run a throwaway PostgreSQL; the Db is usable from beforeAll on. */
export function usePostgres(): Db<pg.Pool, pg.Client> {
  const { settings, admin, server, track } = lifecycle(startPostgres, async (options) => {
    const client = new pg.Client(options);
    await client.connect();
    return client;
  });
  const db: Db<pg.Pool, pg.Client> = {
    label: 'pg',
    get server() {
      return server();
    },
    settings,
    newPool: (size) => track(new pg.Pool({ ...settings(), max: size })),
    async held() {
      const conn = new pg.Client(settings());
      await conn.connect();
      return { conn, close: () => conn.end() };
    },
    connections: (pool) => ({ all: pool.totalCount, idle: pool.idleCount }),
    sleep: (marker) => `SELECT pg_sleep(30), '${marker}'`,
    running: async (marker) =>
      (await db.admin("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'", [marker]))[0]!.n as number,
    async terminate(marker) {
      await db.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", [marker]);
    },
    rawQuery: (pool, sql) => pool.query(sql),
    limitSql: "SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'",
    firstRow: (result) => (result as pg.QueryResult).rows[0],
    param: (n) => `$${n}`,
    countCreated(pool) {
      let n = 0;
      pool.on('connect', () => n++);
      return () => n;
    },
    sessions: async () => (await db.admin("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"))[0]!.n as number,
    child: (marker, deadlineMs) =>
      childRunning('pg', `const pool = new (require('pg').Pool)(${JSON.stringify(settings())}); query(${contextIn(deadlineMs)}, pool, ${JSON.stringify(db.sleep(marker))});`),
    admin: async (sql, values) => (await admin().query(sql, values)).rows,
  };
  return db;
}

/** The core pool under a mysql2 promise pool: its connection lists. */
type CorePool = { _allConnections: { length: number }; _freeConnections: { length: number } };

/** Registers beforeAll/afterAll that run a throwaway MariaDB; the Db is usable from beforeAll on. */
export function useMariaDB(): Db<mysql.Pool, mysql.Connection> {
  const { settings, admin, server, track } = lifecycle(startMariaDB, (options) => mysql.createConnection(options));
  const db: Db<mysql.Pool, mysql.Connection> = {
    label: 'mariadb',
    get server() {
      return server();
    },
    settings,
    newPool: (size) => track(mysql.createPool({ ...settings(), connectionLimit: size })),
    async held() {
      const conn = await mysql.createConnection(settings());
      return { conn, close: () => conn.end() };
    },
    connections(pool) {
      const core = pool.pool as unknown as CorePool;
      return { all: core._allConnections.length, idle: core._freeConnections.length };
    },
    sleep: (marker) => `SELECT SLEEP(30), '${marker}'`,
    running: async (marker) =>
      Number((await db.admin("SELECT count(*) AS n FROM information_schema.processlist WHERE command IN ('Query', 'Execute') AND id <> connection_id() AND info LIKE CONCAT('%', ?, '%')", [marker]))[0]!.n),
    async terminate(marker) {
      const rows = await db.admin("SELECT id FROM information_schema.processlist WHERE info LIKE CONCAT('%', ?, '%') AND id <> connection_id()", [marker]);
      for (const row of rows) await admin().query(`KILL ${Number(row.id)}`);
    },
    rawQuery: (pool, sql) => pool.query(sql),
    limitSql: 'SELECT @@session.max_statement_time * 1000 AS ms',
    firstRow: (result) => (result as [Array<Record<string, unknown>>])[0][0]!,
    param: () => '?',
    countCreated(pool) {
      let n = 0;
      pool.on('connection', () => n++);
      return () => n;
    },
    sessions: async () => Number((await db.admin("SELECT count(*) AS n FROM information_schema.processlist WHERE user = 'ctxkit' AND id <> connection_id()"))[0]!.n),
    child: (marker, deadlineMs) =>
      childRunning('mysql', `const pool = require('mysql2/promise').createPool(${JSON.stringify(settings())}); query(${contextIn(deadlineMs)}, pool, ${JSON.stringify(db.sleep(marker))});`),
    admin: async (sql, values) => (await admin().query<mysql.RowDataPacket[]>(sql, values))[0],
  };
  return db;
}
