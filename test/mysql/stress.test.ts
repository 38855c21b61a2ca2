/**
 * The lib/pq#1001 race for KILL QUERY, provoked (see stressTest in
 * test/db/suites.ts). An interrupted SLEEP returns 1 instead of failing, so
 * each result is checked as well.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { query } from '../../src/mysql/index';
import { useMariaDB } from '../db/harness';
import { stressTest } from '../db/suites';

jest.setTimeout(300_000);

const db = useMariaDB();

stressTest(db, async (ctx, pool, id, sleepMs) => {
  const [rows] = await query<RowDataPacket[]>(ctx, pool, 'SELECT SLEEP(?) AS interrupted, ? AS id', [sleepMs / 1000, id]);
  return rows[0]!.id === id && rows[0]!.interrupted === 0 ? undefined : `statement ${id}: ${JSON.stringify(rows[0])}`;
});
