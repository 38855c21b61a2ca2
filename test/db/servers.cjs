// @ts-check
/**
 * Real database servers for the ctxkit/pg and ctxkit/mysql suites: PostgreSQL
 * and MariaDB from Debian's packages, each started by a suite on a throwaway
 * data directory under the temp dir, listening on 127.0.0.1 and a free port,
 * and stopped (directory removed) by the suite's afterAll.
 *
 * Missing binaries are installed with apt-get when running as root; otherwise
 * the suite fails at once with the command to run. CommonJS with checked
 * JSDoc types, so that the Jest suites and the benchmark (bench/db.mjs) both
 * load it.
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const { join } = require('node:path');
const mysql = require('mysql2/promise');
const { Client } = require('pg');

const APT_COMMAND = 'apt-get update && apt-get install -y postgresql mariadb-server';
const isRoot = process.getuid?.() === 0;

/**
 * A running server: where to connect, and how to stop it.
 * @typedef {{ host: string, port: number, user: string, password: string, database: string, stop(): Promise<void> }} DbServer
 */

/** @returns {string | undefined} */
function postgresBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(base, /** @type {string} */ (versions[0]), 'bin');
}

/** @returns {string | undefined} */
function mariadbBin() {
  return existsSync('/usr/sbin/mariadbd') && existsSync('/usr/bin/mariadb-install-db') ? '/usr/sbin' : undefined;
}

/** Installs the Debian packages when they are missing (as root), else throws with the command to run. */
function ensureInstalled() {
  if (postgresBin() !== undefined && mariadbBin() !== undefined) return;
  if (!isRoot) throw new Error(`PostgreSQL and MariaDB are needed for these tests; run as root: ${APT_COMMAND}`);
  execFileSync('bash', ['-c', `DEBIAN_FRONTEND=noninteractive ${APT_COMMAND}`], { stdio: 'inherit' });
}

/** A port that was free a moment ago on 127.0.0.1. */
/** @returns {Promise<number>} */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {net.AddressInfo} */ (server.address()).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Resolves once `probe` succeeds; stops the server and rejects with its last error after `timeoutMs`.
 * @param {DbServer} server @param {() => Promise<void>} probe @param {number} timeoutMs @param {string} what
 */
async function until(server, probe, timeoutMs, what) {
  const start = Date.now();
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() - start > timeoutMs) {
        await server.stop();
        throw new Error(`${what} did not start: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Stops a server process with SIGTERM (SIGKILL after 10 s) and removes its directory.
 * @param {import('node:child_process').ChildProcess} child @param {string} dir @returns {() => Promise<void>}
 */
function stopper(child, dir) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * Runs a command as the `postgres` user when we are root (PostgreSQL refuses to run as root).
 * @param {string} file @param {string[]} args @returns {[string, string[]]}
 */
function asPostgres(file, args) {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

/**
 * Starts a throwaway PostgreSQL; user `postgres`, trust authentication, database `postgres`.
 * @returns {Promise<DbServer>}
 */
async function startPostgres() {
  ensureInstalled();
  const bin = /** @type {string} */ (postgresBin());
  const dir = mkdtempSync(join(os.tmpdir(), 'ctxkit-pg-'));
  if (isRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(dir, 'data');
  const [initFile, initArgs] = asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  execFileSync(initFile, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const settings = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200', '-c', `unix_socket_directories=${dir}`];
  const [file, args] = asPostgres(join(bin, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), ...settings]);
  const child = spawn(file, args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  /** @type {DbServer} */
  const server = { host: '127.0.0.1', port, user: 'postgres', password: '', database: 'postgres', stop: stopper(child, dir) };
  await until(
    server,
    async () => {
      if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}`);
      const client = new Client({ host: server.host, port, user: server.user, database: server.database });
      await client.connect();
      await client.end();
    },
    30_000,
    'PostgreSQL',
  );
  return server;
}

/**
 * Starts a throwaway MariaDB; user `ctxkit` (no password, all privileges) from 127.0.0.1, database `test`.
 * @returns {Promise<DbServer>}
 */
async function startMariaDB() {
  ensureInstalled();
  const dir = mkdtempSync(join(os.tmpdir(), 'ctxkit-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = isRoot ? ['--user=root'] : [];
  execFileSync('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  const port = await freePort();
  const child = spawn(
    join(/** @type {string} */ (mariadbBin()), 'mariadbd'),
    ['--no-defaults', `--datadir=${data}`, ...user, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`, `--pid-file=${join(dir, 'mysqld.pid')}`, '--skip-name-resolve', '--innodb-flush-log-at-trx-commit=0', '--max-connections=300', `--log-error=${join(dir, 'error.log')}`],
    { stdio: 'ignore' },
  );
  /** @type {DbServer} */
  const server = { host: '127.0.0.1', port, user: 'ctxkit', password: '', database: 'test', stop: stopper(child, dir) };
  await until(
    server,
    async () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}`);
      const root = await mysql.createConnection({ socketPath: socket, user: 'root' });
      await root.query("CREATE USER IF NOT EXISTS 'ctxkit'@'127.0.0.1'");
      await root.query("GRANT ALL ON *.* TO 'ctxkit'@'127.0.0.1'");
      await root.query('CREATE DATABASE IF NOT EXISTS test');
      await root.end();
    },
    30_000,
    'MariaDB',
  );
  return server;
}

module.exports = { startPostgres, startMariaDB };
