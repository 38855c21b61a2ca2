// Serves web-app.mjs on 127.0.0.1 with the runtime running this file, on a
// free port, and prints `listening <port>` once it accepts connections.
//   deno run -A web-serve.mjs fetch      Deno.serve
//   bun web-serve.mjs fetch              Bun.serve
//   node web-serve.mjs fetch|hono        @hono/node-server (a plain handler, or Hono)
// Deno and Bun load ctxkit's ES-module build; Node loads the package as users do.
import { fetchApp, honoApp } from './web-app.mjs';

const mode = process.argv[2] ?? 'fetch';
const build = new URL('../../dist/esm/', import.meta.url);
const isNode = globalThis.Deno === undefined && globalThis.Bun === undefined;
const lib = isNode
  ? { ...(await import('ctxkit')), ...(await import('ctxkit/web')) }
  : { ...(await import(new URL('index.js', build).href)), ...(await import(new URL('web/index.js', build).href)) };

if (globalThis.Deno !== undefined) {
  Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`listening ${port}`) }, fetchApp(lib));
} else if (globalThis.Bun !== undefined) {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fetchApp(lib) });
  console.log(`listening ${server.port}`);
} else {
  const { serve } = await import('@hono/node-server');
  const fetch = mode === 'hono' ? honoApp(lib, { Hono: (await import('hono')).Hono, contextMiddleware: (await import('ctxkit/hono')).contextMiddleware }).fetch : fetchApp(lib);
  serve({ fetch, hostname: '127.0.0.1', port: 0 }, ({ port }) => console.log(`listening ${port}`));
}
