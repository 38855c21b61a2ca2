/**
 * One server of the end-to-end benchmark (bench/e2e-servers.mjs), in a process
 * of its own: a framework, a variant of the request path, and the loopback
 * upstream the hop variants call.
 *
 *   node bench/e2e/server.mjs <http|fastify|hono> <variant> <upstream port>
 *
 * Variants (every request carries `ctxkit-timeout-ms: 2000`):
 * - bare: answers "ok", no context;
 * - controller: the platform's floor for any signal: one AbortController per
 *   request, its signal read, aborted with a reason once the answer is sent
 *   (as ctxkit aborts with a cause; `abort()` without one would also build a
 *   DOMException and its stack, which costs more than the rest together);
 * - native: the native path of native+hop below, without the hop;
 * - ctxkit-nosignal: the ctxkit adapter with the deadline header read, no
 *   signal read, answers "ok";
 * - ctxkit: the ctxkit adapter with the deadline header read and the signal
 *   read, answers "ok" (the adapter alone);
 * - bare+hop: one plain fetch to the upstream, no signal;
 * - native+hop: what a careful hand-written handler does: an AbortController
 *   per request aborted by the response's 'close' before its end, the
 *   deadline header read by hand into AbortSignal.timeout, AbortSignal.any of
 *   both, the signal and the remaining budget handed to fetch, the listener
 *   removed at the end;
 * - ctxkit+hop: the adapter, the deadline header in, the signal read, and one
 *   fetchWithContext to the upstream.
 *
 * It listens on 127.0.0.1, prints {"port"} on stdout, and over IPC answers
 * 'begin' (starts counting the JS heap bytes allocated, with v8.GCProfiler; replies 'begun'),
 * 'end' (replies { allocated, requests } since 'begin') and 'cpu' (replies process.cpuUsage()
 * and timersLeftMs, the time until the native path's last timer fires).
 */
import http from 'node:http';
import v8 from 'node:v8';
import { fromRequest } from 'ctxkit/node';
import { fetchWithContext } from 'ctxkit/propagation';

const [framework, variant, upstreamPort] = process.argv.slice(2);
const UPSTREAM = `http://127.0.0.1:${upstreamPort}/`;
const HEADER = 'ctxkit-timeout-ms';
const DEADLINE = { deadline: {} };
const HOP = variant.endsWith('+hop');
const VARIANTS = ['bare', 'controller', 'native', 'ctxkit-nosignal', 'ctxkit', 'bare+hop', 'native+hop', 'ctxkit+hop'];
let requests = 0;
/** When the last AbortSignal.timeout of the native path fires: they cannot be cleared, and fire after their load. */
let timersUntil = 0;

/** The deadline header read by hand, as a hand-written server does: a count of ms, or undefined. */
function headerMs(value) {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return undefined;
  return Number(value);
}

/** The native request path around `work(signal, deadlineAt)`: what ctxkit's adapter replaces. */
async function nativePath(headers, res, work) {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableEnded) controller.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);
  const ms = headerMs(headers[HEADER]);
  const deadlineAt = ms === undefined ? undefined : Date.now() + ms;
  const signal = ms === undefined ? controller.signal : AbortSignal.any([controller.signal, AbortSignal.timeout(ms)]);
  if (deadlineAt !== undefined) timersUntil = Math.max(timersUntil, deadlineAt);
  try {
    return await work(signal, deadlineAt);
  } finally {
    res.removeListener('close', onClose);
  }
}

/** One hop without a context: plain fetch, with the signal and the remaining budget when given. */
async function plainHop(signal, deadlineAt) {
  const init = signal === undefined ? undefined : { signal, headers: { [HEADER]: String(Math.max(0, deadlineAt - Date.now())) } };
  const response = await fetch(UPSTREAM, init);
  return response.text();
}

/** The reason the controller variant aborts with: one shared object, as ctxkit's ResponseFinished. */
const ANSWERED = new Error('answered');

/** The controller variant around answering: an AbortController per request, its signal read, aborted with a reason after. */
function withController(answer) {
  const controller = new AbortController();
  use(controller.signal);
  const result = answer();
  controller.abort(ANSWERED);
  return result;
}

/** The native path's work without a hop: the signal kept, "ok". */
async function noHop(signal) {
  use(signal);
  return 'ok';
}

async function ctxkitHop(ctx) {
  const response = await fetchWithContext(ctx, UPSTREAM);
  return response.text();
}

let keep;
/** Keeps what a request read alive until the next one, so no variant's read is optimised away. */
const use = (x) => void (keep = x);

