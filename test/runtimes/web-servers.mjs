// Drives web-app.mjs served by one real runtime on loopback (the client side of
// web-servers.test.ts) and prints what happened as JSON:
//   node web-servers.mjs <deno|bun|node-fetch|node-hono|workerd> <executable>
// Each scenario tags its requests with an id; the server records how each
// request context ended, and /events reports it.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from './workerd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const [kind, executable] = process.argv.slice(2);

/** Starts a runtime on web-serve.mjs and resolves with { url, stop } once it listens. */
function startServe(command, args) {
  const child = spawn(command, [...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => stop().then(() => reject(new Error(`no "listening" within 60 s: ${output}`))), 60_000);
    const onData = (data) => {
      output += data;
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${port}/`, stop, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => reject(new Error(`${kind} exited (${code}) before listening: ${output}`)));
  });
}

const WORKER = `
import * as core from './dist/esm/index.js';
import * as web from './dist/esm/web/index.js';
import { fetchApp } from './web-app.mjs';
export default { fetch: fetchApp({ ...core, ...web }) };
`;

function start() {
  const serve = join(here, 'web-serve.mjs');
  switch (kind) {
    case 'deno':
      return startServe(executable, ['run', '-A', serve, 'fetch']);
    case 'bun':
      return startServe(executable, [serve, 'fetch']);
    case 'node-fetch':
      return startServe(executable, [serve, 'fetch']);
    case 'node-hono':
      return startServe(executable, [serve, 'hono']);
    case 'workerd':
      return startWorkerd({ workerd: executable, main: WORKER, compatibilityFlags: ['enable_request_signal'] });
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

const server = await start();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** All events recorded so far, kept across calls (/events hands each out once). */
const seen = [];
async function eventsOf(id, { atLeast = 1, waitMs = 10_000 } = {}) {
  const until = Date.now() + waitMs;
  for (;;) {
    seen.push(...(await (await fetch(`${server.url}events`)).json()));
    const mine = seen.filter((e) => e.id === id);
    if (mine.length >= atLeast || Date.now() > until) return mine;
    await sleep(50);
  }
}

const results = {};
try {
  // A successful answer: ResponseFinished, and nothing else, even after the
  // runtime has had time to abort the request's signal (Deno does).
  {
    const r = await fetch(`${server.url}ok?id=ok`);
    const body = await r.text();
    await sleep(500);
    const events = await eventsOf('ok');
    results.ok = { status: r.status, body, causes: events.map((e) => e.cause) };
  }
  // The client goes away while the handler waits.
  {
    const controller = new AbortController();
    const pending = fetch(`${server.url}slow?id=gone&ms=8000`, { signal: controller.signal }).catch((e) => e.name);
    await sleep(300);
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    const events = await eventsOf('gone', { waitMs: kind === 'workerd' ? 3000 : 10_000 });
    results.disconnect = { causes: events.map((e) => e.cause), latencyMs: events.length > 0 ? events[0].at - abortedAt : undefined };
  }
  // The caller's deadline header: 300 ms.
  {
    const r = await fetch(`${server.url}slow?id=deadline`, { headers: { 'ctxkit-timeout-ms': '300' } });
    const body = await r.text();
    const events = await eventsOf('deadline');
    results.deadline = { status: r.status, body, causes: events.map((e) => e.cause) };
  }
  // A streamed body read to its end: the context lives until the last chunk.
  {
    const r = await fetch(`${server.url}stream?id=stream`);
    const body = await r.text();
    const events = await eventsOf('stream');
    results.stream = { status: r.status, chunks: body.split('\n\n').filter(Boolean).length, causes: events.map((e) => e.cause) };
  }
  // The client goes away while a streamed body is being sent.
  {
    const controller = new AbortController();
    const r = await fetch(`${server.url}stream-forever?id=stream-gone`, { signal: controller.signal });
    const reader = r.body.getReader();
    let received = '';
    while (received.split('\n\n').length < 3) received += new TextDecoder().decode((await reader.read()).value);
    const abortedAt = Date.now();
    controller.abort();
    await reader.read().catch(() => undefined);
    const events = await eventsOf('stream-gone');
    results.streamDisconnect = { causes: events.map((e) => e.cause), latencyMs: events.length > 0 ? events[0].at - abortedAt : undefined };
  }
  console.log(JSON.stringify(results));
} finally {
  await server.stop();
}
