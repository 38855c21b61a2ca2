// Runs the core's contract (contract.mjs) against dist/esm in one runtime of the
// matrix and prints its report, ending in 'N passed, N failed':
//
//   node test/runtimes/run.mjs <node20|node22|node24|node26|deno|bun|workerd|chromium>
//
// Exit code 0 only if every test passed. Each run is bounded in time. The
// runtimes come from `node scripts/runtimes.mjs install` (.runtimes/).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, packagePath, presentRuntimes } from '../../scripts/runtimes.mjs';
import { startWorkerd } from './workerd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(here, 'cli.mjs');
/** The bound on one runtime's whole run, startup included. */
const RUN_TIMEOUT_MS = 180000;

/** Runs a command, resolving with its output and exit code (killed after RUN_TIMEOUT_MS). */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: root, timeout: RUN_TIMEOUT_MS, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, report: `${stdout}${stderr}`.trim() });
    });
  });
}

async function inWorkerd(workerd) {
  const main = `import * as ctxkit from './dist/esm/index.js';
import * as propagation from './dist/esm/propagation/index.js';
import * as web from './dist/esm/web/index.js';
import { runContract } from './contract.mjs';
export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/contract') return new Response('ready');
    const result = await runContract(ctxkit, propagation, web);
    return new Response(result.report, { status: result.failed === 0 ? 200 : 500 });
  },
};
`;
  const server = await startWorkerd({ workerd, main });
  try {
    const response = await fetch(`${server.url}contract`, { signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });
    return { code: response.status === 200 ? 0 : 1, report: (await response.text()).trim() };
  } finally {
    await server.stop();
  }
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' };

const CONTRACT_PAGE = `<!doctype html><meta charset="utf-8"><title>ctxkit contract</title>
<script type="module">
import * as ctxkit from '/dist/esm/index.js';
import * as propagation from '/dist/esm/propagation/index.js';
import * as web from '/dist/esm/web/index.js';
import { runContract } from '/test/runtimes/contract.mjs';
window.contract = runContract(ctxkit, propagation, web);
</script>`;

/**
 * A loopback server for a page: `/` is `page`, /dist/esm/… and /test/runtimes/…
 * are the repository's files, and `route(req, res)` may answer anything else
 * (returning true when it did).
 */
export async function staticServer(page, route = () => false) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path === '/') return res.writeHead(200, { 'content-type': TYPES['.html'] }).end(page);
    if (route(req, res)) return;
    if (!path.startsWith('/dist/esm/') && !path.startsWith('/test/runtimes/')) return res.writeHead(404).end();
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { url: `http://127.0.0.1:${server.address().port}/`, close };
}

/** Launches Debian's Chromium, headless, through playwright-core: never a browser download. */
export function launchChromium() {
  const { chromium } = createRequire(import.meta.url)(packagePath('playwright-core'));
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: RUN_TIMEOUT_MS });
}

async function inChromium() {
  const server = await staticServer(CONTRACT_PAGE);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url, { timeout: RUN_TIMEOUT_MS });
    await page.waitForFunction(() => window.contract !== undefined, undefined, { timeout: RUN_TIMEOUT_MS });
    const result = await page.evaluate(() => window.contract);
    const report = [...errors.map((e) => `page error: ${e}`), result.report].join('\n');
    return { code: result.failed === 0 && errors.length === 0 ? 0 : 1, report };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Runs the contract in `name`; resolves with { code, report }. */
export async function runIn(name) {
  const present = presentRuntimes();
  const bin = present[name];
  if (bin === undefined) return { code: 1, report: `${name} is not installed (node scripts/runtimes.mjs install)` };
  if (name.startsWith('node')) return run(bin, [cli]);
  if (name === 'bun') return run(bin, [cli]);
  if (name === 'deno') {
    return run(bin, ['run', '--allow-read', '--no-prompt', cli], { DENO_DIR: join(tmpdir(), 'ctxkit-deno-dir'), DENO_NO_UPDATE_CHECK: '1' });
  }
  if (name === 'workerd') return inWorkerd(bin);
  if (name === 'chromium') return inChromium();
  return { code: 1, report: `unknown runtime ${name}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  const { code, report } = await runIn(name).catch((e) => ({ code: 1, report: String(e?.stack ?? e) }));
  console.log(`${name}: ${report}`);
  process.exitCode = code;
}
