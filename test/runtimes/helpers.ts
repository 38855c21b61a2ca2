/**
 * The runtime matrix from jest: which runtimes are installed (scripts/runtimes.mjs)
 * and a runner for the plain-ESM scripts of this folder in a fresh Node process
 * (they load playwright-core and start workerd, which jest's module system cannot).
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');

/** Installed runtimes (name → executable) and every runtime the matrix expects. */
export const runtimes: { present: Record<string, string>; expected: string[] } = JSON.parse(
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'runtimes.mjs'), 'json'], { encoding: 'utf8' }),
);

/** In CI a missing runtime fails the run; elsewhere its tests are skipped, and said so. */
export const mustHaveAll = process.env.CI === 'true';

/** Runs `node test/runtimes/<script> ...args`, resolving with its exit code and output. */
export function runScript(script: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(__dirname, script), ...args], { cwd: repoRoot, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}
