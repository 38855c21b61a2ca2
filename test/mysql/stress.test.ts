/**
 * The lib/pq#1001 race for KILL QUERY, provoked: 2,000 short statements on a
 * pool of 4, about half of them cancelled at a random moment (often just as
 * the statement ends, when a late kill would hit the next statement on that
 * connection). No statement whose context was not cancelled may fail or be
 * interrupted (an interrupted SLEEP returns 1), no connection may be lost, and
 * no thread may linger.
 */
import mysql from 'mysql2/promise';
import { background, cause, withCancel, withTimeout, type Context } from '../../src/index';
import { query } from '../../src/mysql/index';
import { startMariaDB, type DbServer } from '../db/servers.cjs';
import { timeUntil } from '../db/watch';

jest.setTimeout(300_000);

let server: DbServer;
beforeAll(async () => {
  server = await startMariaDB();
});
afterAll(async () => {
  await server?.stop();
});

test('2,000 statements with random cancels on a pool of 4: no victim, no lost connection, no lingering thread', async () => {
  const settings = { host: server.host, port: server.port, user: server.user, database: server.database };
  const pool = mysql.createPool({ ...settings, connectionLimit: 4 });
  const core = pool.pool as unknown as { _allConnections: { length: number }; _freeConnections: { length: number } };
  let created = 0;
  pool.on('connection', () => created++);
  const total = 2_000;
  let next = 0;
  let cancelled = 0;
  let succeeded = 0;
  const victims: unknown[] = [];

  async function one(id: number): Promise<void> {
    const sleepS = (Math.random() * 8) / 1000;
    const roll = Math.random();
    const [ctx, cancel]: [Context, () => void] = roll < 0.33 ? withCancel(background()) : roll < 0.5 ? withTimeout(background(), 1 + Math.random() * 10) : [background(), () => undefined];
    if (roll < 0.33) setTimeout(cancel, Math.random() * 12);
    try {
      const [rows] = await query<mysql.RowDataPacket[]>(ctx, pool, 'SELECT SLEEP(?) AS interrupted, ? AS id', [sleepS, id]);
      if (rows[0]!.id !== id || rows[0]!.interrupted !== 0) victims.push(new Error(`statement ${id}: ${JSON.stringify(rows[0])}`));
      succeeded++;
    } catch (error) {
      if (ctx.err() !== undefined && error === cause(ctx)) cancelled++;
      else victims.push(error);
    } finally {
      cancel();
    }
  }

  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) await one(next++);
    }),
  );
  const elapsed = performance.now() - t0;
  console.log(`mariadb stress: ${total} statements in ${elapsed.toFixed(0)} ms: ${succeeded} results, ${cancelled} ended by their context, ${victims.length} victims, ${created} connections made`);
  expect(victims).toEqual([]);
  expect(succeeded + cancelled).toBe(total);
  expect(cancelled).toBeGreaterThan(100);

  await timeUntil(async () => core._freeConnections.length === core._allConnections.length, 30_000, 'the connections to come back');
  // No connection was destroyed and replaced.
  expect(created).toBeLessThanOrEqual(4);
  expect(core._allConnections.length).toBe(created);
  expect(core._allConnections.length).toBeLessThanOrEqual(4);
  const ids = new Set<number>();
  for (let i = 0; i < 4; i++) {
    const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT @@session.max_statement_time AS s, connection_id() AS id');
    expect(Number(rows[0]!.s)).toBe(0);
    ids.add(Number(rows[0]!.id));
  }

  const admin = await mysql.createConnection(settings);
  try {
    const threads = async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM information_schema.processlist WHERE user = 'ctxkit' AND id <> connection_id()");
      return Number(rows[0]!.n);
    };
    // The pool's own connections and nothing else: every kill connection is gone.
    await timeUntil(async () => (await threads()) === core._allConnections.length, 15_000, 'only the pool to remain');
    await pool.end();
    await timeUntil(async () => (await threads()) === 0, 15_000, 'no thread to linger');
  } finally {
    await admin.end();
  }
});
