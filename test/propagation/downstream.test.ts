/**
 * downstreamError on real servers: a gateway (node:http, fromRequest) calls a
 * downstream service with fetchWithContext; the downstream's 504 and 503,
 * which fetch resolves as Responses, become the errors a context end gives,
 * so the gateway's answerContextError answers 504 and 503, not 500.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeadlineExceeded, background, withCancelCause, withTimeoutCause, type Context } from '../../src/index.js';
import { answerContextError, fromRequest } from '../../src/node/index.js';
import { DownstreamUnavailableError, downstreamError, fetchWithContext } from '../../src/propagation/index.js';
import { startServer, type TestServer } from './helpers.js';

let downstream: TestServer;
let gateway: http.Server;
let gatewayUrl: string;
/** What the gateway's handler caught, by path. */
const caught = new Map<string, unknown>();

beforeAll(async () => {
  // Answers the status named by the path, with a body.
  downstream = await startServer((req, res) => {
    res.statusCode = Number(req.url!.slice(1));
    res.end('downstream says no');
  });
  // The documented pattern: a context status becomes its error, other failures are the gateway's own (500).
  gateway = http.createServer(async (req, res) => {
    const [ctx] = fromRequest(req, res, { timeoutMs: 10_000 });
    try {
      const response = await fetchWithContext(ctx, `${downstream.url}${req.url}`);
      const err = downstreamError(ctx, response);
      if (err !== undefined) throw err;
      if (!response.ok) throw new Error(`downstream: ${response.status}`);
      res.end(await response.text());
    } catch (error) {
      caught.set(req.url!, error);
      if (answerContextError(error, req, res) !== undefined) return;
      res.statusCode = 500;
      res.end();
    }
  });
  gateway.listen(0, '127.0.0.1');
  await new Promise((resolve) => gateway.once('listening', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});

afterAll(async () => {
  gateway.closeAllConnections();
  await new Promise<void>((resolve) => gateway.close(() => resolve()));
  await downstream.close();
});

test('a downstream 504 is answered 504 (DeadlineExceeded), a 503 is answered 503 (DownstreamUnavailableError)', async () => {
  expect((await fetch(`${gatewayUrl}/504`)).status).toBe(504);
  expect(caught.get('/504')).toBe(DeadlineExceeded);
  expect((await fetch(`${gatewayUrl}/503`)).status).toBe(503);
  const unavailable = caught.get('/503') as DownstreamUnavailableError;
  expect(unavailable).toBeInstanceOf(DownstreamUnavailableError);
  expect(unavailable.status).toBe(503);
  expect(unavailable.url).toBe(`${downstream.url}/503`);
  expect(unavailable.message).toBe('downstream unavailable (503)');
});

test('other statuses, and a 499 while the context is live, are left to the caller (here 500)', async () => {
  expect((await fetch(`${gatewayUrl}/500`)).status).toBe(500);
  expect((await fetch(`${gatewayUrl}/499`)).status).toBe(500);
  expect((await fetch(`${gatewayUrl}/200`)).status).toBe(200);
});

describe('directly', () => {
  test('once the context is done, its cause wins whatever the context status; the body is discarded', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const response = await fetchWithContext(ctx, `${downstream.url}/503`);
    const mine = new Error('caller gave up');
    cancel(mine);
    expect(downstreamError(ctx, response)).toBe(mine);
    expect(response.bodyUsed).toBe(true);
  });

  test('a status that is not about a context returns undefined and leaves the body to read', async () => {
    const ctx: Context = background();
    const response = await fetchWithContext(ctx, `${downstream.url}/500`);
    expect(downstreamError(ctx, response)).toBeUndefined();
    expect(await response.text()).toBe('downstream says no');
  });

  test("with the context past its own deadline, a 504 is that context's cause (a custom one from withTimeoutCause)", async () => {
    const budget = new Error('our budget ran out');
    const [ctx] = withTimeoutCause(background(), 1, budget);
    await ctx.done();
    expect(downstreamError(ctx, new Response('late', { status: 504 }))).toBe(budget);
  });

  test('bad arguments get a TypeError', () => {
    expect(() => downstreamError({} as Context, new Response(null, { status: 504 }))).toThrow(/ctxkit\.downstreamError: ctx must be a Context/);
    expect(() => downstreamError(background(), {} as Response)).toThrow(/ctxkit\.downstreamError: response must be a Response/);
  });
});
