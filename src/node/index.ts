/**
 * ctxkit/node: request contexts for Node servers.
 *
 * `fromRequest` gives a `node:http` or HTTP/2 request its context, cancelled
 * when the client goes away or the response is complete; `expressAdapter`
 * does it for Express 5 (and `ctxkit/node/fastify` for Fastify 5, a separate
 * entry so that only Fastify users need Fastify's types), and answers the
 * context's errors. `withProcessSignals` is Go's `signal.NotifyContext`, `shutdown` a
 * graceful stop for an HTTP/1 or HTTP/2 server, `runService` a service's
 * whole lifetime (signals, hooks, drain, exit code), `implicit` an optional implicit context
 * for loggers. See docs/servers.md. `spawn` and `execFile` run child processes
 * under a context (Go's `exec.CommandContext`): see docs/concurrency.md.
 */
export { ClientDisconnected, ClientDisconnectedError, ProcessSignalError, ResponseFinished, ResponseFinishedError, ServerShutdown, ServerShutdownError } from './causes.js';
export { contextOf, findContext, fromRequest, type NodeRequest, type NodeResponse, type RequestContextOptions } from './request.js';
export { clientGone } from './response.js';
export { answerContextError, errorStatus, type ErrorStatus } from './status.js';
export type { AdapterOptions, RequestLogEvent } from './adapter.js';
export { expressAdapter, type ExpressAdapter } from './express.js';
export { withProcessSignals } from './signals.js';
export { shutdown, type ShutdownOptions, type ShutdownOutcome, type ShutdownServer } from './shutdown.js';
export * as implicit from './implicit.js';
export { execFile, ExitError, spawn, type ContextProcess, type ExecOptions, type ExecResult, type ExitStatus, type SpawnOptions } from './exec.js';
export { runService, ServiceExit, type Service, type ServiceHook, type ServiceOptions, type ServicePhase, type ServiceServers } from './lifetime.js';
