/**
 * Query builders and ORMs on a real PostgreSQL: Kysely through contextDriver,
 * and a plain pg.Pool handed to a library (contextPool), with the request's
 * context given explicitly or taken from ctxkit/node's implicit context. A
 * statement whose context ends is gone from pg_stat_activity, the caller gets
 * cause(ctx), transactions roll back and connections come back.
 */
import { Kysely, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler, sql, type Generated } from 'kysely';
import type { Pool } from 'pg';
import { background, Canceled, cause, withCancel, withCancelCause, type Context } from '../../src/index';
import { implicit } from '../../src/node/index';
import { contextDriver, contextPool, type ContextSource } from '../../src/pg/index';
import { usePostgres } from '../db/harness';
import { timeUntil } from '../db/watch';

jest.setTimeout(120_000);

const db = usePostgres();

interface Database {
  items: { id: Generated<number>; tag: string };
}

/** A Kysely instance whose statements run under `context`. */
const kysely = (pool: Pool, context: ContextSource) =>
  new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => contextDriver(pool, context),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });

const count = async (tag: string) => (await db.admin('SELECT count(*)::int AS n FROM items WHERE tag = $1', [tag]))[0]!.n as number;
const allBack = (pool: Pool) => timeUntil(async () => pool.idleCount === pool.totalCount, 10_000, 'the connections to come back');
/** A Kysely select that sleeps 30 s, tagged with marker. */
const sleeper = (k: Kysely<Database>, marker: string) => k.selectNoFrom([sql<string>`pg_sleep(30)`.as('slept'), sql.lit(marker).as('marker')]).execute();

beforeAll(async () => {
  await db.admin('CREATE TABLE items (id serial PRIMARY KEY, tag text NOT NULL)');
});

test('bad arguments are TypeErrors', () => {
  const pool = db.newPool(1);
  expect(() => contextPool({} as never, background())).toThrow('ctxkit.pg.contextPool: pool must be a pg Pool, Client or PoolClient, got an object (Object)');
  expect(() => contextPool(pool, 'ctx' as never)).toThrow('ctxkit.pg.contextPool: context must be a Context or a function, got a string (3 characters)');
  expect(() => contextDriver(pool, 42 as never)).toThrow('ctxkit.pg.contextDriver: context must be a Context or a function, got 42');
});

describe('Kysely through contextDriver', () => {
  test('a query whose context is cancelled is gone from pg_stat_activity; the rejection is cause(ctx), untouched', async () => {
    const pool = db.newPool(2);
    const [ctx, cancel] = withCancel(background());
    const k = kysely(pool, ctx);
    const stackBefore = Canceled.stack;
    const pending = sleeper(k, 'kysely-cancel');
    await timeUntil(async () => (await db.running('kysely-cancel')) === 1, 15_000, 'the statement to start');
    cancel();
    await expect(pending).rejects.toBe(Canceled);
    // Already gone when the promise settles (the connection is held by Kysely until then).
    expect(await db.running('kysely-cancel')).toBe(0);
    // Kysely's own driver appends its stack to the error; this one leaves the shared error alone.
    expect(Canceled.stack).toBe(stackBefore);
    await allBack(pool);
    expect(await kysely(pool, background()).selectNoFrom(sql<number>`1`.as('one')).execute()).toEqual([{ one: 1 }]);
  });

  test('one Kysely for the process, the implicit context per request: a transaction is rolled back when its request ends', async () => {
    const pool = db.newPool(2);
    const k = kysely(pool, implicit.current);
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('client went away');
    const pending = implicit.run(ctx, () =>
      k.transaction().execute(async (tx) => {
        await tx.insertInto('items').values({ tag: 'kysely-tx' }).execute();
        await sleeper(tx, 'kysely-tx-marker');
      }),
    );
    await timeUntil(async () => (await db.running('kysely-tx-marker')) === 1, 15_000, 'the statement to start');
    const t0 = performance.now();
    cancel(why);
    await expect(pending).rejects.toBe(why);
    // Long before pg_sleep(30) could have ended by itself.
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(await db.running('kysely-tx-marker')).toBe(0);
    await allBack(pool);
    expect(await count('kysely-tx')).toBe(0);
    // Outside any request (no implicit context), the same instance commits as usual.
    await k.transaction().execute((tx) => tx.insertInto('items').values({ tag: 'kysely-ok' }).execute());
    expect(await count('kysely-ok')).toBe(1);
    expect((await pool.query('SELECT now() = statement_timestamp() AS outside')).rows[0].outside).toBe(true);
  });
});

describe('a plain pg.Pool handed to a library: contextPool', () => {
  test("pool.query under the implicit context: the request's end cancels the statement", async () => {
    const pool = db.newPool(1);
    const shared = contextPool(pool, implicit.current);
    const [ctx, cancel] = withCancel(background());
    const pending = implicit.run(ctx, () => shared.query(db.sleep('pool-query')));
    await timeUntil(async () => (await db.running('pool-query')) === 1, 15_000, 'the statement to start');
    cancel();
    await expect(pending).rejects.toBe(cause(ctx));
    await timeUntil(async () => (await db.running('pool-query')) === 0, 10_000, 'the statement to end');
    // The wrapper is the pool: its counts, its events, and bare queries outside a request.
    expect(shared.totalCount).toBe(pool.totalCount);
    expect((await shared.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  test("Kysely's own PostgresDialect on it (a library that only takes a Pool): the statement stops and the transaction rolls back", async () => {
    const pool = db.newPool(2);
    const perRequest = (ctx: Context) => new Kysely<Database>({ dialect: new PostgresDialect({ pool: contextPool(pool, ctx) }) });
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('deadline of the caller');
    const pending = perRequest(ctx)
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto('items').values({ tag: 'dialect-tx' }).execute();
        await sleeper(tx, 'dialect-marker');
      });
    await timeUntil(async () => (await db.running('dialect-marker')) === 1, 15_000, 'the statement to start');
    const t0 = performance.now();
    cancel(why);
    await expect(pending).rejects.toBe(why);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(await db.running('dialect-marker')).toBe(0);
    await allBack(pool);
    expect(await count('dialect-tx')).toBe(0);
    expect((await pool.query('SELECT now() = statement_timestamp() AS outside')).rows[0].outside).toBe(true);
  });

  test('a lent client refuses COMMIT once the context has ended, and always runs ROLLBACK', async () => {
    const pool = db.newPool(1);
    const [ctx, cancel] = withCancel(background());
    const client = await contextPool(pool, ctx).connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO items (tag) VALUES ($1)', ['refused-commit']);
      cancel();
      await expect(client.query('INSERT INTO items (tag) VALUES ($1)', ['after-end'])).rejects.toBe(Canceled);
      await expect(client.query('COMMIT')).rejects.toBe(Canceled);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await count('refused-commit')).toBe(0);
    expect(await count('after-end')).toBe(0);
    await expect(contextPool(pool, ctx).connect()).rejects.toBe(Canceled);
  });
});
