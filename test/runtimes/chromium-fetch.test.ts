/**
 * A real page in headless Chromium (Debian's, driven by playwright-core) loads
 * the ES-module build, and a context cancels a real fetch to a loopback server:
 * the server sees the connection close, and the page's promises reject with
 * exactly cause(ctx). chromium-fetch.mjs runs the scenario.
 */
import { mustHaveAll, runScript, runtimes } from './helpers';

(('chromium' in runtimes.present) || mustHaveAll ? test : test.skip)(
  'cancelling the context closes the connection and rejects with cause(ctx)',
  async () => {
    const { code, output } = await runScript('chromium-fetch.mjs', [], 240_000);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringMatching(/^\{/) });
    const result = JSON.parse(output);
    expect(result).toMatchObject({ bodyRejection: 'cause(ctx)', rejection: 'cause(ctx)' });
    // The server saw the close (within milliseconds normally; generous here for a busy machine).
    expect(result.closedAfterCancelMs).not.toBeNull();
    expect(result.closedAfterCancelMs).toBeLessThan(20_000);
    console.log(`chromium: the server saw the connection close ${result.closedAfterCancelMs} ms after the page cancelled`);
  },
  300_000,
);
