/**
 * ctxkit/testing, and the fake-clock recipes of docs/testing.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, Canceled, cause, DeadlineExceeded, withTimeout } from '../../src/index.js';
import { canceledContext, expiredContext, pendingDeadlines } from '../../src/testing/index.js';
import { distCjs } from '../helpers/run-node.js';

test('pendingDeadlines counts contexts waiting for their deadline', () => {
  const before = pendingDeadlines();
  const [, cancelA] = withTimeout(background(), 60_000);
  const [, cancelB] = withTimeout(background(), 60_000);
  expect(pendingDeadlines()).toBe(before + 2);
  cancelA();
  cancelB();
  expect(pendingDeadlines()).toBe(before);
});

test('canceledContext and expiredContext are done at once with their causes', () => {
  expect(canceledContext().err()).toBe(Canceled);
  expect(cause(canceledContext('why'))).toBe('why');
  expect(expiredContext().err()).toBe(DeadlineExceeded);
  expect(cause(expiredContext('late'))).toBe('late');
});

test("the node:test recipe: mock.timers with 'setTimeout' and 'Date' drives deadlines", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxkit-node-test-'));
  try {
    const file = join(dir, 'deadline.test.mjs');
    writeFileSync(
      file,
      `import { test, mock } from 'node:test';
       import assert from 'node:assert/strict';
       import { createRequire } from 'node:module';
       const { background, withTimeout, DeadlineExceeded } = createRequire(import.meta.url)(${JSON.stringify(distCjs)});
       test('deadline', () => {
         mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
         const [ctx] = withTimeout(background(), 1000);
         mock.timers.tick(999);
         assert.equal(ctx.err(), undefined);
         mock.timers.tick(1);
         assert.equal(ctx.err(), DeadlineExceeded);
         mock.timers.reset();
       });`,
    );
    const out = execFileSync(process.execPath, ['--test', file], { encoding: 'utf8' });
    expect(out).toMatch(/# pass 1/);
    expect(out).toMatch(/# fail 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
