/**
 * ctxkit/mysql transactions against a real MariaDB: COMMIT when fn resolves,
 * with the options applied; the shared part (ROLLBACK when fn throws or the
 * context ends first, the deadline as the session's max_statement_time, put
 * back at the end) is test/db/suites.ts.
 */
import { background, withCancel } from '../../src/index';
import { transaction, TxDoneError, type Transaction } from '../../src/mysql/index';
import { useMariaDB } from '../db/harness';
import { transactionSuite } from '../db/suites';

jest.setTimeout(120_000);

const db = useMariaDB();

transactionSuite(db, transaction);

test('bad arguments are TypeErrors, before a connection is borrowed', async () => {
  const pool = db.newPool(1);
  const fn = async () => 1;
  const { conn, close } = await db.held();
  await expect(transaction(background(), conn as never, fn)).rejects.toThrow(/^ctxkit\.mysql\.transaction: pool must be a mysql2 promise Pool, got an object/);
  await close();
  await expect(transaction(background(), pool, null as never)).rejects.toThrow('ctxkit.mysql.transaction: fn must be a function, got null');
  await expect(transaction(background(), pool, fn, { readOnly: 'yes' as never })).rejects.toThrow('ctxkit.mysql.transaction: options.readOnly must be a boolean, got a string (3 characters)');
  const [done, cancel] = withCancel(background());
  cancel();
  await expect(transaction(done, pool, fn)).rejects.toBe(done.err());
  expect(db.connections(pool).all).toBe(0);
});

test('commits when fn resolves, with the options applied; the handle is done afterwards', async () => {
  const pool = db.newPool(1);
  let kept: Transaction | undefined;
  const value = await transaction(
    background(),
    pool,
    async (tx) => {
      kept = tx;
      await tx.execute('INSERT INTO items VALUES (?)', ['committed']);
      const [rows] = await tx.query('SELECT trx_isolation_level AS level FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = connection_id()');
      return rows[0].level as string;
    },
    { isolation: 'serializable' },
  );
  expect(value).toBe('SERIALIZABLE');
  expect(Number((await db.admin('SELECT count(*) AS n FROM items WHERE tag = ?', ['committed']))[0]!.n)).toBe(1);
  await expect(kept!.query('SELECT 1')).rejects.toBeInstanceOf(TxDoneError);
});
