/**
 * ctxkit/web: request contexts for servers written against the Fetch API's
 * `Request` and `Response` (`Deno.serve`, `Bun.serve`, Cloudflare Workers,
 * Next.js route handlers; Hono through `ctxkit/hono`), with the same contract
 * as `ctxkit/node`'s `fromRequest`; and the causes every server's request
 * contexts end with. No Node built-ins: it runs wherever `Request` does. See
 * docs/web.md.
 */
export { ClientDisconnected, ClientDisconnectedError, ResponseFinished, ResponseFinishedError, ServerShutdown, ServerShutdownError } from './causes.js';
export { contextOf, findContext, finishRequest, requestContext, type NodeResponseLike, type WebRequestOptions } from './request.js';
export { contextErrorStatus, errorResponse, errorStatus, type ErrorStatus } from './status.js';
export { withRequestContext, type ContextHandler } from './handler.js';
