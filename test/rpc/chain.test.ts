/**
 * The mixed chain, four processes on loopback: the test (client) → A (HTTP,
 * ctxkit/node) → B (gRPC, ctxkit/grpc) → C (Connect, ctxkit/connect) → D
 * (HTTP through undici with the implicit context, ctxkit/undici). The budget
 * shrinks at every hop, a client abort stops D, and each hop answers with the
 * status its protocol has for the context's end.
 */
import http from 'node:http';
import { join } from 'node:path';
import { startServerProcess, type EchoServer } from '../grpc/server-process';

jest.setTimeout(90_000);

/** Kept by each hop for the time to the next one; a busy machine needs room. */
const MARGIN_MS = 200;
const MAX_TIMEOUT_MS = 20_000;
const script = join(__dirname, 'hop.cjs');

let A: EchoServer, B: EchoServer, C: EchoServer, D: EchoServer;

beforeAll(async () => {
  const options = { marginMs: MARGIN_MS, maxTimeoutMs: MAX_TIMEOUT_MS };
  D = await startServerProcess(script, { role: 'D', ...options });
  C = await startServerProcess(script, { role: 'C', next: D.address, ...options });
  B = await startServerProcess(script, { role: 'B', next: C.address, ...options });
  A = await startServerProcess(script, { role: 'A', next: B.address, ...options });
}, 60_000);

afterAll(() => {
  for (const hop of [A, B, C, D]) hop?.kill();
});

/** GET A /?id&mode with a budget; resolves with the status and body, or 'aborted'. */
function callA(id: string, mode: string, budgetMs: number, signal?: AbortSignal): Promise<{ status: number; body: string } | 'aborted'> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: A.port, path: `/?id=${id}&mode=${mode}`, headers: { 'ctxkit-timeout-ms': String(budgetMs) }, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', (e) => (e.name === 'AbortError' ? resolve('aborted') : reject(e)));
  });
}

test('the budget shrinks at every hop, by at least the margin less the time on the way', async () => {
  const result = await callA('budget', 'echo', 10_000);
  expect(result).not.toBe('aborted');
  expect((result as { status: number }).status).toBe(200);
  // What each hop had left when its handler started.
  const left = await Promise.all([A, B, C, D].map(async (hop) => (await hop.waitFor('start', 'budget')).remainingMs as number));
  expect(left[0]).toBeLessThanOrEqual(10_000);
  for (let i = 1; i < 4; i++) {
    // The next hop gets what was left less the margin; the time on the way only shrinks it more.
    expect(left[i]).toBeLessThanOrEqual(left[i - 1] - MARGIN_MS + 5);
    expect(left[i]).toBeGreaterThan(0);
  }
});

test('a client abort stops D: every hop context ends with ClientDisconnected', async () => {
  const controller = new AbortController();
  const pending = callA('abort', 'hang', 15_000, controller.signal);
  await D.waitFor('start', 'abort');
  controller.abort();
  expect(await pending).toBe('aborted');
  for (const hop of [A, B, C, D]) expect((await hop.waitFor('end', 'abort')).cause).toBe('ClientDisconnectedError');
  // No one had a client left to answer; B and C answered CANCELLED (1) into a closed stream.
  expect((await B.waitFor('answer', 'abort')).status).toBe(1);
  expect((await C.waitFor('answer', 'abort')).status).toBe(1);
});

test("the deadline runs out at D: D answers 504, C and B DEADLINE_EXCEEDED, A 504", async () => {
  const result = await callA('deadline', 'hang', 2_000);
  expect(result).not.toBe('aborted');
  expect((result as { status: number }).status).toBe(504);
  expect((await D.waitFor('end', 'deadline')).err).toBe('DeadlineExceededError');
  expect((await D.waitFor('answer', 'deadline')).status).toBe(504);
  expect((await C.waitFor('answer', 'deadline')).status).toBe(4);
  expect((await B.waitFor('answer', 'deadline')).status).toBe(4);
  expect((await A.waitFor('answer', 'deadline')).status).toBe(504);
});
