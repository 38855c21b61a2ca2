/**
 * Every code example in README.md and docs/*.md compiles and runs.
 *
 * Each fenced block whose info string starts with ts, typescript, js, javascript
 * or mjs is type-checked (strict, as a user's NodeNext project would, against
 * the built package: see runner.ts) and run, unless it is marked as a fragment.
 * A failure names the page and the line.
 *
 * Markers, as further words of the info string:
 * - ```ts fragment — not a program (a signature, an excerpt of a larger one):
 *   neither compiled nor run. Use it rarely; prefer a block that runs.
 * - ```ts until-signal — a program that serves until the process is told to
 *   stop: it is sent SIGTERM once it has printed its first output (or after 5 s;
 *   print when ready, so that the signal does not come before its handler)
 *   and must then exit with code 0, or be ended by that SIGTERM.
 * Every other block must exit by itself, with code 0, within 30 s.
 *
 * How a block runs:
 * - A script runs in its own Node process, a few at a time. If the block shows
 *   its output as `// → text` comments, its standard output must be exactly
 *   those lines, in order.
 * - A block that uses Jest's globals (`test(`, `beforeEach(` … at the start of
 *   a line, and no `node:test` import) is a Jest suite: it runs in this process,
 *   inside a `describe` named after its page and line.
 * - Remote services are written as origins under the reserved `.example` domain
 *   (`https://api.example/profile`). The runner rewrites them to a real server on
 *   127.0.0.1 that this test starts (loopback.ts says what it answers), so
 *   fetches do real network I/O with the real `fetch`. The rewrite is done on
 *   the compiled text just before the run, rather than by patching fetch or DNS
 *   in the child: the example's own code path stays exactly what a user copies,
 *   and `.example` names cannot resolve anywhere, so a copy never reaches a
 *   stranger's server.
 * - Databases: a block that reads `process.env.DATABASE_URL` (PostgreSQL) or
 *   `process.env.MYSQL_URL` (MariaDB, for mysql2) gets a connection string to a
 *   real server that this test starts for it (databases.ts), as a deployment
 *   would pass one. The servers are started only when some block reads them.
 * - JavaScript blocks are checked with checkJs, minus the implicit-any family
 *   (TS7xxx), since plain JavaScript has no annotations to give.
 *
 * A block that returns a promise, unawaited, from inside a `using` scope or a
 * `try` with `finally` does not compile here (scope-check.ts): the scope would
 * cancel the work before it finishes, even where running the example cannot
 * show it.
 *
 * The runner checks itself: fixtures/mistakes.md holds blocks that must fail
 * (the docs' old `return promise` inside a `using` / `finally` scope among
 * them), and each must fail naming its page, its line and the expected error.
 */
import { join } from 'node:path';
import { blocksOf, docPages, isRunnable, type Block } from './blocks.js';
import { startDatabases, type ExampleDatabases } from './databases.js';
import { startExampleServer, type ExampleServer } from './loopback.js';
import { compileBlocks, pool, runScript, verdict, whereOf, type Compiled, type RunResult } from './runner.js';

const repoRoot = join(__dirname, '..', '..');
const MISTAKES = 'test/docs/fixtures/mistakes.md';
const blocks: Block[] = [...docPages(repoRoot), MISTAKES].flatMap((page) => blocksOf(repoRoot, page)).filter(isRunnable);
const project = compileBlocks(repoRoot, blocks);
const isMistake = (c: Compiled): boolean => c.block.page === MISTAKES;
/** What a block of the mistakes page must fail with: the text after `// fails with:` on its first line. */
const expectedFailure = (c: Compiled): string => /^\/\/ fails with: (.*)$/m.exec(c.block.code)![1]!;
const scripts = project.compiled.filter((c) => !c.jest);
const suites = project.compiled.filter((c) => c.jest);

let server: ExampleServer;
let databases: ExampleDatabases | undefined;
let runs = new Map<Compiled, Promise<RunResult>>();

beforeAll(async () => {
  server = await startExampleServer();
  databases = await startDatabases(scripts.filter((c) => c.errors.length === 0).map((c) => c.block));
  const jobs = scripts.filter((c) => c.errors.length === 0);
  const results = pool(
    jobs.map((c) => () =>
      runScript(project, c, {
        origin: server.origin,
        untilSignal: c.block.flags.includes('until-signal'),
        // The mistake that never ends is stopped early, so that it costs little.
        timeoutMs: isMistake(c) && expectedFailure(c) === 'did not finish in time' ? 2_000 : 30_000,
        env: databases!.env,
      }),
    ),
  );
  runs = new Map(jobs.map((c, i) => [c, results[i]!]));
}, 180_000);

afterAll(async () => {
  // Every block's process ends within its time limit; the databases outlive them all.
  await Promise.allSettled(runs.values());
  await databases?.stop();
  await server?.close();
  project.remove();
});

test('the pages have examples, and the compiler ran', () => {
  expect(scripts.filter((c) => !isMistake(c)).length).toBeGreaterThan(50);
  expect(project.otherErrors).toEqual([]);
  expect(project.compiled.some((c) => c.block.flags.includes('fragment'))).toBe(false);
});

describe.each(scripts.filter((c) => !isMistake(c)).map((c) => [whereOf(c), c] as const))('%s', (_name, compiled) => {
  test('type-checks, runs and prints what it says', async () => {
    const failure = verdict(compiled, await runs.get(compiled));
    if (failure !== undefined) throw new Error(failure);
  }, 90_000);
});

describe.each(scripts.filter(isMistake).map((c) => [whereOf(c), c] as const))('the runner catches %s', (_name, compiled) => {
  test('it fails, naming the page, the line and the error', async () => {
    const failure = verdict(compiled, await runs.get(compiled));
    expect(failure).toContain(`${MISTAKES}:${compiled.block.line}`);
    expect(failure).toContain(expectedFailure(compiled));
  }, 90_000);
});

for (const compiled of suites) {
  describe(whereOf(compiled), () => {
    if (compiled.errors.length > 0) {
      test('type-checks', () => {
        throw new Error(verdict(compiled, undefined));
      });
      return;
    }
    require(compiled.out);
  });
}
