// ctxkit/pg and ctxkit/mysql against real servers (PostgreSQL and MariaDB from
// Debian, started on a throwaway data directory by test/db/servers.cjs):
//
// - overhead: a trivial `SELECT 1` on a pool of 1 through ctxkit (background,
//   which takes the bare call; a cancellable request-like context, watched and
//   cancellable; a context with a deadline) against the bare driver call,
//   interleaved in rounds that each start with another variant; per-statement
//   median of the rounds, in wall time and in this process's CPU time.
//   The deadline row pays for the server-side limit (two more round trips).
// - cancel → gone: a `pg_sleep(30)` / `SLEEP(30)` is cancelled through its
//   context; the time until the server no longer lists it as running
//   (pg_stat_activity / information_schema.processlist, polled).
//
//   npm run build && node bench/db.mjs [--quick]
//
// `run()` returns rows for bench/run.mjs: { name, median, p99, unit, samples }.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { background, withCancel, withTimeout } from 'ctxkit';
import { query as myQuery } from 'ctxkit/mysql';
import { query as pgQuery } from 'ctxkit/pg';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { markdownTable } from './lib/format.mjs';
import { summarize } from './lib/stats.mjs';

const { startMariaDB, startPostgres } = createRequire(import.meta.url)('../test/db/servers.cjs');

/** Times `n` sequential calls of `once()`: µs per call of wall time, and of this process's CPU time. */
async function perCall(once, n) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await once();
  const wall = ((performance.now() - t0) * 1000) / n;
  const { user, system } = process.cpuUsage(cpu0);
  return { wall, cpu: (user + system) / n };
}

/**
 * Interleaves the variants for `rounds` rounds of `n` calls; for each, the
 * median µs per call of wall time and of client CPU time (which other work
 * on a shared machine disturbs less), with its ratio to the first variant.
 */
async function overhead(label, variants, { rounds, n }) {
  const wall = variants.map(() => []);
  const cpu = variants.map(() => []);
  for (const [, once] of variants) await perCall(once, n); // warm-up
  for (let r = 0; r < rounds; r++) {
    // Each round starts with another variant, so that none always pays for the garbage of the one before.
    for (let i = 0; i < variants.length; i++) {
      const v = (r + i) % variants.length;
      const t = await perCall(variants[v][1], n);
      wall[v].push(t.wall);
      cpu[v].push(t.cpu);
    }
  }
  const rows = (what, samples) => {
    const bare = summarize(samples[0]).median;
    return variants.map(([name], v) => {
      const { median, p99 } = summarize(samples[v]);
      const ratio = v === 0 ? '' : ` (${((median / bare - 1) * 100).toFixed(1)} % vs bare)`;
      return { name: `${label}: SELECT 1, ${name}, ${what}${ratio}`, median, p99, unit: 'µs', samples: samples[v].length };
    });
  };
  return [...rows('wall', wall), ...rows('client CPU', cpu)];
}

/** Cancels a sleeping statement `runs` times; ms from cancel() until the server no longer lists it. */
async function cancelToGone(label, start, isRunning, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const marker = `bench-${label}-${i}`;
    const [ctx, cancel] = withCancel(background());
    const pending = start(ctx, marker).catch(() => undefined);
    while (!(await isRunning(marker)));
    const t0 = performance.now();
    cancel();
    while (await isRunning(marker));
    samples.push(performance.now() - t0);
    await pending;
  }
  const { median, p99 } = summarize(samples);
  return { name: `${label}: cancel → statement gone on the server`, median, p99, unit: 'ms', samples: samples.length };
}

async function postgres(options) {
  const server = await startPostgres();
  const settings = { host: server.host, port: server.port, user: server.user, database: server.database };
  const pool = new pg.Pool({ ...settings, max: 1 });
  const admin = new pg.Client(settings);
  await admin.connect();
  try {
    const [request, cancel] = withCancel(background());
    const [limited, stop] = withTimeout(background(), 3_600_000);
    const rows = await overhead(
      'pg',
      [
        ['bare pool.query', () => pool.query('SELECT 1')],
        ['query(background())', () => pgQuery(background(), pool, 'SELECT 1')],
        ['query(cancellable ctx)', () => pgQuery(request, pool, 'SELECT 1')],
        ['query(ctx with deadline)', () => pgQuery(limited, pool, 'SELECT 1')],
      ],
      options,
    );
    cancel();
    stop();
    const isRunning = async (marker) =>
      (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'", [marker])).rows[0].n > 0;
    rows.push(await cancelToGone('pg', (ctx, marker) => pgQuery(ctx, pool, `SELECT pg_sleep(30), '${marker}'`), isRunning, options.cancels));
    return rows;
  } finally {
    await pool.end();
    await admin.end();
    await server.stop();
  }
}

async function mariadb(options) {
  const server = await startMariaDB();
  const settings = { host: server.host, port: server.port, user: server.user, database: server.database };
  const pool = mysql.createPool({ ...settings, connectionLimit: 1 });
  const admin = await mysql.createConnection(settings);
  try {
    const [request, cancel] = withCancel(background());
    const [limited, stop] = withTimeout(background(), 3_600_000);
    const rows = await overhead(
      'mariadb',
      [
        ['bare pool.query', () => pool.query('SELECT 1')],
        ['query(background())', () => myQuery(background(), pool, 'SELECT 1')],
        ['query(cancellable ctx)', () => myQuery(request, pool, 'SELECT 1')],
        ['query(ctx with deadline)', () => myQuery(limited, pool, 'SELECT 1')],
      ],
      options,
    );
    cancel();
    stop();
    const isRunning = async (marker) => {
      const [r] = await admin.query("SELECT count(*) AS n FROM information_schema.processlist WHERE command = 'Query' AND id <> connection_id() AND info LIKE CONCAT('%', ?, '%')", [marker]);
      return Number(r[0].n) > 0;
    };
    rows.push(await cancelToGone('mariadb', (ctx, marker) => myQuery(ctx, pool, `SELECT SLEEP(30), '${marker}'`), isRunning, options.cancels));
    return rows;
  } finally {
    await pool.end();
    await admin.end();
    await server.stop();
  }
}

/** Runs both databases and returns the rows. */
export async function run({ quick = false } = {}) {
  const options = quick ? { rounds: 5, n: 200, cancels: 20 } : { rounds: 30, n: 500, cancels: 200 };
  return [...(await postgres(options)), ...(await mariadb(options))];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await run({ quick: process.argv.includes('--quick') });
  console.log(`Node ${process.version}\n`);
  console.log(
    markdownTable(
      ['what', 'median', 'p99', 'samples'],
      rows.map((r) => [r.name, `${r.median.toFixed(r.unit === 'ms' ? 2 : 1)} ${r.unit}`, `${r.p99.toFixed(r.unit === 'ms' ? 2 : 1)} ${r.unit}`, String(r.samples)]),
    ),
  );
}
