/**
 * ctxkit/pg transactions against a real PostgreSQL: COMMIT when fn resolves,
 * with the options applied; the shared part (ROLLBACK when fn throws or the
 * context ends first, the deadline as SET LOCAL) is test/db/suites.ts.
 */
import { background, withCancel } from '../../src/index';
import { transaction, TxDoneError, type Transaction } from '../../src/pg/index';
import { usePostgres } from '../db/harness';
import { transactionSuite } from '../db/suites';

jest.setTimeout(120_000);

const db = usePostgres();

transactionSuite(db, transaction);

test('bad arguments are TypeErrors, before a connection is borrowed', async () => {
  const pool = db.newPool(1);
  const fn = async () => 1;
  const { conn, close } = await db.held();
  await expect(transaction(background(), conn as never, fn)).rejects.toThrow('ctxkit.pg.transaction: pool must be a pg Pool, got an object (Client)');
  await close();
  await expect(transaction(background(), pool, 'x' as never)).rejects.toThrow('ctxkit.pg.transaction: fn must be a function, got a string (1 character)');
  await expect(transaction(background(), pool, fn, { isolation: 'chaos' as never })).rejects.toThrow("ctxkit.pg.transaction: options.isolation must be one of 'read committed', 'repeatable read', 'serializable', got a string (5 characters)");
  await expect(transaction(background(), pool, fn, 3 as never)).rejects.toThrow('ctxkit.pg.transaction: options must be an object, got 3');
  const [done, cancel] = withCancel(background());
  cancel();
  await expect(transaction(done, pool, fn)).rejects.toBe(done.err());
  expect(pool.totalCount).toBe(0);
});

test('commits when fn resolves, with the options applied; the handle is done afterwards', async () => {
  const pool = db.newPool(1);
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
  expect((await db.admin('SELECT count(*)::int AS n FROM items WHERE tag = $1', ['committed']))[0]!.n).toBe(1);
  await expect(kept!.query('SELECT 1')).rejects.toBeInstanceOf(TxDoneError);
  // The connection that committed works, in no transaction.
  expect((await pool.query('SELECT now() = statement_timestamp() AS outside')).rows[0].outside).toBe(true);
});
