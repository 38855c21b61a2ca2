/**
 * The oldest TypeScript ctxkit supports (the README's "TypeScript ≥ 5.4")
 * compiles a consumer of the published package: `npm pack`, installed into a
 * scratch project, type-checked with that exact tsc, `skipLibCheck` off so
 * that every shipped `.d.ts` is checked, both as ESM (`.mts`, the ESM
 * declarations) and as CommonJS (`.cts`, the CommonJS ones). A declaration
 * that needs a newer TypeScript (a newer utility type, a newer syntax) fails
 * here.
 *
 * That tsc is installed from the npm registry at test time into
 * node_modules/.cache (reused by later runs), not as a devDependency: a second
 * `typescript` in the project would compete for the `tsc` bin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/run-node.js';

/** The minimum TypeScript version: NoInfer (used by withValue) is 5.4's. Keep in step with README.md and docs/guide.md. */
const MIN_TYPESCRIPT = '5.4.5';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const cache = join(repoRoot, 'node_modules', '.cache');
const compilerDir = join(cache, `ctxkit-typescript-${MIN_TYPESCRIPT}`);

/**
 * Every subpath's main API, with the types a user writes. Inside
 * node_modules/.cache, the scratch project resolves fastify, express and
 * @types/node (which the declarations refer to) from the repository's node_modules.
 */
const CONSUMER = `
import { background, cause, withCancel, withTimeout, withValue, createKey, afterFunc, withSignal, withLinked, sleep, isContext, DeadlineExceeded, type Context } from 'ctxkit';
import { fromRequest, contextOf, expressAdapter, answerContextError, errorStatus, shutdown, withProcessSignals, ServerShutdown } from 'ctxkit/node';
import { fastifyAdapter } from 'ctxkit/node/fastify';
import { fetchWithContext, createContextFetch, valuesHeader, carry, incomingDeadline, ctxkitTimeoutCodec } from 'ctxkit/propagation';
import { shareContext, receiveContext } from 'ctxkit/worker';
import { canceledContext, expiredContext, pendingDeadlines } from 'ctxkit/testing';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

const requestId = createKey<string>('requestId');

export async function core(): Promise<string | undefined> {
  using scope = withTimeout(withValue(background(), requestId, 'r-1'), 1_000);
  const [ctx] = scope;
  const [child, cancel] = withCancel(ctx);
  afterFunc(child, () => cause(child));
  cancel();
  const [linked] = withLinked(ctx, child);
  const [signalled] = withSignal(linked, new AbortController().signal);
  await sleep(signalled, 1).catch(() => undefined);
  const id: string | undefined = ctx.value(requestId);
  return isContext(ctx) && ctx.err() !== DeadlineExceeded ? id : undefined;
}

export async function node(req: IncomingMessage, res: ServerResponse, server: Server): Promise<void> {
  const [ctx, cancel] = fromRequest(req, res, { timeoutMs: 5_000 });
  try {
    const same: Context = contextOf(req);
    const status: number | undefined = errorStatus(cause(same), req, res) ?? answerContextError(ServerShutdown, req, res);
    void status;
  } finally {
    cancel();
  }
  const adapter = expressAdapter({ timeoutMs: 1_000 });
  void [adapter.middleware, adapter.errorHandler, fastifyAdapter];
  using signals = withProcessSignals(background());
  void signals;
  await shutdown(server, { graceMs: 1_000 });
  void ctx;
}

export async function propagation(ctx: Context, headers: Record<string, string>): Promise<number> {
  const values = valuesHeader([carry('request-id', requestId)]);
  const incoming = incomingDeadline(ctx, headers, { codecs: [ctxkitTimeoutCodec] });
  incoming.cancel();
  const fetchCtx = createContextFetch({ values, marginMs: 10 });
  const first = await fetchCtx(values.extract(ctx, headers), 'http://127.0.0.1:1/');
  const second = await fetchWithContext(ctx, 'http://127.0.0.1:1/', { marginMs: 10 });
  return first.status + second.status;
}

export function worker(ctx: Context): boolean {
  const share = shareContext(ctx, { values: { requestId } });
  const remote = receiveContext(share.descriptor, { keys: { requestId } });
  const value: unknown = remote.value(requestId);
  return value === undefined && pendingDeadlines() === 0 && canceledContext().err() !== expiredContext().err();
}
`;

let project: string;

/** Installs (once, then reuses) MIN_TYPESCRIPT's tsc into node_modules/.cache; returns its tsc.js. */
function minimumCompiler(): string {
  const tsc = join(compilerDir, 'node_modules', 'typescript', 'lib', 'tsc.js');
  const manifest = join(compilerDir, 'node_modules', 'typescript', 'package.json');
  if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).version !== MIN_TYPESCRIPT || !existsSync(tsc)) {
    rmSync(compilerDir, { recursive: true, force: true });
    mkdirSync(compilerDir, { recursive: true });
    writeFileSync(join(compilerDir, 'package.json'), JSON.stringify({ name: 'ctxkit-min-typescript', private: true }));
    execFileSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `typescript@${MIN_TYPESCRIPT}`], { cwd: compilerDir, stdio: 'pipe' });
  }
  return tsc;
}

beforeAll(() => {
  mkdirSync(cache, { recursive: true });
  project = mkdtempSync(join(cache, 'ctxkit-consumer-'));
  // dist/ was built by the test setup; --ignore-scripts skips the prepack build.
  execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', project], { cwd: repoRoot, stdio: 'pipe' });
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', join(project, tarball)], { cwd: project, stdio: 'pipe' });
}, 300_000);

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

test(`TypeScript ${MIN_TYPESCRIPT} type-checks a consumer of every subpath, ESM and CommonJS, with skipLibCheck off`, () => {
  const tsc = minimumCompiler();
  const read: string[] = [];
  // Two programs: the ESM and the CommonJS declarations each augment fastify's
  // FastifyRequest, which one program cannot hold twice (nor does a user's).
  for (const consumer of ['consumer.mts', 'consumer.cts']) {
    writeFileSync(join(project, consumer), CONSUMER + everySubpath());
    const lines = typeCheck(tsc, consumer);
    // Only ctxkit's declarations and the consumer are judged: third-party
    // declarations may need a newer TypeScript than ctxkit does.
    expect(lines.filter((line) => /^(consumer\.[mc]ts|node_modules\/ctxkit\/).*error TS/.test(line))).toEqual([]);
    read.push(...lines.filter((line) => line.includes('/node_modules/ctxkit/dist/')).map((line) => relative(project, line)));
  }
  // The checks read ctxkit's declarations, both builds.
  expect(read).toEqual(expect.arrayContaining(['node_modules/ctxkit/dist/esm/index.d.ts', 'node_modules/ctxkit/dist/cjs/index.d.ts', 'node_modules/ctxkit/dist/esm/kinds/value.d.ts']));
}, 300_000);

/** An import of every subpath the package exports, so that a new subpath's declarations are checked too, before the consumer uses its API. */
function everySubpath(): string {
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'ctxkit', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(manifest.exports).filter((p) => p !== './package.json');
  expect(subpaths).toContain('./worker');
  return subpaths.map((p, i) => `import * as subpath${i} from '${p === '.' ? 'ctxkit' : `ctxkit/${p.slice(2)}`}';\nvoid subpath${i};\n`).join('');
}

/** Runs tsc on one consumer file; returns its output lines (diagnostics, then --listFiles). */
function typeCheck(tsc: string, consumer: string): string[] {
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: [consumer],
    }),
  );
  return spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: project, encoding: 'utf8' }).stdout.split('\n');
}
