/**
 * shutdown on real HTTP/2 servers (plain and TLS) with real clients on
 * 127.0.0.1: GOAWAY to every session, streams in flight honoured as for
 * HTTP/1, then their contexts cancelled with ServerShutdown, then the sessions
 * closed; a tracker drained alongside.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { background, cause, withCancelCause, withTracker, type CancelCauseFunc, type Context } from '../../src/index.js';
import { ResponseFinished, ServerShutdown, errorStatus, fromRequest, shutdown } from '../../src/node/index.js';
import { listen, waitFor } from './servers.js';

const tls = {
  key: readFileSync(join(__dirname, 'fixtures', 'localhost-key.pem')),
  cert: readFileSync(join(__dirname, 'fixtures', 'localhost-cert.pem')),
};

type H2Server = http2.Http2Server | http2.Http2SecureServer;

interface Setup {
  server: H2Server;
  origin: string;
  base: Context;
  stop: CancelCauseFunc;
  contexts: Map<string, Context>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/**
 * A server whose path's first segment picks the handler: "slow" answers after
 * 400 ms; "until-cancelled" waits for its context and answers what errorStatus
 * says (503 for ServerShutdown); "stubborn" never answers.
 */
async function setup(secure = false): Promise<Setup> {
  const [base, stop] = withCancelCause(background());
  const contexts = new Map<string, Context>();
  const handler = async (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): Promise<void> => {
    const [ctx] = fromRequest(req, res, { parent: base });
    contexts.set(req.url, ctx);
    const behaviour = req.url.split('/')[1];
    if (behaviour === 'slow') await sleep(400);
    if (behaviour === 'until-cancelled') {
      await ctx.done();
      res.statusCode = errorStatus(cause(ctx), req, res) ?? 500;
    }
    if (behaviour !== 'stubborn') res.end(behaviour);
  };
  const server = secure ? http2.createSecureServer(tls, handler) : http2.createServer(handler);
  const port = await listen(server);
  cleanups.push(() => server.listening && server.close());
  return { server, origin: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, base, stop, contexts };
}

/** A client session that records the GOAWAY it receives. */
function connect(origin: string): { session: http2.ClientHttp2Session; goaway: Promise<number> } {
  const session = http2.connect(origin, origin.startsWith('https') ? { ca: tls.cert } : {});
  session.on('error', () => {});
  cleanups.push(() => session.destroy());
  const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
  return { session, goaway };
}

interface StreamEnd {
  status?: number;
  body: string;
  /** How the stream ended: 'end' (a whole response), or 'reset'/'error' (cut off). */
  how: 'end' | 'reset' | 'error';
}

/** Opens a GET stream; resolves with how it ended. */
function get(session: http2.ClientHttp2Session, path: string): Promise<StreamEnd> {
  const stream = session.request({ ':path': path });
  let status: number | undefined;
  let body = '';
  stream.on('response', (headers) => (status = headers[':status'] as number));
  stream.setEncoding('utf8').on('data', (c: string) => (body += c));
  stream.end();
  // A stream cut off still emits 'end' (with no response at all): only its close code tells.
  let failed = false;
  stream.on('error', () => (failed = true));
  return new Promise((resolve) => {
    stream.on('close', () => resolve({ status, body, how: failed ? 'error' : stream.rstCode === http2.constants.NGHTTP2_NO_ERROR ? 'end' : 'reset' }));
  });
}

