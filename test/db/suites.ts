/**
 * The suites ctxkit/pg and ctxkit/mysql share, run against a real server
 * through a Db (harness.ts): the context's end stops the statement on the
 * server, the lib/pq#1001 race under random cancels, and transactions.
 */
import { join } from 'node:path';
import { background, cause, DeadlineExceeded, withCancel, withCancelCause, withTimeout, type Context } from '../../src/index';
import { ClientDisconnected } from '../../src/node/index';
import { runNodeJson } from '../helpers/run-node';
import type { Db } from './harness';
import { disconnectWhile, handlerServer, timeUntil } from './watch';

/** Loading the built subpath loads no driver (only the objects passed in are used), and it exports `names`. */
export function loadsNoDriver(subpath: 'pg' | 'mysql', driver: 'pg' | 'mysql2', names: string[]): void {
  test(`loading ctxkit/${subpath} does not load ${driver}`, () => {
    const r = runNodeJson<{ driverLoaded: boolean; exports: string[] }>(
      `const m = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'cjs', subpath, 'index.js'))});` +
        `console.log(JSON.stringify({ driverLoaded: Object.keys(require.cache).some((k) => k.includes('/node_modules/${driver}/')), exports: Object.keys(m) }));`,
    );
    expect(r.driverLoaded).toBe(false);
    expect(r.exports).toEqual(expect.arrayContaining(names));
  });
}

/** Runs sql under ctx on a pool or a held connection (ctxkit's query, execute, …). */
export type Run<P, H> = (ctx: Context, on: P | H, sql: string, values?: unknown[]) => Promise<unknown>;

/**
 * When the context ends while the statement runs (cancel, deadline, a client
 * that disconnects, a held connection), the statement is gone on the server,
 * the call rejects with cause(ctx) and the connection works afterwards; when
 * the process dies, the deadline set on the server ends the statement. `runs`
 * names each way of running a statement (query, execute); the first is used
 * where one is enough.
 */
