// The server side of the Fetch-API server tests (web-servers.test.ts): one
// app, served by every runtime through ctxkit/web's withRequestContext, and on
// Node through Hono with ctxkit/hono's middleware. It imports nothing: the
// runtime's entry passes ctxkit in, from the ES-module build it can load.
//
// Each route records how its request context ended ({ id, route, cause, at }),
// and GET /events answers what was recorded since the last call.
//   /ok             answers at once
//   /slow?ms=N      waits N ms (default 20 s) on its context (a client gone, a deadline end it)
//   /stream         an event stream of 5 chunks, 20 ms apart
//   /stream-forever an event stream that goes on until its context ends

/** The recorded ends, in order. */
const events = [];

/** Records how `ctx` ends, under the request's id. */
function record(lib, ctx, url) {
  const id = url.searchParams.get('id');
  lib.afterFunc(ctx, () => events.push({ id, route: url.pathname, cause: String(lib.cause(ctx)), at: Date.now() }));
}

const encoder = new TextEncoder();

/** A streamed body: `count` events (forever if undefined), `everyMs` apart, while `ctx` lives. */
function eventStream(lib, ctx, count, everyMs) {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent > 0) await lib.sleep(ctx, everyMs).catch(() => undefined);
      if (ctx.err() !== undefined || sent === count) return controller.close();
      controller.enqueue(encoder.encode(`data: ${sent++}\n\n`));
    },
  });
}

/** Answers one request under its context. */
async function route(lib, ctx, request) {
  const url = new URL(request.url);
  if (url.pathname === '/events') return Response.json(events.splice(0));
  if (url.pathname === '/__ready') return new Response('ready');
  record(lib, ctx, url);
  const streamHeaders = { 'content-type': 'text/event-stream' };
  switch (url.pathname) {
    case '/ok':
      return new Response('ok');
    case '/slow':
      await lib.sleep(ctx, Number(url.searchParams.get('ms') ?? 20_000));
      return new Response('late');
    case '/stream':
      return new Response(eventStream(lib, ctx, 5, 20), { headers: streamHeaders });
    case '/stream-forever':
      return new Response(eventStream(lib, ctx, undefined, 20), { headers: streamHeaders });
    default:
      return new Response('not found', { status: 404 });
  }
}

/** The options every server uses: trust the caller's deadline header, cap the budget at 60 s. */
const OPTIONS = { timeoutMs: 60_000, deadline: { trust: true } };

/** fetchApp(lib) is the app as a Fetch-API handler; lib: { ...ctxkit, ...ctxkit/web }. */
export function fetchApp(lib) {
  return lib.withRequestContext((ctx, request) => route(lib, ctx, request), OPTIONS);
}

/** honoApp(lib, hono) is the app on Hono; hono: { Hono, contextMiddleware }. */
export function honoApp(lib, { Hono, contextMiddleware }) {
  const app = new Hono();
  app.use(contextMiddleware(OPTIONS));
  app.all('*', (c) => route(lib, c.get('ctx'), c.req.raw));
  return app;
}
