// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// A gRPC server process for the ctxkit/grpc tests: the Echo service of
// echo.proto on 127.0.0.1, its handlers written with serviceWithContext from
// the built package. It prints one JSON line per event on stdout:
//   {"event":"listening","port":…}
//   {"event":"start","id":…,"method":…,"remainingMs":…}   a handler started
//   {"event":"end","id":…,"err":…,"cause":…}               its context ended while it ran ("hang")
//   {"event":"stats","handlers":…,"deadlines":…,"resources":{…}}   answer to "stats" on stdin
//      (deadlines: pending deadlines beyond those pending at start)
//   {"event":"shutdown","outcome":…}                       after "shutdown <graceMs>" on stdin
// Options (argv JSON): { maxTimeoutMs?: number }.
'use strict';
const { join } = require('node:path');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const { serviceWithContext, shutdownServer } = require(join(root, 'grpc', 'index.js'));
const { valuesHeader, carry } = require(join(root, 'propagation', 'index.js'));
const { pendingDeadlines } = require(join(root, 'testing', 'index.js'));

const options = JSON.parse(process.argv[2] ?? '{}');
// Deadlines pending before any call (whatever the package itself keeps), the baseline of `deadlines`.
const baselineDeadlines = pendingDeadlines();
const definition = protoLoader.loadSync(join(__dirname, 'echo.proto'));
const Echo = /** @type {any} */ (grpc.loadPackageDefinition(definition)).ctxkit.test.Echo;
const tenantKey = ctxkit.createKey('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const [lifetime, stopLifetime] = ctxkit.withCancelCause(ctxkit.background());

/** @param {Record<string, unknown>} event */
const report = (event) => process.stdout.write(JSON.stringify(event) + '\n');
let handlers = 0;

/** Runs one request of a handler: reports it, then answers, waits or fails. */
async function serve(ctx, method, req) {
  const deadline = ctx.deadline();
  const remainingMs = deadline === undefined ? -1 : deadline.getTime() - Date.now();
  report({ event: 'start', id: req.id, method, remainingMs });
  if (req.mode === 'hang') {
    await ctx.done();
    const c = ctxkit.cause(ctx);
    report({ event: 'end', id: req.id, err: ctx.err()?.name, cause: c?.name });
    throw c;
  }
  if (req.mode === 'fail') throw Object.assign(new Error('plain failure'), { code: grpc.status.FAILED_PRECONDITION });
  return { id: req.id, remainingMs, tenant: ctx.value(tenantKey) ?? '' };
}

/** Counts running handlers. */
const counted = (f) => async (ctx, call) => {
  handlers++;
  try {
    return await f(ctx, call);
  } finally {
    handlers--;
  }
};

/** The first message of a client stream. */
const firstOf = (call) => new Promise((resolve, reject) => {
  call.once('data', resolve);
  call.once('error', reject);
});

const implementation = serviceWithContext(
  Echo.service,
  {
    Unary: counted((ctx, call) => serve(ctx, 'Unary', call.request)),
    ClientStream: counted(async (ctx, call) => serve(ctx, 'ClientStream', await firstOf(call))),
    ServerStream: counted(async (ctx, call) => {
      call.write(await serve(ctx, 'ServerStream', call.request));
    }),
    Bidi: counted(async (ctx, call) => {
      call.write(await serve(ctx, 'Bidi', await firstOf(call)));
    }),
  },
  { parent: lifetime, maxTimeoutMs: options.maxTimeoutMs, values },
);

const server = new grpc.Server();
server.addService(Echo.service, implementation);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  report({ event: 'listening', port });
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(' ');
  if (command === 'stats') {
    if (global.gc) global.gc();
    report({ event: 'stats', handlers, deadlines: pendingDeadlines() - baselineDeadlines, resources: countResources() });
  } else if (command === 'shutdown') {
    shutdownServer(server, { graceMs: Number(arg), cancelGraceMs: 2000, cancel: stopLifetime }).then((outcome) => {
      report({ event: 'shutdown', outcome, lifetime: ctxkit.cause(lifetime)?.name });
    });
  }
});

/** process.getActiveResourcesInfo() counted by kind. */
function countResources() {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
