/**
 * A response cut short by a context error must look broken to the client on
 * HTTP/2 as on HTTP/1: the stream is reset with an error code, never ended
 * cleanly (a 200 with half a body that passes for a whole one). Real
 * node:http2 and Fastify({ http2: true }) servers, real http2.connect clients.
 */
import Fastify from 'fastify';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { cause, type Context } from '../../src/index.js';
import { answerContextError, fromRequest } from '../../src/node/index.js';
import { fastifyAdapter } from '../../src/node/fastify.js';
import type { RequestLogEvent } from '../../src/node/index.js';
import { listen } from './servers.js';

/** What the client saw of one stream. */
interface Seen {
  status: number | undefined;
  body: string;
  /** The stream's RST_STREAM code (NO_ERROR for a clean end). */
  rstCode: number | undefined;
  /** Whether the stream emitted 'error'. */
  errored: boolean;
  /** Whether the stream emitted 'end' (a clean end of stream). */
  ended: boolean;
}

/** Requests `path` on a fresh session and reports how the stream finished. */
async function fetchH2(port: number, path: string): Promise<Seen> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  try {
    const stream = client.request({ ':path': path });
    const seen: Seen = { status: undefined, body: '', rstCode: undefined, errored: false, ended: false };
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (seen.status = Number(headers[':status'])));
    stream.on('data', (d: string) => (seen.body += d));
    stream.on('end', () => (seen.ended = true));
    stream.on('error', () => (seen.errored = true));
    stream.end();
    await new Promise((resolve) => stream.on('close', resolve));
    seen.rstCode = stream.rstCode;
    return seen;
  } finally {
    client.destroy();
  }
}

test('node:http2: answerContextError on a response under way resets the stream with INTERNAL_ERROR; the client sees an error, not a clean end', async () => {
  const contexts: Context[] = [];
  const statuses: unknown[] = [];
  const server = http2.createServer(async (req, res) => {
    const [ctx] = fromRequest(req, res, { timeoutMs: 50 });
    contexts.push(ctx);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first half;');
    await ctx.done();
    statuses.push(answerContextError(cause(ctx), req, res));
  });
  const port = await listen(server);
  try {
    const seen = await fetchH2(port, '/');
    expect(statuses).toEqual([504]);
    expect(seen.status).toBe(200);
    expect(seen.body).toBe('first half;');
    expect(seen.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR);
    expect(seen.errored).toBe(true);
    expect(seen.ended).toBe(false);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('Fastify({ http2: true }): a deadline after the response started resets the stream with an error code, and is logged as 504, not also as 499', async () => {
  const events: RequestLogEvent[] = [];
  const app = Fastify({ http2: true, forceCloseConnections: true });
  await app.register(fastifyAdapter, { timeoutMs: 50, log: (e) => events.push(e) });
  app.get('/partial', async (request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.write('first half;');
    await request.ctx.done();
    throw cause(request.ctx);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const seen = await fetchH2((app.server.address() as AddressInfo).port, '/partial');
    expect(seen.status).toBe(200);
    expect(seen.body).toBe('first half;');
    expect(seen.rstCode).not.toBe(http2.constants.NGHTTP2_NO_ERROR);
    expect(seen.errored).toBe(true);
    expect(seen.ended).toBe(false);
    expect(events.map((e) => e.status)).toEqual([504]);
  } finally {
    await app.close();
  }
});