export function contextEndsSuite<P, H>(db: Db<P, H>, runs: Array<[string, Run<P, H>]>): void {
  const [, run] = runs[0]!;

  describe.each(runs)('the context ends while the statement runs (%s)', (name, each) => {
    test('cancel: rejects with cause(ctx) at once and the statement is gone on the server', async () => {
      const pool = db.newPool(1);
      const [ctx, cancel] = withCancelCause(background());
      const why = new Error('caller gave up');
      const marker = `cancel-${name}`;
      const pending = each(ctx, pool, db.sleep(marker));
      await timeUntil(async () => (await db.running(marker)) === 1, 15_000, 'the statement to start');
      const t0 = performance.now();
      cancel(why);
      await expect(pending).rejects.toBe(why);
      await timeUntil(async () => (await db.running(marker)) === 0, 10_000, 'the statement to end');
      console.log(`${db.label} ${name}: cancel -> statement gone on the server in ${(performance.now() - t0).toFixed(1)} ms`);
      // The one connection comes back to the pool, and it works.
      expect(db.firstRow(await each(background(), pool, 'SELECT 2 AS two'))).toEqual({ two: 2 });
      expect(db.connections(pool).all).toBe(1);
    });

    test('deadline: rejects with DeadlineExceeded and the statement is gone', async () => {
      const pool = db.newPool(1);
      using scope = withTimeout(background(), 300);
      const marker = `deadline-${name}`;
      const t0 = performance.now();
      await expect(each(scope[0], pool, db.sleep(marker))).rejects.toBe(DeadlineExceeded);
      const rejectedAfter = performance.now() - t0;
      const gone = await timeUntil(async () => (await db.running(marker)) === 0, 10_000, 'the statement to end');
      console.log(`${db.label} ${name}: deadline 300 ms -> rejected after ${rejectedAfter.toFixed(1)} ms, statement gone ${gone.toFixed(1)} ms later`);
      expect(rejectedAfter).toBeLessThan(10_000);
    });
  });

  describe('the context ends while the statement runs', () => {
    test('an HTTP client that disconnects ends its 30 s statement on the server', async () => {
      const pool = db.newPool(2);
      const http = await handlerServer((ctx) => run(ctx, pool, db.sleep('http-marker')));
      try {
        const t0 = await disconnectWhile(http.port, async () => (await db.running('http-marker')) === 1);
        await timeUntil(async () => (await db.running('http-marker')) === 0, 10_000, 'the statement to end');
        console.log(`${db.label}: client disconnect -> statement gone in ${(performance.now() - t0).toFixed(1)} ms`);
        await timeUntil(async () => http.outcomes.length === 1, 10_000, 'the handler to finish');
        expect(http.outcomes[0]).toEqual({ reason: ClientDisconnected });
      } finally {
        await http.close();
      }
    });

    test('on a connection the caller holds: rejects once the cancel has landed, and the next statement runs', async () => {
      const { conn, close } = await db.held();
      try {
        const [ctx, cancel] = withCancel(background());
        const pending = run(ctx, conn, db.sleep('held-marker'));
        await timeUntil(async () => (await db.running('held-marker')) === 1);
        cancel();
        await expect(pending).rejects.toBe(cause(ctx));
        // The call waited for the cancel to land and for the statement's own
        // error to arrive on this connection, so the next statement runs and
        // nothing can hit it. The server's list of running statements may lag
        // that reply by a moment (MariaDB clears a killed thread's entry just
        // after sending the error; a busy machine widens it): it must empty soon.
        expect(db.firstRow(await run(background(), conn, 'SELECT 3 AS three'))).toEqual({ three: 3 });
        await timeUntil(async () => (await db.running('held-marker')) === 0, 5_000, 'the killed statement to leave the list');
      } finally {
        await close();
      }
    });
  });

  describe('the process running the statement dies', () => {
    test('killed with SIGKILL: the deadline, set on the server, ends the statement anyway', async () => {
      const limited = db.child('killed-limited', 1_500);
      const bare = db.child('killed-bare', undefined);
      await timeUntil(async () => (await db.running('killed-limited')) === 1 && (await db.running('killed-bare')) === 1, 30_000, 'both statements to start');
      const t0 = performance.now();
      limited.kill('SIGKILL');
      bare.kill('SIGKILL');
      await timeUntil(async () => (await db.running('killed-limited')) === 0, 15_000, 'the limited statement to end');
      console.log(`${db.label}: process killed -> limited statement gone ${(performance.now() - t0).toFixed(0)} ms after the kill (deadline 1500 ms from its start)`);
      // The control: without a deadline the server keeps running it for the dead client.
      expect(await db.running('killed-bare')).toBe(1);
      await db.terminate('killed-bare');
    });
  });
}

/**
 * The lib/pq#1001 race, provoked: 2,000 short statements on a pool of 4, about
 * half of them ended by their context at a random moment (often just as the
 * statement ends, when a late cancel would hit the next statement on that
 * connection). `one(ctx, pool, id, sleepMs)` runs a statement that sleeps
 * sleepMs and returns id, and resolves with a complaint if its result is not
 * its own, uninterrupted one. No statement whose context did not end may fail,
 * no connection may be lost or keep a limit, and no session may linger.
 */
export function stressTest<P, H>(db: Db<P, H>, one: (ctx: Context, pool: P, id: number, sleepMs: number) => Promise<string | undefined>): void {
  test('2,000 statements with random cancels on a pool of 4: no victim, no lost connection, no lingering session', async () => {
    const pool = db.newPool(4);
    const created = db.countCreated(pool);
    const total = 2_000;
    let next = 0;
    let cancelled = 0;
    let succeeded = 0;
    const victims: unknown[] = [];

    async function each(id: number): Promise<void> {
      const roll = Math.random();
      // A third cancelled by hand at a random moment, a sixth with a short deadline, the rest left alone.
      const [ctx, cancel]: [Context, () => void] = roll < 0.33 ? withCancel(background()) : roll < 0.5 ? withTimeout(background(), 1 + Math.random() * 10) : [background(), () => undefined];
      if (roll < 0.33) setTimeout(cancel, Math.random() * 12);
      try {
        const complaint = await one(ctx, pool, id, Math.random() * 8);
        if (complaint !== undefined) victims.push(new Error(complaint));
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
        while (next < total) await each(next++);
      }),
    );
    const elapsed = performance.now() - t0;
    console.log(`${db.label} stress: ${total} statements in ${elapsed.toFixed(0)} ms: ${succeeded} results, ${cancelled} ended by their context, ${victims.length} victims, ${created()} connections made`);
    expect(victims).toEqual([]);
    expect(succeeded + cancelled).toBe(total);
    expect(cancelled).toBeGreaterThan(100);

    // Every connection comes back to the pool (cleanup after a cancel runs in the background), none was replaced.
    await timeUntil(async () => db.connections(pool).idle === db.connections(pool).all, 30_000, 'the connections to come back');
    expect(created()).toBeLessThanOrEqual(4);
    expect(db.connections(pool).all).toBe(created());
    // They all still work, with the session's default limit.
    expect(await limits(db, pool)).toEqual(Array.from({ length: created() }, () => 0));
    // The pool's own sessions and nothing else: every cancel's connection is gone.
    await timeUntil(async () => (await db.sessions()) === db.connections(pool).all, 15_000, 'only the pool to remain');
  });
}

