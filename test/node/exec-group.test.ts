/**
 * A group of real child processes: one fails, the group's context ends, and
 * every sibling process is stopped and gone by the time wait() settles.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, cause, withGroup } from '../../src/index.js';
import { execFile, ExitError } from '../../src/node/index.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ctxkit-exec-group-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A child that writes its pid once its SIGTERM handler is set, then runs for a minute; on SIGTERM it exits. */
const LONG = `process.on('SIGTERM', () => process.exit(0)); require('fs').writeFileSync(process.argv[1], String(process.pid)); setTimeout(() => {}, 60_000);`;

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

test('one process fails: its siblings are sent SIGTERM, and all are gone when wait settles', async () => {
  const g = withGroup(background());
  const pidFiles = [0, 1, 2].map((i) => join(dir, `sibling-${i}.pid`));
  for (const file of pidFiles) void g.go((ctx) => execFile(ctx, process.execPath, ['-e', LONG, file], { waitDelayMs: 60_000 }));
  // The failing one waits until its siblings are up, then exits with 3.
  const waitsForSiblings = `
    const fs = require('fs');
    const files = JSON.parse(process.argv[1]);
    const check = setInterval(() => { if (files.every((f) => fs.existsSync(f))) { clearInterval(check); process.exit(3); } }, 20);
  `;
  void g.go((ctx) => execFile(ctx, process.execPath, ['-e', waitsForSiblings, JSON.stringify(pidFiles)]));
  const started = Date.now();
  const failure = await g.wait().catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ExitError);
  expect((failure as ExitError).code).toBe(3);
  expect(cause(g.ctx)).toBe(failure);
  expect(Date.now() - started).toBeLessThan(30_000); // the siblings' minute was cut short, well before the wait delay
  expect(pidFiles.every((f) => existsSync(f))).toBe(true);
  const pids = pidFiles.map((f) => Number(readFileSync(f, 'utf8')));
  expect(pids.map(gone)).toEqual([true, true, true]);
});
