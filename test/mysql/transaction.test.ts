/**
 * ctxkit/mysql transactions against a real MariaDB: COMMIT when fn resolves,
 * ROLLBACK when it throws or when the context ends first (the running
 * statement killed on the server), the deadline as the session's
 * max_statement_time, put back at the end.
 */
import mysql from 'mysql2/promise';
import { background, DeadlineExceeded, withCancel, withCancelCause, withTimeout } from '../../src/index';
import { transaction, TxDoneError, type Transaction } from '../../src/mysql/index';
import { startMariaDB, type DbServer } from '../db/servers.cjs';
import { timeUntil } from '../db/watch';

jest.setTimeout(120_000);

let server: DbServer;
let pool: mysql.Pool;
let admin: mysql.Connection;
const core = () => pool.pool as unknown as { _allConnections: { length: number }; _freeConnections: { length: number } };

const count = async (tag: string): Promise<number> => Number((await admin.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM items WHERE tag = ?', [tag]))[0][0]!.n);
const running = async (marker: string): Promise<number> =>
  Number((await admin.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM information_schema.processlist WHERE command = 'Query' AND id <> connection_id() AND info LIKE CONCAT('%', ?, '%')", [marker]))[0][0]!.n);

beforeAll(async () => {
  server = await startMariaDB();
  const settings = { host: server.host, port: server.port, user: server.user, database: server.database };
  pool = mysql.createPool({ ...settings, connectionLimit: 2 });
  admin = await mysql.createConnection(settings);
  await admin.query('CREATE TABLE items (tag VARCHAR(50) NOT NULL) ENGINE=InnoDB');
});

afterAll(async () => {
  await pool?.end();
  await admin?.end();
  await server?.stop();
});

test('bad arguments are TypeErrors, before a connection is borrowed', async () => {
  const fn = async () => 1;
  await expect(transaction(background(), admin as never, fn)).rejects.toThrow(/^ctxkit\.mysql\.transaction: pool must be a mysql2 promise Pool, got an object/);
  await expect(transaction(background(), pool, null as never)).rejects.toThrow('ctxkit.mysql.transaction: fn must be a function, got null');
  await expect(transaction(background(), pool, fn, { readOnly: 'yes' as never })).rejects.toThrow('ctxkit.mysql.transaction: options.readOnly must be a boolean, got a string (3 characters)');
  const [done, cancel] = withCancel(background());
  cancel();
  await expect(transaction(done, pool, fn)).rejects.toBe(done.err());
  expect(core()._allConnections.length).toBe(0);
});

test('commits when fn resolves, with the options applied; the handle is done afterwards', async () => {
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
  expect(await count('committed')).toBe(1);
  await expect(kept!.query('SELECT 1')).rejects.toBeInstanceOf(TxDoneError);
});

test('rolls back when fn throws, and rethrows its error', async () => {
  const oops = new Error('oops');
  await expect(
    transaction(background(), pool, async (tx) => {
      await tx.query('INSERT INTO items VALUES (?)', ['thrown']);
      throw oops;
    }),
  ).rejects.toBe(oops);
  expect(await count('thrown')).toBe(0);
});

test('the context ends mid-statement: killed on the server, rolled back, rejects with cause(ctx), connection back', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const why = new Error('client went away');
  const pending = transaction(ctx, pool, async (tx) => {
    await tx.query('INSERT INTO items VALUES (?)', ['abandoned']);
    await tx.query("SELECT SLEEP(30), 'tx-marker'");
  });
  await timeUntil(async () => (await running('tx-marker')) === 1);
  cancel(why);
  await expect(pending).rejects.toBe(why);
  await timeUntil(async () => (await running('tx-marker')) === 0, 10_000, 'the statement to end');
  await timeUntil(async () => core()._freeConnections.length === core()._allConnections.length, 10_000, 'the connection to come back');
  expect(await count('abandoned')).toBe(0);
});

test('with a deadline: each statement is limited, a long one ends with DeadlineExceeded, and the limit is put back', async () => {
  using scope = withTimeout(background(), 1_000);
  let seen = 0;
  await expect(
    transaction(scope[0], pool, async (tx) => {
      await tx.query('INSERT INTO items VALUES (?)', ['deadline']);
      seen = Number((await tx.query('SELECT @@session.max_statement_time AS s'))[0][0].s);
      await tx.query('SELECT SLEEP(30)');
    }),
  ).rejects.toBe(DeadlineExceeded);
  expect(seen).toBeGreaterThan(0);
  expect(seen).toBeLessThanOrEqual(1);
  expect(await count('deadline')).toBe(0);
  await timeUntil(async () => core()._freeConnections.length === core()._allConnections.length, 10_000, 'the connection to come back');
  for (let i = 0; i < core()._allConnections.length; i++) {
    const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT @@session.max_statement_time AS s');
    expect(Number(rows[0]!.s)).toBe(0);
  }
});
