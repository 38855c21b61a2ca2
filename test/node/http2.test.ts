/**
 * fromRequest on a real node:http2 server (the compatibility API): a reset
 * stream is a disconnect for that request only; its sibling streams on the
 * same session, and request bodies, cause no false aborts.
 */
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { Canceled, cause, type Context } from '../../src/index.js';
import { ClientDisconnected, ResponseFinished, fromRequest } from '../../src/node/index.js';
import { listen, listenerCounts, waitFor } from './servers.js';

let server: http2.Http2Server;
let client: http2.ClientHttp2Session;
/** What the handler saw, by request path. */
interface Entry {
  ctx: Context;
  liveBeforeAnswer?: boolean;
  sessionCounts: Record<string, number>;
  /** Whether req and res have as many listeners as before fromRequest. */
  restored: () => boolean;
}
const seen = new Map<string, Entry>();

beforeEach(async () => {
  seen.clear();
  server = http2.createServer(async (req, res) => {
    const sessionCounts = listenerCounts(req.stream.session!);
    const before = JSON.stringify([listenerCounts(req), listenerCounts(res)]);
    const [ctx] = fromRequest(req, res);
    const restored = () => JSON.stringify([listenerCounts(req), listenerCounts(res)]) === before;
    const entry: Entry = { ctx, sessionCounts, restored };
    seen.set(req.url, entry);
    for await (const _ of req);
    try {
      await sleep(req.url.startsWith('/slow') ? 400 : 1, undefined, { signal: ctx.signal });
    } catch {
      return;
    }
    entry.liveBeforeAnswer = ctx.err() === undefined;
    res.end(req.url);
  });
  const port = await listen(server);
  client = http2.connect(`http://127.0.0.1:${port}`);
});

afterEach(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Opens a stream; resolves with its body once it ends (or undefined if it was reset). */
function open(path: string, body?: string): { stream: http2.ClientHttp2Stream; done: Promise<string | undefined> } {
  const stream = client.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST' });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<string | undefined>((resolve) => {
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.on('error', () => resolve(undefined));
    stream.on('close', () => resolve(stream.rstCode === http2.constants.NGHTTP2_NO_ERROR ? Buffer.concat(chunks).toString() : undefined));
  });
  stream.end(body);
  return { stream, done };
}

test('a reset stream cancels its own request with ClientDisconnected; the sibling stream on the same session stays live and completes', async () => {
  const reset = open('/slow-reset');
  const sibling = open('/slow-sibling');
  await waitFor(() => seen.has('/slow-reset') && seen.has('/slow-sibling'));
  reset.stream.close(http2.constants.NGHTTP2_CANCEL);
  const resetCtx = seen.get('/slow-reset')!.ctx;
  await resetCtx.done();
  expect(resetCtx.err()).toBe(Canceled);
  expect(cause(resetCtx)).toBe(ClientDisconnected);
  expect(seen.get('/slow-reset')!.restored()).toBe(true);
  expect(seen.get('/slow-sibling')!.ctx.err()).toBeUndefined();

  expect(await sibling.done).toBe('/slow-sibling');
  const siblingSeen = seen.get('/slow-sibling')!;
  expect(siblingSeen.liveBeforeAnswer).toBe(true);
  await siblingSeen.ctx.done();
  expect(cause(siblingSeen.ctx)).toBe(ResponseFinished);
  expect(siblingSeen.restored()).toBe(true);
});

test('a POST body read to the end causes no false abort; the context ends with ResponseFinished', async () => {
  const post = open('/slow-post', 'z'.repeat(200_000));
  expect(await post.done).toBe('/slow-post');
  const entry = seen.get('/slow-post')!;
  expect(entry.liveBeforeAnswer).toBe(true);
  await entry.ctx.done();
  expect(cause(entry.ctx)).toBe(ResponseFinished);
});

test('many streams on one session, some reset: session listeners do not accumulate', async () => {
  const n = 30;
  for (let i = 0; i < n; i++) {
    const s = open(`/s${i}`, i % 3 === 0 ? 'body' : undefined);
    expect(await s.done).toBe(`/s${i}`);
  }
  const resets = [open('/slow-r1'), open('/slow-r2')];
  await waitFor(() => seen.has('/slow-r1') && seen.has('/slow-r2'));
  for (const r of resets) r.stream.close(http2.constants.NGHTTP2_CANCEL);
  const last = open('/last');
  expect(await last.done).toBe('/last');
  // The session's first request lists it for shutdown (one 'close' listener, once per session); after that, nothing is added.
  const counts = [...seen.values()].map((e) => e.sessionCounts);
  expect(counts[1]).toEqual({ ...counts[0], close: (counts[0]!.close ?? 0) + 1 });
  for (const c of counts.slice(1)) expect(c).toEqual(counts[1]);
  await waitFor(() => [...seen.values()].every((e) => e.ctx.err() !== undefined));
  expect([...seen.entries()].filter(([, e]) => cause(e.ctx) === ClientDisconnected).map(([p]) => p).sort()).toEqual(['/slow-r1', '/slow-r2']);
});
