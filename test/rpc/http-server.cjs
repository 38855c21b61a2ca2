// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// An HTTP server process for the HTTP client tests (undici, axios, got, ky):
// each request runs under ctxkit/node's fromRequest (ctxkit-timeout-ms
// honoured, at most options.maxTimeoutMs). Events as fixture.cjs says, and
// {"event":"listening","port":…}. GET /echo?id=… answers {id, remainingMs,
// tenant} at once; GET /hang?id=… waits for its context, then answers 504 if
// the client is still there; GET /stream?id=… sends its headers and a first
// chunk at once, and the rest of the body when its context ends; GET
// /flaky?id=… answers 503 the first time for an id, then as /echo. "stats"
// adds the open connections and requests.
'use strict';
const http = require('node:http');
const { answerStats, load, options, report, serve, values } = require('./fixture.cjs');
const { fromRequest } = load('node');

let requests = 0;
const flaky = new Set();
const server = http.createServer(async (req, res) => {
  requests++;
  res.on('close', () => requests--);
  const url = new URL(req.url, 'http://localhost');
  const [ctx] = fromRequest(req, res, { deadline: { maxTimeoutMs: options.maxTimeoutMs }, derive: (c) => values.extract(c, req.headers) });
  if (url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' }).write('first ');
    await serve(ctx, url.searchParams.get('id'), 'hang').catch(() => undefined);
    res.end('last');
    return;
  }
  try {
    const id = url.searchParams.get('id');
    const body = await serve(ctx, id, url.pathname === '/hang' ? 'hang' : 'echo');
    if (url.pathname === '/flaky' && !flaky.has(id)) {
      flaky.add(id);
      res.writeHead(503).end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  } catch {
    if (!res.headersSent && !res.destroyed) res.writeHead(504).end();
  }
});
let connections = 0;
server.on('connection', (socket) => {
  connections++;
  socket.on('close', () => connections--);
});
answerStats(() => ({ connections, requests }));
server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
