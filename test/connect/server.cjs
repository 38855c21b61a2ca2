// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// A Connect server process (connect-node, HTTP/2 without TLS) for the
// ctxkit/connect tests: the Echo service of echo-service.cjs, all four kinds
// of call, each handler under serverInterceptor's context; a streaming call
// serves its first request message ("hang" waits for the call's context).
// Events as test/rpc/fixture.cjs says, and {"event":"listening","port":…};
// "stats" adds the open HTTP/2 sessions and streams.
'use strict';
const http2 = require('node:http2');
const connect = require('@connectrpc/connect');
const { connectNodeAdapter } = require('@connectrpc/connect-node');
const { answerStats, load, options, report, serve, values } = require('../rpc/fixture.cjs');
const { serverInterceptor, contextOf } = load('connect');
const { Echo } = require('./echo-service.cjs');

/** The first message of a request stream. */
async function firstOf(reqs) {
  for await (const req of reqs) return req;
  throw new Error('empty request stream');
}

const handler = connectNodeAdapter({
  interceptors: [serverInterceptor(connect, { maxTimeoutMs: options.maxTimeoutMs, values })],
  routes(router) {
    router.service(Echo, {
      unary: (req, hctx) => serve(contextOf(hctx), req.id, req.mode),
      async *serverStream(req, hctx) {
        yield await serve(contextOf(hctx), req.id, req.mode);
      },
      async clientStream(reqs, hctx) {
        const req = await firstOf(reqs);
        return await serve(contextOf(hctx), req.id, req.mode);
      },
      async *bidi(reqs, hctx) {
        const req = await firstOf(reqs);
        yield await serve(contextOf(hctx), req.id, req.mode);
      },
    });
  },
});
const server = http2.createServer(handler);
let sessions = 0;
let streams = 0;
server.on('session', (session) => {
  sessions++;
  session.on('close', () => sessions--);
});
server.on('stream', (stream) => {
  streams++;
  stream.on('close', () => streams--);
});
answerStats(() => ({ sessions, streams }));
server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
