// A real page in headless Chromium loads the ES-module build and cancels a real
// fetch to a loopback server through a context: fetchWithContext for a stalled
// response, cancelled once its head has arrived. The server reports when it saw
// the connection close. Prints one JSON line:
// { rejection, bodyRejection, closedAfterCancelMs }.
//
//   node test/runtimes/chromium-fetch.mjs
import { launchChromium, staticServer } from './run.mjs';

const page = `<!doctype html><meta charset="utf-8"><title>ctxkit fetch</title>
<script type="module">
import { background, cause, withCancelCause } from '/dist/esm/index.js';
import { fetchWithContext } from '/dist/esm/propagation/index.js';
const why = new Error('user left the page');
const [ctx, cancel] = withCancelCause(background());
window.result = (async () => {
  const response = await fetchWithContext(ctx, '/stall');
  const reader = response.body.getReader();
  await reader.read();
  await fetch('/cancelling', { method: 'POST' });
  cancel(why);
  let bodyRejection;
  await reader.read().catch((e) => (bodyRejection = e === why ? 'cause(ctx)' : String(e)));
  let rejection;
  await fetchWithContext(ctx, '/stall').catch((e) => (rejection = e === cause(ctx) ? 'cause(ctx)' : String(e)));
  return { bodyRejection, rejection };
})().catch((e) => ({ error: String(e) }));
</script>`;

let cancelledAt;
let closedAt;
let closed;
const server = await staticServer(page, (req, res) => {
  if (req.url === '/cancelling') {
    cancelledAt = performance.now();
    res.writeHead(204).end();
    return true;
  }
  if (req.url !== '/stall') return false;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('partial');
  closed = new Promise((resolve) => req.socket.once('close', () => resolve((closedAt = performance.now()))));
  return true;
});
const browser = await launchChromium();
try {
  const tab = await browser.newPage();
  await tab.goto(server.url, { timeout: 120000 });
  await tab.waitForFunction(() => window.result !== undefined, undefined, { timeout: 120000 });
  const result = await tab.evaluate(() => window.result);
  // Generous: the close should come within milliseconds; a busy machine may take longer.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 30000))]);
  const closedAfterCancelMs = closedAt === undefined ? null : Math.round((closedAt - cancelledAt) * 10) / 10;
  console.log(JSON.stringify({ ...result, closedAfterCancelMs }));
} finally {
  await browser.close();
  await server.close();
}