describe.each([
  ['http2.createServer', false],
  ['http2.createSecureServer', true],
])('%s', (_name, secure) => {
  test('streams in flight finish after GOAWAY: "drained", the client opens no new stream on the session, the lifetime context is cancelled last', async () => {
    const s = await setup(secure);
    const client = connect(s.origin);
    const inFlight = [get(client.session, '/slow/1'), get(client.session, '/slow/2')];
    await waitFor(() => s.contexts.has('/slow/1') && s.contexts.has('/slow/2'));
    const started = Date.now();
    const outcome = shutdown(s.server, { graceMs: 20_000, cancel: s.stop });
    expect(await client.goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    // A stream opened after the GOAWAY is refused by the client itself (Node 20 to 24 throw, Node 26 fails the stream).
    let late: StreamEnd | 'thrown';
    try {
      late = await get(client.session, '/quick/late');
    } catch {
      late = 'thrown';
    }
    expect(late === 'thrown' || late.how === 'error').toBe(true);
    expect(s.base.err()).toBeUndefined();
    expect(await Promise.all(inFlight)).toEqual([
      { status: 200, body: 'slow', how: 'end' },
      { status: 200, body: 'slow', how: 'end' },
    ]);
    expect(await outcome).toBe('drained');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(cause(s.contexts.get('/slow/1')!)).toBe(ResponseFinished);
    expect(s.contexts.has('/quick/late')).toBe(false);
    expect(cause(s.base)).toBe(ServerShutdown);
    expect(s.server.listening).toBe(false);
  });

  test('a stream that outlives the grace period: its context is cancelled with ServerShutdown, its handler answers 503, the client sees the stream end', async () => {
    const s = await setup(secure);
    const client = connect(s.origin);
    const reply = get(client.session, '/until-cancelled/1');
    await waitFor(() => s.contexts.has('/until-cancelled/1'));
    const outcome = shutdown(s.server, { graceMs: 200, cancelGraceMs: 20_000, cancel: s.stop });
    expect(await reply).toEqual({ status: 503, body: 'until-cancelled', how: 'end' });
    expect(await outcome).toBe('cancelled');
    expect(cause(s.contexts.get('/until-cancelled/1')!)).toBe(ServerShutdown);
    expect(cause(s.base)).toBe(ServerShutdown);
  });

  test('a handler that ignores its cancelled context: its session is closed after cancelGraceMs, and the client stream ends cut off', async () => {
    const s = await setup(secure);
    const client = connect(s.origin);
    const reply = get(client.session, '/stubborn/1');
    await waitFor(() => s.contexts.has('/stubborn/1'));
    const outcome = shutdown(s.server, { graceMs: 100, cancelGraceMs: 100, cancel: s.stop });
    expect((await reply).how).not.toBe('end');
    expect(await outcome).toBe('cancelled');
    expect(cause(s.contexts.get('/stubborn/1')!)).toBe(ServerShutdown);
  });
});

test('an idle session (no stream in flight) is closed at once: "drained" well within the grace period', async () => {
  const s = await setup();
  const client = connect(s.origin);
  expect(await get(client.session, '/quick')).toMatchObject({ status: 200, how: 'end' });
  const closed = new Promise((resolve) => client.session.once('close', resolve));
  const started = Date.now();
  expect(await shutdown(s.server, { graceMs: 60_000, cancel: s.stop })).toBe('drained');
  await closed;
  expect(Date.now() - started).toBeLessThan(10_000);
});

test('a session opened after the server was first seen, that never made a request, is closed at once too', async () => {
  const s = await setup();
  const first = connect(s.origin);
  await get(first.session, '/quick'); // the server's first request: ctxkit watches it from here on
  const silent = connect(s.origin);
  await new Promise((resolve) => silent.session.once('connect', resolve));
  const closed = new Promise((resolve) => silent.session.once('close', resolve));
  const started = Date.now();
  expect(await shutdown(s.server, { graceMs: 60_000, cancel: s.stop })).toBe('drained');
  await closed;
  expect(Date.now() - started).toBeLessThan(10_000);
});

describe('with a tracker', () => {
  test('background tasks are drained alongside the streams; the lifetime context is cancelled after both', async () => {
    const s = await setup();
    const tracker = withTracker(s.base);
    let taskDone = false;
    let baseLiveWhenTaskEnded: boolean | undefined;
    tracker.go(async (ctx) => {
      await sleep(600, undefined, { signal: ctx.signal });
      taskDone = true;
      baseLiveWhenTaskEnded = s.base.err() === undefined;
    });
    const client = connect(s.origin);
    const reply = get(client.session, '/slow/1');
    await waitFor(() => s.contexts.has('/slow/1'));
    const outcome = shutdown(s.server, { graceMs: 20_000, cancel: s.stop, tracker });
    expect(await reply).toMatchObject({ status: 200, how: 'end' });
    expect(await outcome).toBe('drained');
    expect(taskDone).toBe(true);
    expect(baseLiveWhenTaskEnded).toBe(true);
    expect(cause(s.base)).toBe(ServerShutdown);
  });

  test('a task that outlives the grace period is cancelled with ServerShutdown: "cancelled", though every stream finished', async () => {
    const s = await setup();
    const tracker = withTracker(s.base);
    let taskEnd: unknown;
    tracker.go(async (ctx) => {
      await ctx.done();
      taskEnd = cause(ctx);
    });
    const client = connect(s.origin);
    expect(await get(client.session, '/quick')).toMatchObject({ status: 200 });
    expect(await shutdown(s.server, { graceMs: 200, cancelGraceMs: 5_000, cancel: s.stop, tracker })).toBe('cancelled');
    expect(taskEnd).toBe(ServerShutdown);
    expect(tracker.size).toBe(0);
    expect(cause(s.base)).toBe(ServerShutdown);
  });

  test('bad tracker or server: TypeError, nothing touched', async () => {
    const s = await setup();
    expect(() => shutdown(s.server, { tracker: {} as never })).toThrow(TypeError);
    expect(() => shutdown({} as never)).toThrow(TypeError);
    expect(() => shutdown(s.server, 5 as never)).toThrow(TypeError);
    expect(s.server.listening).toBe(true);
  });
});