/** The node:http server of a variant. */
function httpServer() {
  const handlers = {
    bare: (req, res) => res.end('ok'),
    controller: (req, res) => withController(() => res.end('ok')),
    native: async (req, res) => res.end(await nativePath(req.headers, res, noHop)),
    'ctxkit-nosignal': (req, res) => {
      use(fromRequest(req, res, DEADLINE)[0]);
      res.end('ok');
    },
    ctxkit: (req, res) => {
      const [ctx] = fromRequest(req, res, DEADLINE);
      use(ctx.signal);
      res.end('ok');
    },
    'bare+hop': async (req, res) => res.end(await plainHop()),
    'native+hop': async (req, res) => res.end(await nativePath(req.headers, res, plainHop)),
    'ctxkit+hop': async (req, res) => {
      const [ctx] = fromRequest(req, res, DEADLINE);
      use(ctx.signal);
      res.end(await ctxkitHop(ctx));
    },
  };
  const handle = handlers[variant];
  // A hop still in flight when autocannon closes its connections at the end of
  // a load rejects (the client is gone): the response is dropped, as a server does.
  const drop = (res) => () => res.destroy();
  return http.createServer(
    HOP || variant === 'native'
      ? (req, res) => {
          requests++;
          handle(req, res).catch(drop(res));
        }
      : (req, res) => {
          requests++;
          handle(req, res);
        },
  );
}

/** The Fastify server of a variant (ctxkit variants register ctxkit/node/fastify). */
async function fastifyServer() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.addHook('onRequest', (request, reply, done) => {
    requests++;
    done();
  });
  if (variant.startsWith('ctxkit')) {
    const { fastifyAdapter } = await import('ctxkit/node/fastify');
    await app.register(fastifyAdapter, DEADLINE);
  }
  const handlers = {
    bare: async () => 'ok',
    controller: async () => withController(() => 'ok'),
    native: async (request, reply) => nativePath(request.headers, reply.raw, noHop),
    'ctxkit-nosignal': async (request) => {
      use(request.ctx);
      return 'ok';
    },
    ctxkit: async (request) => {
      use(request.ctx.signal);
      return 'ok';
    },
    'bare+hop': async () => plainHop(),
    'native+hop': async (request, reply) => nativePath(request.headers, reply.raw, plainHop),
    'ctxkit+hop': async (request) => {
      use(request.ctx.signal);
      return ctxkitHop(request.ctx);
    },
  };
  app.get('/', handlers[variant]);
  await app.ready();
  return app.server;
}

/** The Hono server of a variant, on @hono/node-server (ctxkit variants use ctxkit/hono's contextMiddleware). */
async function honoServer() {
  const { Hono } = await import('hono');
  const { createAdaptorServer } = await import('@hono/node-server');
  const app = new Hono();
  app.use(async (c, next) => {
    requests++;
    await next();
  });
  if (variant.startsWith('ctxkit')) {
    const { contextMiddleware } = await import('ctxkit/hono');
    app.use(contextMiddleware(DEADLINE));
  }
  const handlers = {
    bare: (c) => c.text('ok'),
    controller: (c) => withController(() => c.text('ok')),
    native: async (c) => c.text(await nativePath({ [HEADER]: c.req.header(HEADER) }, c.env.outgoing, noHop)),
    'ctxkit-nosignal': (c) => {
      use(c.get('ctx'));
      return c.text('ok');
    },
    ctxkit: (c) => {
      use(c.get('ctx').signal);
      return c.text('ok');
    },
    'bare+hop': async (c) => c.text(await plainHop()),
    'native+hop': async (c) => c.text(await nativePath({ [HEADER]: c.req.header(HEADER) }, c.env.outgoing, plainHop)),
    'ctxkit+hop': async (c) => {
      const ctx = c.get('ctx');
      use(ctx.signal);
      return c.text(await ctxkitHop(ctx));
    },
  };
  app.get('/', handlers[variant]);
  // A hop cut short by the end of a load: dropped quietly (Hono would log it).
  app.onError(() => new Response(null, { status: 500 }));
  return createAdaptorServer({ fetch: app.fetch });
}

const makers = { http: httpServer, fastify: fastifyServer, hono: honoServer };
if (!(framework in makers) || !VARIANTS.includes(variant) || (HOP && !upstreamPort)) {
  console.error(`usage: node bench/e2e/server.mjs <http|fastify|hono> <${VARIANTS.join('|')}> <upstream port>`);
  process.exit(2);
}
const server = await makers[framework]();
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));

// Heap bytes allocated since 'begin': what the heap grew by, plus what every
// collection in between freed (v8.GCProfiler reports the heap before and after each).
let profiler;
let start;
process.on('message', (message) => {
  if (message === 'cpu') {
    process.send({ ...process.cpuUsage(), timersLeftMs: Math.max(0, timersUntil - Date.now()) });
  } else if (message === 'begin') {
    profiler = new v8.GCProfiler();
    profiler.start();
    start = { used: v8.getHeapStatistics().used_heap_size, requests };
    process.send('begun');
  } else if (message === 'end') {
    const used = v8.getHeapStatistics().used_heap_size;
    const { statistics } = profiler.stop();
    const freed = statistics.reduce((sum, s) => sum + s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize, 0);
    process.send({ allocated: used - start.used + freed, requests: requests - start.requests, gcs: statistics.length, keep: keep === undefined ? 0 : 1 });
  }
});
process.on('disconnect', () => process.exit(0));
