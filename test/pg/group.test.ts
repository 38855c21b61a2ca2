/**
 * withGroup over real PostgreSQL queries: one fails, and its siblings'
 * statements stop on the server (gone from pg_stat_activity).
 */
import { Client, Pool } from 'pg';
import { background, cause, mapLimit, withGroup } from '../../src/index';
import { query } from '../../src/pg/index';
import { startPostgres, type DbServer } from '../db/servers.cjs';
import { timeUntil } from '../db/watch';

jest.setTimeout(120_000);

let server: DbServer;
let admin: Client;
let pool: Pool;

/** How many backends other than the admin's run a statement whose text contains `marker`. */
async function running(marker: string): Promise<number> {
  const r = await admin.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'",
    [marker],
  );
  return r.rows[0].n as number;
}

beforeAll(async () => {
  server = await startPostgres();
  const config = { host: server.host, port: server.port, user: server.user, database: server.database };
  admin = new Client(config);
  await admin.connect();
  pool = new Pool({ ...config, max: 6 });
});

afterAll(async () => {
  await pool?.end();
  await admin?.end();
  await server?.stop();
});

test('one query fails: the siblings are cancelled, and their statements leave the server', async () => {
  const marker = `group_sibling_${Date.now()}`;
  const g = withGroup(background());
  for (let i = 0; i < 3; i++) void g.go((ctx) => query(ctx, pool, `SELECT pg_sleep(60) /* ${marker} */`));
  void g.go(async (ctx) => {
    while ((await running(marker)) < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    await query(ctx, pool, 'SELECT 1/0');
  });
  const started = Date.now();
  const failure = await g.wait().catch((e: unknown) => e);
  expect((failure as { code?: string }).code).toBe('22012'); // division_by_zero, the driver's own error
  expect(cause(g.ctx)).toBe(failure);
  expect(Date.now() - started).toBeLessThan(30_000);
  // On a Pool, query rejects with cause(ctx) at once and its cancel request reaches the server just after (see docs/databases.md).
  const gone = await timeUntil(async () => (await running(marker)) === 0, 10_000, 'the siblings to end');
  console.log(`pg group: wait settled -> siblings gone from pg_stat_activity in ${gone.toFixed(1)} ms`);
});

test('mapLimit over queries runs at most `limit` statements on the server at once', async () => {
  const marker = `group_limit_${Date.now()}`;
  let most = 0;
  // One poll at a time, each awaited before the test ends: on a slow machine
  // polls would otherwise queue up on the admin connection and outlive it.
  let poll: Promise<void> | undefined;
  const watcher = setInterval(() => {
    poll ??= running(marker)
      .then((n) => void (most = Math.max(most, n)))
      .finally(() => (poll = undefined));
  }, 10);
  try {
    const rows = await mapLimit(background(), [1, 2, 3, 4, 5, 6, 7, 8], 2, async (ctx, n) => {
      const r = await query(ctx, pool, `SELECT $1::int AS n, pg_sleep(0.1) /* ${marker} */`, [n]);
      return r.rows[0].n as number;
    });
    expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    clearInterval(watcher);
    await poll;
  }
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(2);
});
