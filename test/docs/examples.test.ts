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
 *   stop: it is sent SIGTERM once it has printed its first output (or after 5 s)
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
 *   fetches do real network I/O with the real `fetch`.
 */
import { join } from 'node:path';
import { blocksOf, docPages, expectedOutput, isRunnable, type Block } from './blocks.js';
import { startExampleServer, type ExampleServer } from './loopback.js';
import { compileBlocks, pool, runScript, type Compiled, type RunResult } from './runner.js';

const repoRoot = join(__dirname, '..', '..');
const blocks: Block[] = docPages(repoRoot).flatMap((page) => blocksOf(repoRoot, page)).filter(isRunnable);
const project = compileBlocks(repoRoot, blocks);
const scripts = project.compiled.filter((c) => !c.jest);
const suites = project.compiled.filter((c) => c.jest);
const where = (c: Compiled): string => `${c.block.page}:${c.block.line}`;

let server: ExampleServer;
let runs = new Map<Compiled, Promise<RunResult>>();

beforeAll(async () => {
  server = await startExampleServer();
  const jobs = scripts.filter((c) => c.errors.length === 0);
  const results = pool(
    jobs.map((c) => () =>
      runScript(project, c, { origin: server.origin, untilSignal: c.block.flags.includes('until-signal'), timeoutMs: 30_000 }),
    ),
  );
  runs = new Map(jobs.map((c, i) => [c, results[i]!]));
});

afterAll(async () => {
  await server?.close();
  project.remove();
});

test('the pages have examples, and the compiler ran', () => {
  expect(scripts.length).toBeGreaterThan(50);
  expect(project.otherErrors).toEqual([]);
});

describe.each(scripts.map((c) => [where(c), c] as const))('%s', (_name, compiled) => {
  test('type-checks, runs and prints what it says', async () => {
    if (compiled.errors.length > 0) throw new Error(`${where(compiled)} does not compile:\n${compiled.errors.join('\n')}`);
    const r = await runs.get(compiled)!;
    const untilSignal = compiled.block.flags.includes('until-signal');
    const ok = r.code === 0 || (untilSignal && r.signal === 'SIGTERM');
    if (!ok || r.timedOut) {
      const how = r.timedOut ? 'did not finish within 30 s' : `exited with ${r.code ?? r.signal}`;
      throw new Error(`${where(compiled)} ${how}:\n${r.stderr || r.stdout}`);
    }
    const expected = expectedOutput(compiled.block);
    if (expected.length > 0) {
      const printed = r.stdout.split('\n').map((l) => l.trimEnd());
      while (printed.length > 0 && printed[printed.length - 1] === '') printed.pop();
      if (printed.join('\n') !== expected.join('\n')) {
        throw new Error(
          `${where(compiled)} printed other than its // → comments say.\nexpected:\n${expected.join('\n')}\nprinted:\n${printed.join('\n')}\n${r.stderr}`,
        );
      }
    }
  });
});

for (const compiled of suites) {
  describe(where(compiled), () => {
    if (compiled.errors.length > 0) {
      test('type-checks', () => {
        throw new Error(`${where(compiled)} does not compile:\n${compiled.errors.join('\n')}`);
      });
      return;
    }
    require(compiled.out);
  });
}
