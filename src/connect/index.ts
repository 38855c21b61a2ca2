/**
 * ctxkit/connect: contexts for Connect (`@connectrpc/connect`,
 * `@connectrpc/connect-node`).
 *
 * Client: `callOptions(ctx)` sets a call's `timeoutMs` from the context and
 * `contextInterceptor()` aborts the call when the context ends and sends its
 * values (for the implicit context of `ctxkit/node` too, given as
 * `current: implicit.current`; the client side loads no Node built-in, so it
 * serves connect-web in browsers); `callError` gives back cause(ctx)
 * from Connect's wrapping error. Server: `serverInterceptor(connect)` gives
 * every call a context with the caller's deadline cut to the server's
 * maximum, cancelled with ClientDisconnected when the client goes away, read
 * with `contextOf(handlerContext)`; a context's end is answered with
 * Canceled, DeadlineExceeded or Unavailable. Connect is an optional peer
 * dependency, used only through the objects you pass in. See docs/rpc.md.
 */
export { callOptions, contextInterceptor, type ConnectClientOptions } from './client.js';
export { contextOf, serverInterceptor, type ConnectModule, type ConnectServerOptions } from './server.js';
export { CONTEXT_KEY } from './context-key.js';
export { callError } from '../internal/rpc.js';
