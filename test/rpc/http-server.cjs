// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// An HTTP server process for the HTTP client tests (undici, axios): each
// request runs under ctxkit/node's fromRequest (ctxkit-timeout-ms honoured,
// at most options.maxTimeoutMs). It prints JSON events on stdout:
//   {"event":"listening","port":…}
//   {"event":"start","id":…,"remainingMs":…,"tenant":…}   a request arrived
//   {"event":"end","id":…,"cause":…}                      the context of a /hang request ended
// GET /echo?id=… answers {remainingMs, tenant} at once; GET /hang?id=… waits for its context.
'use strict';
const http = require('node:http');
const { join } = require('node:path');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const { fromRequest } = require(join(root, 'node', 'index.js'));
const { valuesHeader, carry } = require(join(root, 'propagation', 'index.js'));

const options = JSON.parse(process.argv[2] ?? '{}');
const tenantKey = ctxkit.createKey('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const report = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const id = url.searchParams.get('id');
  const [ctx] = fromRequest(req, res, { deadline: { maxTimeoutMs: options.maxTimeoutMs }, derive: (c) => values.extract(c, req.headers) });
  const deadline = ctx.deadline();
  const remainingMs = deadline === undefined ? -1 : deadline.getTime() - Date.now();
  report({ event: 'start', id, remainingMs, tenant: ctx.value(tenantKey) ?? '' });
  if (url.pathname === '/hang') {
    await ctx.done();
    report({ event: 'end', id, cause: ctxkit.cause(ctx)?.name });
    if (!res.headersSent && !res.destroyed) res.writeHead(504).end();
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ remainingMs, tenant: ctx.value(tenantKey) ?? '' }));
});
server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
