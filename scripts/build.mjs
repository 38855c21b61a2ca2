// Builds dist/: CommonJS (dist/cjs), ES modules (dist/esm), and for Node a thin
// ES-module wrapper over the CommonJS build (dist/esm-node), so that `import` and
// `require` in one Node process share a single copy of ctxkit (one Canceled,
// one deadline scheduler). Browsers, Deno and bundlers get the pure ESM build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const finalDist = join(root, 'dist');
// Built beside dist/ and swapped in at the end, so a concurrent test run that is
// reading dist/ never finds it half-written or missing.
const dist = join(root, `.dist-build-${process.pid}`);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** Package entry points: subpath export -> module under src/ (without extension). */
export const entries = {
  '.': 'index',
  './node': 'node/index',
  './node/fastify': 'node/fastify',
  './propagation': 'propagation/index',
  './worker': 'worker/index',
  './testing': 'testing/index',
  './pg': 'pg/index',
  './mysql': 'mysql/index',
  './grpc': 'grpc/index',
  './undici': 'undici/index',
  './axios': 'axios/index',
  './connect': 'connect/index',
  './web': 'web/index',
  './hono': 'web/hono',
  './got': 'got/index',
  './ky': 'ky/index',
};

rmSync(dist, { recursive: true, force: true });
// --emit-on-error: still write dist/ when the types do not check (the test run's
// build, so one unfinished module does not stop every suite; CI type-checks first).
const emitOnError = process.argv.includes('--emit-on-error');
const compile = (outDir, module, moduleResolution) => {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dist, outDir), '--module', module, '--moduleResolution', moduleResolution], { stdio: 'inherit' });
  } catch (error) {
    if (!emitOnError) throw error;
  }
};
compile('cjs', 'commonjs', 'node10');
compile('esm', 'es2022', 'bundler');
writeFileSync(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
writeFileSync(join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');

const require = createRequire(import.meta.url);
for (const [subpath, module] of Object.entries(entries)) {
  const cjsFile = join(dist, 'cjs', `${module}.js`);
  if (!existsSync(cjsFile)) continue;
  const names = Object.keys(require(cjsFile)).filter((n) => n !== '__esModule' && n !== 'default');
  const wrapper = join(dist, 'esm-node', `${module}.mjs`);
  mkdirSync(dirname(wrapper), { recursive: true });
  const rel = join('..', ...module.split('/').slice(0, -1).map(() => '..'), 'cjs', `${module}.js`).replaceAll('\\', '/');
  writeFileSync(
    wrapper,
    `// ctxkit${subpath === '.' ? '' : subpath.slice(1)} for Node's ESM loader: the CommonJS build, so import and require share one instance.\n` +
      `import cjs from '${rel.startsWith('.') ? rel : './' + rel}';\n` +
      `export const { ${names.join(', ')} } = cjs;\n`,
  );
}

const old = join(root, `.dist-old-${process.pid}`);
if (existsSync(finalDist)) renameSync(finalDist, old);
renameSync(dist, finalDist);
rmSync(old, { recursive: true, force: true });
