// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// The client side of the leak test, run with --expose-gc: `count` unary calls
// through contextInterceptor + unaryCall under one long-lived context with a
// deadline, in batches of 100; prints one JSON line with the heap after a full
// GC once warmed up and at the end (what a call left registered on the
// context would keep alive: its call objects), and the timers left.
'use strict';
const { join } = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const { contextInterceptor, unaryCall } = require(join(root, 'grpc', 'index.js'));

const [address, countText] = process.argv.slice(2);
const count = Number(countText);
const Echo = grpc.loadPackageDefinition(protoLoader.loadSync(join(__dirname, 'echo.proto'))).ctxkit.test.Echo;
const client = new Echo(address, grpc.credentials.createInsecure(), { interceptors: [contextInterceptor(grpc, { marginMs: 50 })] });
const [ctx, cancel] = ctxkit.withTimeout(ctxkit.background(), 10 * 60_000);

const timers = () => process.getActiveResourcesInfo().filter((k) => k === 'Timeout').length;
const heap = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
};
const batch = (from) =>
  Promise.all(Array.from({ length: 100 }, (_, j) => unaryCall(ctx, (options, done) => client.Unary({ id: `leak-${from + j}`, mode: 'echo' }, options, done))));

(async () => {
  for (let i = 0; i < 500; i += 100) await batch(i);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const warm = heap();
  const timersWarm = timers();
  for (let i = 500; i < count; i += 100) await batch(i);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const end = heap();
  const timersEnd = timers();
  cancel();
  await new Promise((resolve) => setTimeout(resolve, 50));
  client.close();
  process.stdout.write(JSON.stringify({ warm, end, growth: end - warm, timersWarm, timersEnd }) + '\n');
})();
