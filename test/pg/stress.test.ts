/**
 * The lib/pq#1001 race for PostgreSQL's cancel request, provoked (see
 * stressTest in test/db/suites.ts).
 */
import { query } from '../../src/pg/index';
import { usePostgres } from '../db/harness';
import { stressTest } from '../db/suites';

jest.setTimeout(300_000);

const db = usePostgres();

stressTest(db, async (ctx, pool, id, sleepMs) => {
  const r = await query(ctx, pool, 'SELECT pg_sleep($1::float8 / 1000), $2::int AS id', [sleepMs, id]);
  return r.rows[0].id === id ? undefined : `statement ${id} got the result of ${r.rows[0].id}`;
});