/** The statement limit of every connection of an idle pool, read at once (so each connection answers once). */
async function limits<P, H>(db: Db<P, H>, pool: P): Promise<number[]> {
  const rows = await Promise.all(Array.from({ length: db.connections(pool).all }, () => db.rawQuery(pool, db.limitSql)));
  return rows.map((r) => Number(db.firstRow(r).ms));
}

/** A transaction's handle, as far as the shared suite uses it. */
interface Tx {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}
/** ctxkit's transaction(ctx, pool, fn). */
type RunTransaction<P> = <T>(ctx: Context, pool: P, fn: (tx: Tx) => Promise<T>) => Promise<T>;

/**
 * Transactions: ROLLBACK when fn throws or when the context ends first (the
 * running statement stopped on the server), the deadline as a per-statement
 * limit that is undone at the end. Creates the table `items (tag)`.
 */
export function transactionSuite<P, H>(db: Db<P, H>, transaction: RunTransaction<P>): void {
  let pool: P;
  const count = async (tag: string): Promise<number> => Number((await db.admin(`SELECT count(*) AS n FROM items WHERE tag = ${db.param(1)}`, [tag]))[0]!.n);
  const insert = (tx: Tx, tag: string) => tx.query(`INSERT INTO items VALUES (${db.param(1)})`, [tag]);
  const allBack = () => timeUntil(async () => db.connections(pool).idle === db.connections(pool).all, 10_000, 'the connections to come back');

  beforeAll(async () => {
    pool = db.newPool(2);
    await db.admin('CREATE TABLE items (tag VARCHAR(50) NOT NULL)');
  });

  test('rolls back when fn throws, and rethrows its error', async () => {
    const oops = new Error('oops');
    await expect(
      transaction(background(), pool, async (tx) => {
        await insert(tx, 'thrown');
        throw oops;
      }),
    ).rejects.toBe(oops);
    expect(await count('thrown')).toBe(0);
  });

  test('the context ends mid-statement: stopped on the server, rolled back, rejects with cause(ctx), connection back', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('client went away');
    let later: Promise<unknown> | undefined;
    const pending = transaction(ctx, pool, async (tx) => {
      await insert(tx, 'abandoned');
      await tx.query(db.sleep('tx-marker')).catch(() => undefined);
      later = insert(tx, 'after');
      return 'finished';
    });
    await timeUntil(async () => (await db.running('tx-marker')) === 1);
    cancel(why);
    await expect(pending).rejects.toBe(why);
    await timeUntil(async () => (await db.running('tx-marker')) === 0, 10_000, 'the statement to end');
    await timeUntil(async () => later !== undefined);
    await expect(later).rejects.toBe(why);
    await allBack();
    expect(await count('abandoned')).toBe(0);
    expect(await count('after')).toBe(0);
  });

  test('with a deadline: each statement is limited, a long one ends with DeadlineExceeded, and the limit is undone', async () => {
    using scope = withTimeout(background(), 1_000);
    let seen = 0;
    await expect(
      transaction(scope[0], pool, async (tx) => {
        await insert(tx, 'deadline');
        seen = Number(db.firstRow(await tx.query(db.limitSql)).ms);
        await tx.query(db.sleep('tx-deadline'));
      }),
    ).rejects.toBe(DeadlineExceeded);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(1_000);
    expect(await count('deadline')).toBe(0);
    await allBack();
    expect(await limits(db, pool)).toEqual(Array.from({ length: db.connections(pool).all }, () => 0));
  });
}
