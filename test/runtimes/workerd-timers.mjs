// The scenario of issue 15 in a real workerd: request A makes a 200 ms timeout,
// request B starts 10 ms later with a 300 ms timeout, A cancels after 20 ms and
// ends. workerd drops a request's pending timers when it ends, so a deadline
// must not depend on a timer another request armed. Prints one JSON line:
// { alone, together }, each B's view: when done(), signal and afterFunc fired.
//
//   node test/runtimes/workerd-timers.mjs [build dir, default dist/esm]
import { join } from 'node:path';
import { packagePath } from '../../scripts/runtimes.mjs';
import { startWorkerd } from './workerd.mjs';

const main = `import { afterFunc, background, withTimeout } from './dist/esm/index.js';
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/a') {
      const [ctx, cancel] = withTimeout(background(), 200);
      void ctx.done();
      await wait(20);
      cancel();
      return new Response('a');
    }
    if (path !== '/b') return new Response('ready');
    const start = Date.now();
    const [ctx, cancel] = withTimeout(background(), 300);
    const seen = {};
    const at = (what) => () => (seen[what] = Date.now() - start);
    ctx.done().then(at('done'));
    ctx.signal.addEventListener('abort', at('signal'));
    afterFunc(ctx, at('afterFunc'));
    // Keeps B's request alive well past its deadline, whatever happens to it.
    await Promise.race([ctx.done(), wait(3000)]);
    await wait(50);
    seen.err = String(ctx.err());
    cancel();
    return Response.json(seen);
  },
};
`;

const build = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'dist', 'esm');
const server = await startWorkerd({ workerd: packagePath('workerd'), main, build });
try {
  const get = async (path) => (await fetch(server.url + path.slice(1), { signal: AbortSignal.timeout(60000) })).text();
  const alone = JSON.parse(await get('/b'));
  const a = get('/a');
  await new Promise((resolve) => setTimeout(resolve, 10));
  const together = JSON.parse(await get('/b'));
  await a;
  console.log(JSON.stringify({ alone, together }));
} finally {
  await server.stop();
}
