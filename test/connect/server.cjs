// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// A Connect server process (connect-node, HTTP/2 without TLS) for the
// ctxkit/connect tests: the Echo service of echo-service.cjs, each handler
// under serverInterceptor's context. Events on stdout, as test/grpc/server.cjs:
//   {"event":"listening","port":…}, {"event":"start","id":…,"remainingMs":…},
//   {"event":"end","id":…,"err":…,"cause":…} (a "hang" call's context ended).
'use strict';
const http2 = require('node:http2');
const { join } = require('node:path');
const connect = require('@connectrpc/connect');
const { connectNodeAdapter } = require('@connectrpc/connect-node');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const { serverInterceptor, contextOf } = require(join(root, 'connect', 'index.js'));
const { valuesHeader, carry } = require(join(root, 'propagation', 'index.js'));
const { Echo } = require('./echo-service.cjs');

const options = JSON.parse(process.argv[2] ?? '{}');
const tenantKey = ctxkit.createKey('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const report = (event) => process.stdout.write(JSON.stringify(event) + '\n');

async function serve(ctx, req) {
  const deadline = ctx.deadline();
  const remainingMs = deadline === undefined ? -1 : deadline.getTime() - Date.now();
  report({ event: 'start', id: req.id, remainingMs });
  if (req.mode === 'hang') {
    await ctx.done();
    report({ event: 'end', id: req.id, err: ctx.err()?.name, cause: ctxkit.cause(ctx)?.name });
    throw ctxkit.cause(ctx);
  }
  return { id: req.id, remainingMs, tenant: ctx.value(tenantKey) ?? '' };
}

const handler = connectNodeAdapter({
  interceptors: [serverInterceptor(connect, { maxTimeoutMs: options.maxTimeoutMs, values })],
  routes(router) {
    router.service(Echo, {
      unary: (req, hctx) => serve(contextOf(hctx), req),
      async *serverStream(req, hctx) {
        yield await serve(contextOf(hctx), req);
      },
    });
  },
});
const server = http2.createServer(handler);
server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
