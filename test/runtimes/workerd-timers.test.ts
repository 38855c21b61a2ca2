/**
 * Deadlines fire in workerd whatever other requests do (issue 15): workerd
 * drops a request's pending timers when that request ends, so a deadline made
 * in request B must not rely on a timer that request A armed. Real workerd,
 * real requests on loopback; workerd-timers.mjs runs the scenario.
 */
import { mustHaveAll, runScript, runtimes } from './helpers';

const haveWorkerd = 'workerd' in runtimes.present;

(haveWorkerd || mustHaveAll ? test : test.skip)(
  "B's 300 ms deadline fires while A's earlier deadline was cancelled and A's request ended",
  async () => {
    const { code, output } = await runScript('workerd-timers.mjs', [], 240_000);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringMatching(/^\{/) });
    const { alone, together } = JSON.parse(output);
    for (const b of [alone, together]) {
      expect(b.err).toBe('DeadlineExceededError: context deadline exceeded');
      // done(), the signal and afterFunc all fire, and never before the deadline
      // (B's request waits 3 s for them: generous on a busy machine).
      for (const what of ['done', 'signal', 'afterFunc']) {
        expect(b[what]).toBeGreaterThanOrEqual(299);
        expect(b[what]).toBeLessThan(2900);
      }
    }
  },
  300_000,
);
