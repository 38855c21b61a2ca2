/**
 * The databases that documentation examples connect to. An example that
 * reads `process.env.DATABASE_URL` (PostgreSQL) or `process.env.MYSQL_URL`
 * (MariaDB, for mysql2) gets a real server: the runner starts one of each
 * that some example needs (test/db/servers.cjs: a throwaway data directory,
 * loopback, a free port) and passes the connection string in that variable,
 * the way a user's deployment would. Examples share the server and run a few
 * at a time, so each uses tables of its own.
 */
import type { Block } from './blocks.js';
import { startMariaDB, startPostgres, type DbServer } from '../db/servers.cjs';

/** The variables examples read, and the server each stands for. */
const VARIABLES = {
  DATABASE_URL: { start: startPostgres, url: (s: DbServer) => `postgres://${s.user}@${s.host}:${s.port}/${s.database}` },
  MYSQL_URL: { start: startMariaDB, url: (s: DbServer) => `mysql://${s.user}@${s.host}:${s.port}/${s.database}` },
} as const;
type Variable = keyof typeof VARIABLES;

/** Which database variables a block reads. */
export function databasesOf(block: Block): Variable[] {
  return (Object.keys(VARIABLES) as Variable[]).filter((name) => block.code.includes(`process.env.${name}`));
}

/** The running servers: the variables to pass, and how to stop them. */
export interface ExampleDatabases {
  env: Partial<Record<Variable, string>>;
  stop(): Promise<void>;
}

/** Starts one server for each variable some block reads (none if none does). */
export async function startDatabases(blocks: Block[]): Promise<ExampleDatabases> {
  const needed = new Set(blocks.flatMap(databasesOf));
  const started = await Promise.all([...needed].map(async (name) => [name, await VARIABLES[name].start()] as const));
  return {
    env: Object.fromEntries(started.map(([name, server]) => [name, VARIABLES[name].url(server)])),
    stop: async () => void (await Promise.all(started.map(([, server]) => server.stop()))),
  };
}
