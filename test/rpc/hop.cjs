// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// One hop of the mixed chain of test/rpc/chain.test.ts, by role:
//   A: HTTP server (ctxkit/node) → calls B over gRPC (ctxkit/grpc unaryCall)
//   B: gRPC server (serviceWithContext) → calls C over Connect (ctxkit/connect)
//   C: Connect server (serverInterceptor) → calls D over HTTP with undici (the implicit context)
//   D: HTTP server (ctxkit/node): "echo" answers at once, "hang" waits for its context
// Options (argv JSON): { role, next (host:port), marginMs, maxTimeoutMs }.
// Events on stdout, each with `hop` and `at` (monotonic ms): {"event":"listening","port":…}; {"event":"start","hop":…,"id":…,"remainingMs":…};
// {"event":"end","hop":…,"id":…,"cause":…} (the hop's context ended while its call ran);
// {"event":"answer","hop":…,"id":…,"status":…} (HTTP status, or gRPC/Connect code).
'use strict';
const http = require('node:http');
const http2 = require('node:http2');
const { join } = require('node:path');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const node = require(join(root, 'node', 'index.js'));
const kgrpc = require(join(root, 'grpc', 'index.js'));
const kconnect = require(join(root, 'connect', 'index.js'));
const kundici = require(join(root, 'undici', 'index.js'));

const { role, next, marginMs = 0, maxTimeoutMs } = JSON.parse(process.argv[2]);
// `at`: the machine's monotonic clock in ms (process.hrtime), which every process shares.
const report = (event) => process.stdout.write(JSON.stringify({ hop: role, at: Number(process.hrtime.bigint()) / 1e6, ...event }) + '\n');
const remaining = (ctx) => {
  const d = ctx.deadline();
  return d === undefined ? -1 : d.getTime() - Date.now();
};
const lifetime = ctxkit.background();

/** Runs the hop's call to the next one under ctx, reporting its start, and the end of ctx whenever that comes. */
async function hop(ctx, id, mode, call) {
  report({ event: 'start', id, remainingMs: remaining(ctx) });
  void ctx.done().then(() => report({ event: 'end', id, err: ctx.err()?.name, cause: ctxkit.cause(ctx)?.name }));
  return await call();
}

/** An HTTP server whose requests run under fromRequest; `work(ctx, id, mode)` gives the JSON answer. */
function httpServer(work) {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const id = url.searchParams.get('id');
    const mode = url.searchParams.get('mode');
    let ctx;
    try {
      [ctx] = node.fromRequest(req, res, { parent: lifetime, deadline: { maxTimeoutMs } });
      const body = await hop(ctx, id, mode, () => work(ctx, id, mode));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
      report({ event: 'answer', id, status: 200 });
    } catch (error) {
      const status = node.answerContextError(error, req, res) ?? (res.writeHead(500).end(), 500);
      report({ event: 'answer', id, status });
    }
  });
}

const protoLoader = () => require('@grpc/proto-loader');
const echoService = () => require('@grpc/grpc-js').loadPackageDefinition(protoLoader().loadSync(join(__dirname, '..', 'grpc', 'echo.proto'))).ctxkit.test.Echo;

if (role === 'A') {
  const grpc = require('@grpc/grpc-js');
  const Echo = echoService();
  const client = new Echo(next, grpc.credentials.createInsecure(), { interceptors: [kgrpc.contextInterceptor(grpc, { marginMs })] });
  const server = httpServer(async (ctx, id, mode) => {
    const res = await kgrpc.unaryCall(ctx, (options, done) => client.Unary({ id, mode }, options, done));
    return { A: remaining(ctx), ...JSON.parse(res.tenant) };
  });
  server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
} else if (role === 'B') {
  const grpc = require('@grpc/grpc-js');
  const connect = require('@connectrpc/connect');
  const { createConnectTransport } = require('@connectrpc/connect-node');
  const { Echo: EchoC } = require('../connect/echo-service.cjs');
  const cclient = connect.createClient(EchoC, createConnectTransport({ baseUrl: `http://${next}`, httpVersion: '2', interceptors: [kconnect.contextInterceptor()] }));
  const Echo = echoService();
  const server = new grpc.Server();
  const unary = async (ctx, call) => {
    const { id, mode } = call.request;
    try {
      const res = await hop(ctx, id, mode, () =>
        cclient.unary({ id, mode }, kconnect.callOptions(ctx, {}, { marginMs })).catch((e) => {
          throw kconnect.callError(ctx, e);
        }),
      );
      report({ event: 'answer', id, status: 0 });
      // The per-hop budgets travel back in the tenant field, as JSON.
      return { id, remainingMs: 0, tenant: JSON.stringify({ B: remaining(ctx), ...JSON.parse(res.tenant) }) };
    } catch (error) {
      report({ event: 'answer', id, status: kgrpc.grpcStatus(error) ?? 2 });
      throw error;
    }
  };
  server.addService(Echo.service, kgrpc.serviceWithContext(Echo.service, { Unary: unary }, { parent: lifetime, maxTimeoutMs }));
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => report({ event: 'listening', port }));
} else if (role === 'C') {
  const connect = require('@connectrpc/connect');
  const { connectNodeAdapter } = require('@connectrpc/connect-node');
  const undici = require('undici');
  const { Echo } = require('../connect/echo-service.cjs');
  // Every request of this dispatcher runs under the implicit context of the handler that makes it.
  const dispatcher = new undici.Agent().compose(kundici.contextInterceptor({ marginMs }));
  const unary = async (req, hctx) => {
    const ctx = kconnect.contextOf(hctx);
    const { id, mode } = req;
    try {
      const body = await hop(ctx, id, mode, () =>
        node.implicit.run(ctx, async () => {
          const res = await undici.request(`http://${next}/?id=${id}&mode=${mode}`, { dispatcher });
          if (res.statusCode === 504) {
            await res.body.dump();
            throw ctx.err() === undefined ? ctxkit.DeadlineExceeded : ctxkit.cause(ctx);
          }
          return await res.body.json();
        }),
      );
      report({ event: 'answer', id, status: 0 });
      return { id, remainingMs: 0, tenant: JSON.stringify({ C: remaining(ctx), ...body }) };
    } catch (error) {
      report({ event: 'answer', id, status: kgrpc.grpcStatus(error) ?? 2 });
      throw error;
    }
  };
  const handler = connectNodeAdapter({
    interceptors: [kconnect.serverInterceptor(connect, { parent: lifetime, maxTimeoutMs })],
    routes: (router) => router.service(Echo, { unary, serverStream: async function* () {} }),
  });
  const server = http2.createServer(handler);
  server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
} else {
  const server = httpServer(async (ctx, id, mode) => {
    if (mode === 'hang') {
      await ctx.done();
      throw ctxkit.cause(ctx);
    }
    return { D: remaining(ctx) };
  });
  server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
}
