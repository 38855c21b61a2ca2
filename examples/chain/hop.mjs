// One hop of the chain (client → A → B → C), as a process of its own: a ctxkit
// server that reads the request, works for a while, calls the next hop with
// fetchWithContext, and answers. It stops gracefully on SIGTERM or SIGINT
// (withProcessSignals + shutdown), or when the process that started it goes
// away (its IPC channel closes).
//
//   node examples/chain/hop.mjs --name=C --work-ms=100
//   node examples/chain/hop.mjs --name=B --next=http://127.0.0.1:PORT_OF_C --framework=express
//
// Options: see options.mjs. It imports the built package: run `npm run build` first.
//
// It reports on stdout, one JSON line per event (see report.mjs):
//   listening      { port, h2Port?, framework, next }
//   received       { id, method, url, header, budgetMs }  budgetMs: what is left of the request's deadline
//   rejected       { url, header, error }                 a malformed deadline header, answered 400
//   body-read      { id, bytes }
//   work-started   { id, ms }    then work-done { id, ms } or work-stopped { id, err, cause }
//   call-sent      { id, to, budgetMs }                   the budget passed on (after the margin)
//   call-answered  { id, status }  or  call-failed { id, error, err, cause }
//   responded      { id, status }                         status null: the client was gone, nothing sent
//   context-done   { id, err, cause }                     the request context ended, and why
//   signal         { signal }  then  stopped { outcome }   graceful shutdown ("drained" or "cancelled")
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import { background, cause, withCancelCause } from 'ctxkit';
import { shutdown, withProcessSignals } from 'ctxkit/node';
import { createDebugStats } from './debug.mjs';
import { createHop } from './handler.mjs';
import { parseHopOptions } from './options.mjs';
import { createReporter } from './report.mjs';
import { closeHttp2, expressApp, requestListener } from './servers.mjs';

const options = parseHopOptions(process.argv.slice(2));
const report = createReporter(options.name);

// The parent going away (its IPC channel closing) stops the hop as SIGTERM does.
const onParentGone = () => process.kill(process.pid, 'SIGTERM');
if (process.connected) process.once('disconnect', onParentGone);
const [signalled] = withProcessSignals(background());

// One server-lifetime context per server (Go's BaseContext): the parent of its requests.
const [httpLifetime, stopHttp] = withCancelCause(background());
const [h2Lifetime, stopH2] = options.h2 ? withCancelCause(background()) : [];
const serverContexts = { http: httpLifetime, ...(options.h2 && { h2: h2Lifetime }) };
// With --debug, every request context is tracked (weakly) for the stats endpoint.
let stats;
const hop = createHop({ options, report, onContext: options.debug ? (ctx) => stats.track(ctx) : undefined });
stats = options.debug ? createDebugStats({ serverContexts, activity: hop.activity }) : undefined;
const requestOptions = { timeoutMs: options.budgetMs, deadline: { maxTimeoutMs: options.maxTimeoutMs } };
const entry = { hop, requestOptions, report, stats };

const server =
  options.framework === 'express'
    ? http.createServer(await expressApp({ ...entry, parent: httpLifetime }))
    : http.createServer(requestListener({ ...entry, parent: httpLifetime }));
server.listen(options.port, '127.0.0.1');
await once(server, 'listening');

let h2Server;
const h2Sessions = new Set();
if (options.h2) {
  h2Server = http2.createServer(requestListener({ ...entry, parent: h2Lifetime }));
  h2Server.on('session', (session) => {
    h2Sessions.add(session);
    session.once('close', () => h2Sessions.delete(session));
  });
  h2Server.listen(0, '127.0.0.1');
  await once(h2Server, 'listening');
}
report('listening', { port: server.address().port, h2Port: h2Server?.address().port, framework: options.framework, next: options.next ?? null });

await signalled.done();
report('signal', { signal: cause(signalled).signal });
// Each cancels its server-lifetime context, with ServerShutdown, when its grace period runs out or once it has closed.
const outcomes = await Promise.all([
  shutdown(server, { graceMs: options.graceMs, cancel: stopHttp }),
  h2Server === undefined ? 'drained' : closeHttp2(h2Server, h2Sessions, { graceMs: options.graceMs, cancel: stopH2 }),
]);
report('stopped', { outcome: outcomes.includes('cancelled') ? 'cancelled' : 'drained' });
process.removeListener('disconnect', onParentGone);
if (process.connected) process.disconnect();
// Nothing else is left: the process exits by itself. A timer or socket still
// open here would keep it alive, and the e2e test would see it.
