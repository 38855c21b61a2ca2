/**
 * The core's contract (contract.mjs, ctxkit/propagation and ctxkit/web included) in every runtime of the matrix: Node 20
 * (this process's node), 22, 24, 26, Deno, Bun, workerd and headless Chromium,
 * each against the ES-module build with its own timers, AbortSignal and
 * microtasks. Install them with `node scripts/runtimes.mjs install`.
 */
import { mustHaveAll, runScript, runtimes } from './helpers';

const ran: string[] = [];
const missing = runtimes.expected.filter((name) => !(name in runtimes.present));
let nodeCount: number | undefined;

afterAll(() => {
  console.log(
    `runtime matrix: the contract ran in ${ran.join(', ') || 'no runtime'}` +
      (missing.length ? `; not installed, skipped: ${missing.join(', ')} (node scripts/runtimes.mjs install)` : ''),
  );
});

describe.each(runtimes.expected)('%s', (name) => {
  if (!(name in runtimes.present)) {
    // CI never skips: a runtime that failed to install fails the run.
    (mustHaveAll ? test : test.skip)(`is installed`, () => {
      expect(runtimes.present).toHaveProperty(name);
    });
    return;
  }
  test('passes the contract', async () => {
    const { code, output } = await runScript('run.mjs', [name], 240_000);
    const summary = /^(?:\S+: )?(\d+) passed, (\d+) failed$/m.exec(output);
    expect({ name, code, output }).toEqual({ name, code: 0, output: expect.stringMatching(/ 0 failed$/m) });
    const passed = Number(summary![1]);
    // Every runtime runs the whole contract: the same count as the first one.
    nodeCount ??= passed;
    expect(passed).toBe(nodeCount);
    expect(passed).toBeGreaterThan(30);
    ran.push(name);
  }, 300_000);
});
