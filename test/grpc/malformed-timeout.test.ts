/**
 * Malformed `grpc-timeout` values sent straight over HTTP/2 to a real grpc-js
 * server whose handlers run under ctxkit/grpc (server.cjs, maxTimeoutMs 2000).
 * grpc-js reads the header itself, loosely (an unanchored /(\d{1,8})\s*([HMSmun])/
 * and a 32-bit integer), before any handler or interceptor sees it; the table
 * records what really happens, and that ctxkit's side holds whatever it
 * reads: a handler's context never gets more than the server's maximum, a
 * call grpc-js refuses leaves no handler running, and one whose value wraps
 * gets a context that has already ended.
 */
import http2 from 'node:http2';
import { idleStats, startEchoServer, type EchoServer } from './server-process';

jest.setTimeout(60_000);

let server: EchoServer;
let session: http2.ClientHttp2Session;

beforeAll(async () => {
  server = await startEchoServer({ maxTimeoutMs: 2_000 });
  session = http2.connect(`http://${server.address}`);
});

afterAll(() => {
  session?.close();
  server?.kill();
});

/** A length-prefixed gRPC message holding Req { id, mode } (protobuf by hand: two string fields). */
function requestFrame(id: string, mode: string): Buffer {
  const field = (tag: number, text: string): Buffer => Buffer.concat([Buffer.from([tag, Buffer.byteLength(text)]), Buffer.from(text)]);
  const message = Buffer.concat([field(0x0a, id), field(0x12, mode)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Calls Echo/Unary with raw `grpc-timeout` header values; resolves with the grpc-status answered. */
function callWithTimeout(id: string, mode: string, timeout: string | string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/ctxkit.test.Echo/Unary',
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': timeout,
    });
    let status: number | undefined;
    const read = (headers: http2.IncomingHttpHeaders): void => {
      if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
    };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('error', reject);
    stream.on('close', () => (status === undefined ? reject(new Error('no grpc-status')) : resolve(status)));
    stream.resume();
    stream.end(requestFrame(id, mode));
  });
}

const OK = 0;
const DEADLINE_EXCEEDED = 4;
const INTERNAL = 13;

// [value sent, status answered, the handler's remaining budget: 'none' (not run), 'max' (cut to 2 s), or a bound]
const table: Array<[string, string | string[], number, 'none' | 'max' | 'expired' | number]> = [
  ['well-formed', '1S', OK, 1_000],
  ['9 digits (grpc-js reads the last 8: 6.5 hours)', '123456789m', OK, 'max'],
  ['a junk unit', '5x', INTERNAL, 'none'],
  ['no unit', '5', INTERNAL, 'none'],
  ['empty', '', INTERNAL, 'none'],
  ['letters only', 'soon', INTERNAL, 'none'],
  ['spaces inside (accepted by grpc-js)', '1 S', OK, 1_000],
  ['a sign (grpc-js skips it)', '-1S', OK, 1_000],
  ['duplicates (grpc-js reads the first)', ['1S', '7S'], OK, 1_000],
  ['8 digits of hours (wraps to 36.8 hours)', '99999999H', OK, 'max'],
  // A handler that waits for its context: it has ended already.
  ['25 days in seconds (wraps past 2^31 ms to the past)', '2160000S', DEADLINE_EXCEEDED, 'expired'],
];

test.each(table)('%s: %j', async (_name, value, status, budget) => {
  const id = `malformed-${_name}`;
  const answered = await callWithTimeout(id, budget === 'expired' ? 'hang' : 'echo', value);
  expect(answered).toBe(status);
  const stats = await idleStats(server);
  expect(stats.handlers).toBe(0);
  const start = server.events.find((e) => e.event === 'start' && e.id === id);
  if (budget === 'none') {
    expect(start).toBeUndefined();
    return;
  }
  if (start === undefined) {
    // grpc-js may answer a wrapped deadline before the handler even starts.
    expect(budget).toBe('expired');
    return;
  }
  const remaining = start.remainingMs as number;
  if (budget === 'expired') expect(remaining).toBeLessThanOrEqual(0);
  else {
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(budget === 'max' ? 2_000 : budget);
  }
});
