/**
 * The published package: `npm pack`, installed into a scratch project, loads
 * with both `import` and `require`, and both give the same single instance;
 * it carries its licence and everything its README links to.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from '../helpers/run-node.js';

type Entry = { require: { default: string } };
const pkg = require('../../package.json') as { exports: Record<string, Entry | string>; dependencies?: Record<string, string> };
/** The source module of an exported entry point: ./dist/cjs/x/y.js comes from src/x/y.ts. */
const sourceOf = (entry: Entry): string => join(repoRoot, entry.require.default.replace('./dist/cjs/', 'src/').replace(/\.js$/, '.ts'));
/** Every exported entry point that has a source module (publint, in CI, rejects exports without files). */
const subpaths = Object.keys(pkg.exports).filter((p) => typeof pkg.exports[p] === 'object' && existsSync(sourceOf(pkg.exports[p] as Entry)));
const specifiers = subpaths.map((p) => (p === '.' ? 'ctxkit' : `ctxkit/${p.slice(2)}`));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'ctxkit-pack-'));
  // dist/ was built by the test setup; --ignore-scripts skips the prepack build.
  execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', project], { cwd: repoRoot, stdio: 'pipe' });
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', join(project, tarball)], { cwd: project, stdio: 'pipe' });
}, 120_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

function run(file: string, code: string): string {
  writeFileSync(join(project, file), code);
  return execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' }).trim();
}

test('require() loads every entry point', () => {
  const out = run(
    'check.cjs',
    `const names = ${JSON.stringify(specifiers)}.map((s) => Object.keys(require(s)).length);
     const c = require('ctxkit');
     const [ctx, cancel] = c.withTimeout(c.background(), 1000);
     cancel();
     console.log(JSON.stringify({ names, canceled: ctx.err() === c.Canceled }));`,
  );
  const { names, canceled } = JSON.parse(out);
  expect(names.every((n: number) => n > 0)).toBe(true);
  expect(canceled).toBe(true);
});

test('import loads every entry point, and shares one instance with require()', () => {
  const out = run(
    'check.mjs',
    `import * as c from 'ctxkit';
     import { createRequire } from 'node:module';
     const require = createRequire(import.meta.url);
     const names = [];
     for (const s of ${JSON.stringify(specifiers)}) names.push(Object.keys(await import(s)).length);
     const r = require('ctxkit');
     const [ctx, cancel] = r.withCancel(c.background());
     cancel();
     console.log(JSON.stringify({ names, same: r.Canceled === c.Canceled && r.background() === c.background(), crossCheck: ctx.err() === c.Canceled }));`,
  );
  const { names, same, crossCheck } = JSON.parse(out);
  expect(names.every((n: number) => n > 0)).toBe(true);
  expect(same).toBe(true);
  expect(crossCheck).toBe(true);
});

test('the browser/bundler ESM build loads on its own and carries declarations', () => {
  const out = run(
    'esm-build.mjs',
    `const c = await import('./node_modules/ctxkit/dist/esm/index.js');
     import { existsSync } from 'node:fs';
     const [ctx, cancel] = c.withCancel(c.background());
     cancel();
     console.log(JSON.stringify({ ok: ctx.err() === c.Canceled, dts: existsSync('node_modules/ctxkit/dist/esm/index.d.ts') && existsSync('node_modules/ctxkit/dist/cjs/index.d.ts') }));`,
  );
  expect(JSON.parse(out)).toEqual({ ok: true, dts: true });
});

test('the package has no runtime dependencies', () => {
  expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
});

test('the package carries the MIT licence its package.json names', () => {
  const installed = join(project, 'node_modules', 'ctxkit');
  expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).license).toBe('MIT');
  const licence = readFileSync(join(installed, 'LICENSE'), 'utf8');
  expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} ctxkit contributors\n/);
});

/** The relative link targets in a markdown text, without their #fragment: `[text](target)`, skipping URLs and same-page anchors. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#')).map((t) => decodeURIComponent(t.split('#')[0]!));
}

test('every relative link in the shipped README and docs leads to a shipped file', () => {
  const installed = join(project, 'node_modules', 'ctxkit');
  const pages = ['README.md', ...readdirSync(join(installed, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const checked: string[] = [];
  const dead: string[] = [];
  for (const page of pages) {
    for (const target of relativeLinks(readFileSync(join(installed, page), 'utf8'))) {
      const file = join(installed, dirname(page), target);
      checked.push(`${page} → ${target}`);
      if (!file.startsWith(installed) || !existsSync(file)) dead.push(`${page} → ${target} (${relative(installed, file)})`);
    }
  }
  expect(dead).toEqual([]);
  // The README does link into docs/: the check above had links to follow.
  expect(checked.filter((link) => link.startsWith('README.md → docs/')).length).toBeGreaterThan(5);
});
