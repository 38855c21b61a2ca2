/**
 * ctxkit/pg transactions against a real PostgreSQL: COMMIT when fn resolves,
 * ROLLBACK when it throws or when the context ends first (the running
 * statement cancelled on the server), the deadline as SET LOCAL.
 */
import { Client, Pool } from 'pg';
import { background, DeadlineExceeded, withCancel, withCancelCause, withTimeout } from '../../src/index';
import { transaction, TxDoneError, type Transaction } from '../../src/pg/index';
import { startPostgres, type DbServer } from '../db/servers.cjs';
import { timeUntil } from '../db/watch';

jest.setTimeout(120_000);

let server: DbServer;
let pool: Pool;
let admin: Client;

const count = async (tag: string): Promise<number> => (await admin.query('SELECT count(*)::int AS n FROM items WHERE tag = $1', [tag])).rows[0].n as number;
const running = async (marker: string): Promise<number> =>
  (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'", [marker])).rows[0].n as number;

beforeAll(async () => {
  server = await startPostgres();
  const settings = { host: server.host, port: server.port, user: server.user, database: server.database };
  pool = new Pool({ ...settings, max: 2 });
  admin = new Client(settings);
  await admin.connect();
  await admin.query('CREATE TABLE items (tag text NOT NULL)');
});

afterAll(async () => {
  await pool?.end();
  await admin?.end();
  await server?.stop();
});

test('bad arguments are TypeErrors, before a connection is borrowed', async () => {
  const fn = async () => 1;
  await expect(transaction(background(), admin as never, fn)).rejects.toThrow('ctxkit.pg.transaction: pool must be a pg Pool, got an object (Client)');
  await expect(transaction(background(), pool, 'x' as never)).rejects.toThrow('ctxkit.pg.transaction: fn must be a function, got a string (1 character)');
  await expect(transaction(background(), pool, fn, { isolation: 'chaos' as never })).rejects.toThrow("ctxkit.pg.transaction: options.isolation must be one of 'read committed', 'repeatable read', 'serializable', got a string (5 characters)");
  await expect(transaction(background(), pool, fn, 3 as never)).rejects.toThrow('ctxkit.pg.transaction: options must be an object, got 3');
  const [done, cancel] = withCancel(background());
  cancel();
  await expect(transaction(done, pool, fn)).rejects.toBe(done.err());
  expect(pool.totalCount).toBe(0);
});

test('commits when fn resolves, with the options applied; the handle is done afterwards', async () => {
  let kept: Transaction | undefined;
  const value = await transaction(
    background(),
    pool,
    async (tx) => {
      kept = tx;
      await tx.query('INSERT INTO items VALUES ($1)', ['committed']);
      return (await tx.query('SHOW transaction_isolation')).rows[0].transaction_isolation as string;
    },
    { isolation: 'serializable' },
  );
  expect(value).toBe('serializable');
  expect(await count('committed')).toBe(1);
  await expect(kept!.query('SELECT 1')).rejects.toBeInstanceOf(TxDoneError);
});

test('rolls back when fn throws, and rethrows its error', async () => {
  const oops = new Error('oops');
  await expect(
    transaction(background(), pool, async (tx) => {
      await tx.query('INSERT INTO items VALUES ($1)', ['thrown']);
      throw oops;
    }),
  ).rejects.toBe(oops);
  expect(await count('thrown')).toBe(0);
});

test('the context ends mid-statement: cancelled on the server, rolled back, rejects with cause(ctx), connection back', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const why = new Error('client went away');
  let later: Promise<unknown> | undefined;
  const pending = transaction(ctx, pool, async (tx) => {
    await tx.query('INSERT INTO items VALUES ($1)', ['abandoned']);
    await tx.query("SELECT pg_sleep(30), 'tx-marker'").catch(() => undefined);
    later = tx.query('INSERT INTO items VALUES ($1)', ['after']);
    return 'finished';
  });
  await timeUntil(async () => (await running('tx-marker')) === 1);
  cancel(why);
  await expect(pending).rejects.toBe(why);
  await timeUntil(async () => (await running('tx-marker')) === 0, 10_000, 'the statement to end');
  await timeUntil(async () => later !== undefined);
  await expect(later).rejects.toBe(why);
  await timeUntil(async () => pool.idleCount === pool.totalCount, 10_000, 'the connection to come back');
  expect(await count('abandoned')).toBe(0);
  expect(await count('after')).toBe(0);
  // The connection that was rolled back works, in no transaction.
  const r = await pool.query("SELECT now() = statement_timestamp() AS outside");
  expect(r.rows[0].outside).toBe(true);
});

test('with a deadline: each statement is limited by SET LOCAL, and a long one ends with DeadlineExceeded', async () => {
  using scope = withTimeout(background(), 1_000);
  const [ctx] = scope;
  let seen = 0;
  await expect(
    transaction(ctx, pool, async (tx) => {
      await tx.query('INSERT INTO items VALUES ($1)', ['deadline']);
      seen = (await tx.query("SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'")).rows[0].ms as number;
      await tx.query('SELECT pg_sleep(30)');
    }),
  ).rejects.toBe(DeadlineExceeded);
  expect(seen).toBeGreaterThan(0);
  expect(seen).toBeLessThanOrEqual(1_000);
  expect(await count('deadline')).toBe(0);
  await timeUntil(async () => pool.idleCount === pool.totalCount, 10_000, 'the connection to come back');
  const after = await Promise.all([pool.query('SHOW statement_timeout'), pool.query('SHOW statement_timeout')]);
  expect(after.map((r) => r.rows[0].statement_timeout)).toEqual(['0', '0']);
});
