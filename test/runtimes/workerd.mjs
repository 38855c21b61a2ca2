// Starts a real workerd (Cloudflare Workers' runtime) on 127.0.0.1 serving one
// worker: `main` is the worker's entry module's source, which imports the
// ES-module build as './dist/esm/…' and this folder's files as './<file>'.
// Returns { url, stop, output }. Node only: the test side of the matrix.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
/** The parts of the ES-module build a worker may load: the core, ctxkit/propagation and ctxkit/web. */
const BUILD_DIRS = ['', 'kinds', 'internal', 'propagation', 'web'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function listJs(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && (e.name.endsWith('.js') || e.name.endsWith('.mjs')))
    .map((e) => join(dir, e.name));
}

/**
 * startWorkerd({ workerd, main, compatibilityFlags, build }) runs workerd with a
 * config file written to a throwaway directory, and resolves once it answers
 * HTTP. `build` is the ES-module build to serve as ./dist/esm (default: dist/esm).
 */
export async function startWorkerd({ workerd, main, compatibilityFlags = [], build = join(root, 'dist', 'esm'), startTimeoutMs = 60000 }) {
  const dir = mkdtempSync(join(tmpdir(), 'ctxkit-workerd-'));
  const modules = [['worker.mjs', join(dir, 'worker.mjs')]];
  writeFileSync(join(dir, 'worker.mjs'), main);
  for (const sub of BUILD_DIRS) {
    for (const file of listJs(join(build, sub))) {
      const name = join('dist', 'esm', relative(build, file));
      cpSync(file, join(dir, name));
      modules.push([name, join(dir, name)]);
    }
  }
  for (const file of listJs(here)) {
    const name = relative(here, file);
    if (name === 'workerd.mjs' || name === 'run.mjs' || name === 'cli.mjs' || name === 'web-serve.mjs' || name === 'web-servers.mjs') continue;
    cpSync(file, join(dir, name));
    modules.push([name, join(dir, name)]);
  }
  const port = await freePort();
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
${modules.map(([name, file]) => `    (name = ${JSON.stringify(name)}, esModule = embed ${JSON.stringify(relative(dir, file))}),`).join('\n')}
  ],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ${JSON.stringify(compatibilityFlags)},
);
`;
  writeFileSync(join(dir, 'config.capnp'), config);
  const child = spawn(workerd, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/`;
  const until = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`workerd exited (${child.exitCode}): ${output}`);
    }
    try {
      await fetch(`${url}__ready`, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {
      if (Date.now() > until) {
        await stop();
        throw new Error(`workerd did not answer within ${startTimeoutMs} ms: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, stop, output: () => output };
}
