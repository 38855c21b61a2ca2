/**
 * The lib/pq#1001 race, provoked: 2,000 short statements on a pool of 4, about
 * half of them cancelled at a random moment (often just as the statement
 * ends, when a late cancel would hit the next statement on that connection).
 * No statement whose context was not cancelled may fail, no connection may be
 * lost, and no backend may linger.
 */
import { Client, Pool } from 'pg';
import { background, cause, withCancel, withTimeout, type Context } from '../../src/index';
import { query } from '../../src/pg/index';
import { startPostgres, type DbServer } from '../db/servers.cjs';
import { timeUntil } from '../db/watch';

jest.setTimeout(300_000);

let server: DbServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

test('2,000 statements with random cancels on a pool of 4: no victim, no lost connection, no lingering backend', async () => {
  const settings = { host: server.host, port: server.port, user: server.user, database: server.database };
  const pool = new Pool({ ...settings, max: 4, application_name: 'ctxkit-stress' });
  let removed = 0;
  pool.on('remove', () => removed++);
  const total = 2_000;
  let next = 0;
  let cancelled = 0;
  let succeeded = 0;
  const victims: unknown[] = [];

  async function one(id: number): Promise<void> {
    const sleepMs = Math.random() * 8;
    const roll = Math.random();
    // A third cancelled by hand at a random moment, a sixth with a short deadline, the rest left alone.
    const [ctx, cancel]: [Context, () => void] = roll < 0.33 ? withCancel(background()) : roll < 0.5 ? withTimeout(background(), 1 + Math.random() * 10) : [background(), () => undefined];
    if (roll < 0.33) setTimeout(cancel, Math.random() * 12);
    try {
      const r = await query(ctx, pool, 'SELECT pg_sleep($1::float8 / 1000), $2::int AS id', [sleepMs, id]);
      if (r.rows[0].id !== id) victims.push(new Error(`statement ${id} got the result of ${r.rows[0].id}`));
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
  console.log(`pg stress: ${total} statements in ${elapsed.toFixed(0)} ms: ${succeeded} results, ${cancelled} ended by their context, ${victims.length} victims, ${removed} connections removed`);
  expect(victims).toEqual([]);
  expect(succeeded + cancelled).toBe(total);
  expect(cancelled).toBeGreaterThan(100);

  // Every connection comes back to the pool (cleanup after a cancel runs in the background).
  await timeUntil(async () => pool.idleCount === pool.totalCount && pool.waitingCount === 0, 30_000, 'the connections to come back');
  expect(removed).toBe(0);
  expect(pool.totalCount).toBeGreaterThan(0);
  expect(pool.totalCount).toBeLessThanOrEqual(4);
  // They all still work, with the session's default limit.
  const checks = await Promise.all(Array.from({ length: 4 }, () => pool.query("SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'")));
  expect(checks.map((r) => r.rows[0].ms)).toEqual([0, 0, 0, 0]);

  const admin = new Client(settings);
  await admin.connect();
  try {
    const backends = async () => (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ctxkit-stress'")).rows[0].n as number;
    expect(await backends()).toBe(pool.totalCount);
    await pool.end();
    await timeUntil(async () => (await backends()) === 0, 15_000, 'no backend to linger');
  } finally {
    await admin.end();
  }
});
