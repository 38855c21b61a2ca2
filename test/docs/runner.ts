/**
 * Compiles documentation blocks as a user's project would, and runs them.
 *
 * The blocks are written to a scratch project under node_modules/.cache, whose
 * own node_modules/ctxkit is a link to this repository: `ctxkit`, `ctxkit/node`,
 * … resolve through package.json's exports to the built dist/, as they do for a
 * user; other packages (express, fastify, …) resolve from the repository's
 * node_modules further up. One TypeScript program type-checks every block (strict,
 * NodeNext) and emits JavaScript; each script block then runs in its own Node
 * process, a few at a time.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expectedOutput, isJestSuite, isTypeScript, type Block } from './blocks.js';
import { routeToLoopback } from './loopback.js';
import { unawaitedScopeReturns } from './scope-check.js';

/** A block as written into the scratch project. */
export interface Compiled {
  block: Block;
  /** Whether it is a Jest suite (required by the test file) rather than a script. */
  jest: boolean;
  /** The emitted JavaScript. */
  out: string;
  /** The compiler's diagnostics for this block, each as `page:line: message`. */
  errors: string[];
}

/** The scratch project: every runnable block, compiled. */
export interface Project {
  dir: string;
  compiled: Compiled[];
  /** Diagnostics that belong to no block (configuration problems). */
  otherErrors: string[];
  remove(): void;
}

/** Writes `blocks` into a fresh scratch project and type-checks and compiles them as one program. */
export function compileBlocks(repoRoot: string, blocks: Block[]): Project {
  const cache = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'ctxkit-docs-'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'ctxkit'), 'dir');

  const bySource = new Map<string, Compiled>();
  for (const block of blocks) {
    const jest = isJestSuite(block);
    const ts = isTypeScript(block);
    const name = `${block.page.replace(/[^a-z0-9]+/gi, '-')}-L${block.line}`;
    const src = `${name}.${jest ? (ts ? 'cts' : 'cjs') : ts ? 'mts' : 'mjs'}`;
    writeFileSync(join(dir, 'src', src), block.code);
    bySource.set(`src/${src}`, { block, jest, out: join(dir, 'out', src.replace(/ts$/, 'js')), errors: [] });
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node', 'jest'],
    typeRoots: [join(repoRoot, 'node_modules', '@types')],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    strict: true,
    allowJs: true,
    checkJs: true,
    esModuleInterop: true,
    skipLibCheck: true,
    rootDir: join(dir, 'src'),
    outDir: join(dir, 'out'),
  };
  const program = ts.createProgram([...bySource.keys()].map((src) => join(dir, src)), options);
  const otherErrors = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(format);
  const checker = program.getTypeChecker();
  // Syntactic and semantic diagnostics per file: a syntax error in one block must not hide another's type errors.
  for (const file of program.getSourceFiles()) {
    const target = bySource.get(relative(dir, file.fileName));
    if (!target) continue;
    const lineOf = (pos: number): number => target.block.line + file.getLineAndCharacterOfPosition(pos).line + 1;
    for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
      // Plain JavaScript has no annotations to give: the implicit-any family (TS7xxx) does not apply to it.
      if (!isTypeScript(target.block) && d.code >= 7000 && d.code < 8000) continue;
      target.errors.push(`${target.block.page}:${lineOf(d.start ?? 0)}: ${format(d)}`);
    }
    for (const ret of unawaitedScopeReturns(file, checker)) {
      target.errors.push(
        `${target.block.page}:${lineOf(ret.getStart(file))}: returns a promise from inside a using/finally scope, ` +
          'which cancels its context before the work finishes: write `return await …`',
      );
    }
  }
  program.emit();
  return {
    dir,
    compiled: [...bySource.values()],
    otherErrors,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** How a script block ended. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether the runner had to kill it for running too long. */
  timedOut: boolean;
}

/** Options for {@link runScript}. */
export interface RunOptions {
  /** The loopback origin that placeholder origins are routed to. */
  origin: string;
  /** Send SIGTERM once the block has printed its first output (a block marked `until-signal`). */
  untilSignal: boolean;
  /** Kill the block after this long. */
  timeoutMs: number;
  /** Extra environment variables for the block's process (the databases' connection strings). */
  env?: Record<string, string>;
}

/** Runs one compiled script block in its own Node process, with placeholder origins routed to `origin`. */
export function runScript(project: Project, compiled: Compiled, options: RunOptions): Promise<RunResult> {
  const code = readFileSync(compiled.out, 'utf8');
  writeFileSync(compiled.out, routeToLoopback(code, options.origin));
  const env = { ...process.env, ...options.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [relative(project.dir, compiled.out)], { cwd: project.dir, env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let signalled = false;
    const terminate = (): void => {
      if (signalled) return;
      signalled = true;
      child.kill('SIGTERM');
    };
    // A block that serves until told to stop gets SIGTERM once it has shown it is up.
    const fallback = options.untilSignal ? setTimeout(terminate, 5_000) : undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (options.untilSignal && stdout === '') setTimeout(terminate, 200);
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('close', (exitCode, signal) => {
      clearTimeout(killer);
      clearTimeout(fallback);
      resolve({ code: exitCode, signal, stdout, stderr, timedOut });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time; the promises settle as each job does. */
export function pool<T>(jobs: Array<() => Promise<T>>, limit = Math.max(2, Math.min(4, availableParallelism()))): Array<Promise<T>> {
  let next = 0;
  const starts: Array<(v: void) => void> = [];
  const gates = jobs.map(() => new Promise<void>((resolve) => starts.push(resolve)));
  const results = jobs.map((job, i) => gates[i]!.then(job));
  const advance = (): void => {
    if (next < jobs.length) starts[next++]!();
  };
  results.forEach((r) => r.then(advance, advance));
  for (let i = 0; i < limit; i++) advance();
  return results;
}

/** A diagnostic's message, without its file position. */
function format(d: ts.Diagnostic): string {
  return `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
}

/** Where a compiled block comes from, as `page:line`. */
export function whereOf(compiled: Compiled): string {
  return `${compiled.block.page}:${compiled.block.line}`;
}

/**
 * Why a block failed, naming its page and line, or undefined if it passed: it
 * compiled, exited with 0 (or by the SIGTERM a block marked `until-signal` is
 * sent), within the time allowed, printing what its `// →` comments say.
 */
export function verdict(compiled: Compiled, run: RunResult | undefined): string | undefined {
  const where = whereOf(compiled);
  if (compiled.errors.length > 0) return `${where} does not compile:\n${compiled.errors.join('\n')}`;
  if (!run) return `${where} was not run`;
  const untilSignal = compiled.block.flags.includes('until-signal');
  const output = [run.stderr, run.stdout].filter((text) => text.trim() !== '').join('\n');
  if (run.timedOut) return `${where} did not finish in time:\n${output}`;
  if (!(run.code === 0 || (untilSignal && run.signal === 'SIGTERM'))) return `${where} exited with ${run.code ?? run.signal}:\n${output}`;
  const expected = expectedOutput(compiled.block);
  if (expected.length === 0) return undefined;
  const printed = run.stdout.split('\n').map((l) => l.trimEnd());
  while (printed.length > 0 && printed[printed.length - 1] === '') printed.pop();
  if (printed.join('\n') === expected.join('\n')) return undefined;
  return `${where} printed other than its // → comments say.\nexpected:\n${expected.join('\n')}\nprinted:\n${printed.join('\n')}\n${run.stderr}`;
}
