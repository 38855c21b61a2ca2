/**
 * Runs a script in a fresh Node process against the built package (dist/), for
 * what a test process cannot show: heap figures under --expose-gc, uncaught
 * exceptions, whether a pending timer keeps the process alive.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
/** Path of the built CommonJS entry, for require() in scripts. */
export const distCjs = join(repoRoot, 'dist', 'cjs', 'index.js');

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time the process took, in ms. */
  elapsedMs: number;
}

/** Runs `code` (CommonJS; `ctxkit` is bound to the built package) with the given node flags. */
export function runNode(code: string, flags: string[] = [], timeoutMs = 60_000): ScriptResult {
  const prelude = `const ctxkit = require(${JSON.stringify(distCjs)});\n`;
  const started = Date.now();
  const r = spawnSync(process.execPath, [...flags, '-e', prelude + code], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, elapsedMs: Date.now() - started };
}

/** Runs `code`, which must print one JSON line last, and returns it parsed. */
export function runNodeJson<T = Record<string, unknown>>(code: string, flags: string[] = [], timeoutMs?: number): T {
  const r = runNode(code, flags, timeoutMs);
  if (r.status !== 0) throw new Error(`script failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
