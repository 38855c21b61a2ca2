// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// The client side of the leak tests, run with --expose-gc:
//   node --expose-gc leak-client.cjs <grpc|connect|undici|axios|got|ky> <host:port> <count>
// makes `count` calls through ctxkit's adapter for that library under one
// long-lived context with a deadline, in batches of 100, and prints one JSON
// line: the heap after a full GC once warmed up (1,000 calls) and at the end
// (what a call left registered on the context would keep alive), the timers
// left, and the listeners on the context's signal.
'use strict';
const { getEventListeners } = require('node:events');
const { join } = require('node:path');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));

const [library, address, countText] = process.argv.slice(2);
const count = Number(countText);
const [ctx, cancel] = ctxkit.withTimeout(ctxkit.background(), 10 * 60_000);

/** For each library: one call under ctx, and what to close at the end. */
function client() {
  if (library === 'grpc') {
    const grpc = require('@grpc/grpc-js');
    const protoLoader = require('@grpc/proto-loader');
    const { contextInterceptor, unaryCall } = require(join(root, 'grpc', 'index.js'));
    const Echo = grpc.loadPackageDefinition(protoLoader.loadSync(join(__dirname, '..', 'grpc', 'echo.proto'))).ctxkit.test.Echo;
    const c = new Echo(address, grpc.credentials.createInsecure(), { interceptors: [contextInterceptor(grpc, { marginMs: 50 })] });
    return { call: (id) => unaryCall(ctx, (options, done) => c.Unary({ id, mode: 'echo' }, options, done)), close: () => c.close() };
  }
  if (library === 'connect') {
    const { createClient } = require('@connectrpc/connect');
    const { createConnectTransport } = require('@connectrpc/connect-node');
    const { Echo } = require(join(__dirname, '..', 'connect', 'echo-service.cjs'));
    const { callError, callOptions, contextInterceptor } = require(join(root, 'connect', 'index.js'));
    const c = createClient(Echo, createConnectTransport({ baseUrl: `http://${address}`, httpVersion: '2', interceptors: [contextInterceptor({ marginMs: 50 })] }));
    return {
      call: (id) =>
        c.unary({ id, mode: 'echo' }, callOptions(ctx)).catch((e) => {
          throw callError(ctx, e);
        }),
      close: () => undefined,
    };
  }
  if (library === 'undici') {
    const { Agent, request } = require('undici');
    const { contextInterceptor } = require(join(root, 'undici', 'index.js'));
    const agent = new Agent();
    const dispatcher = agent.compose(contextInterceptor({ context: ctx, marginMs: 50 }));
    return { call: async (id) => (await request(`http://${address}/echo?id=${id}`, { dispatcher })).body.json(), close: () => agent.close() };
  }
  if (library === 'axios') {
    const http = require('node:http');
    const axios = require('axios');
    const { axiosRequest } = require(join(root, 'axios', 'index.js'));
    const instance = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
    return { call: (id) => axiosRequest(ctx, instance, { url: `http://${address}/echo?id=${id}` }, { marginMs: 50 }), close: () => instance.defaults.httpAgent.destroy() };
  }
  if (library === 'got') {
    const http = require('node:http');
    const { default: got } = require('got');
    const { gotRequest } = require(join(root, 'got', 'index.js'));
    const agent = new http.Agent({ keepAlive: true });
    const url = (id) => `http://${address}/echo?id=${id}`;
    return { call: (id) => gotRequest(ctx, (options) => got(url(id), options).json(), { agent: { http: agent } }, { marginMs: 50 }), close: () => agent.destroy() };
  }
  if (library === 'ky') {
    const { default: ky } = require('ky');
    const { kyRequest } = require(join(root, 'ky', 'index.js'));
    return { call: (id) => kyRequest(ctx, (options) => ky(`http://${address}/echo?id=${id}`, options).json(), {}, { marginMs: 50 }), close: () => undefined };
  }
  throw new Error(`unknown library ${library}`);
}

const timers = () => process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
// Several collections with a pause between them: what a FinalizationRegistry or a
// weakly held signal lets go is only freed by a later collection, after its
// callbacks have run (two back-to-back gc() calls left up to 6 MB of that at random).
const heap = async () => {
  for (let i = 0; i < 4; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

(async () => {
  const { call, close } = client();
  const batch = (from) => Promise.all(Array.from({ length: 100 }, (_, j) => call(`leak-${from + j}`)));
  for (let i = 0; i < 1000; i += 100) await batch(i);
  await settle();
  const warm = await heap();
  const timersWarm = timers();
  for (let i = 1000; i < count; i += 100) await batch(i);
  await settle();
  const end = await heap();
  const timersEnd = timers();
  const listeners = getEventListeners(ctx.signal, 'abort').length;
  cancel();
  await settle();
  await close();
  process.stdout.write(JSON.stringify({ warm, end, growth: end - warm, timersWarm, timersEnd, listeners }) + '\n');
})();
