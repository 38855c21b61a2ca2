/**
 * ctxkit/hono on a real Hono app served by @hono/node-server, over HTTP/1 and
 * HTTP/2. On HTTP/2 the request's signal never fires (honojs/node-server#398):
 * the middleware reads the Node response instead, so a reset stream still
 * cancels its request. Other runtimes: test/runtimes/web-servers.test.ts.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { cause, sleep, type Context } from '../../src/index.js';
import { ClientDisconnected, ResponseFinished } from '../../src/web/index.js';
import { contextErrorHandler, contextMiddleware, type ContextVariables } from '../../src/web/hono.js';
import { waitFor } from '../node/servers.js';

/** The context each request saw, by path. */
const seen = new Map<string, Context>();

function app(): Hono<{ Variables: ContextVariables }> {
  const hono = new Hono<{ Variables: ContextVariables }>();
  hono.use(contextMiddleware({ timeoutMs: 60_000, deadline: {} }));
  hono.onError(contextErrorHandler());
  hono.get('/ok', (c) => {
    seen.set('/ok', c.get('ctx'));
    return c.text('ok');
  });
  hono.get('/slow', async (c) => {
    const ctx = c.get('ctx');
    seen.set(c.req.path, ctx);
    await sleep(ctx, 20_000);
    return c.text('late');
  });
  // A body streamed without saying so in its headers: only Node's response tells when it is sent.
  hono.get('/quiet-stream', (c) => {
    seen.set('/quiet-stream', c.get('ctx'));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent > 0) await new Promise((r) => setTimeout(r, 20));
        if (sent === 5) return controller.close();
        controller.enqueue(new TextEncoder().encode(`${sent++};`));
      },
    });
    return new Response(body);
  });
  hono.get('/teapot', () => {
    throw new HTTPException(418, { message: 'short and stout' });
  });
  hono.get('/boom', () => {
    throw new Error('boom');
  });
  return hono;
}

function start(options: Partial<Parameters<typeof serve>[0]> = {}): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app().fetch, hostname: '127.0.0.1', port: 0, ...options }, (info: AddressInfo) => resolve({ server, port: info.port }));
  });
}

afterEach(() => {
  seen.clear();
  jest.restoreAllMocks();
});

test('HTTP/1: the context ends with the response; context errors are answered without noise, others as Hono does', async () => {
  const { server, port } = await start();
  const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const ok = await fetch(`http://127.0.0.1:${port}/ok`);
    expect(await ok.text()).toBe('ok');
    await waitFor(() => seen.get('/ok')?.err() !== undefined);
    expect(cause(seen.get('/ok')!)).toBe(ResponseFinished);

    const late = await fetch(`http://127.0.0.1:${port}/slow`, { headers: { 'ctxkit-timeout-ms': '100' } });
    expect([late.status, await late.text()]).toEqual([504, 'Gateway Timeout']);
    expect(logged).not.toHaveBeenCalled();

    const teapot = await fetch(`http://127.0.0.1:${port}/teapot`);
    expect([teapot.status, await teapot.text()]).toEqual([418, 'short and stout']);
    const boom = await fetch(`http://127.0.0.1:${port}/boom`);
    expect([boom.status, await boom.text()]).toEqual([500, 'Internal Server Error']);
    expect(logged).toHaveBeenCalledTimes(1);
  } finally {
    server.close();
  }
});

test("on Node the context lives until Node has sent the whole body, even one streamed without saying so", async () => {
  const { server, port } = await start();
  try {
    const response = await fetch(`http://127.0.0.1:${port}/quiet-stream`);
    const reader = response.body!.getReader();
    await reader.read();
    expect(seen.get('/quiet-stream')!.err()).toBeUndefined();
    while (!(await reader.read()).done);
    await waitFor(() => seen.get('/quiet-stream')!.err() !== undefined);
    expect(cause(seen.get('/quiet-stream')!)).toBe(ResponseFinished);
  } finally {
    server.close();
  }
});

test('HTTP/2: a stream the client resets cancels its request with ClientDisconnected, and no other', async () => {
  const { server, port } = await start({ createServer: http2.createServer });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const gone = session.request({ ':path': '/slow?gone' });
    const kept = session.request({ ':path': '/ok' });
    gone.on('error', () => undefined);
    await waitFor(() => seen.has('/slow') && seen.has('/ok'));
    const body = await new Promise<string>((resolve) => {
      let text = '';
      kept.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text));
    });
    expect(body).toBe('ok');
    gone.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor(() => seen.get('/slow')!.err() !== undefined);
    expect(cause(seen.get('/slow')!)).toBe(ClientDisconnected);
    expect(cause(seen.get('/ok')!)).toBe(ResponseFinished);
  } finally {
    session.close();
    server.close();
  }
});

test('bad options and a bad fallback are a TypeError', () => {
  expect(() => contextMiddleware({ timeoutMs: -5 })).toThrow(/ctxkit\.contextMiddleware: options\.timeoutMs/);
  expect(() => contextErrorHandler('x' as never)).toThrow(/ctxkit\.contextErrorHandler: fallback must be a function/);
});
