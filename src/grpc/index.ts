/**
 * ctxkit/grpc: contexts for `@grpc/grpc-js`, as grpc-go has them.
 *
 * Server: `serviceWithContext` gives every call, of every kind, a context
 * (`callContext`) carrying the client's deadline cut to the server's own
 * maximum, cancelled with ClientDisconnected when the client cancels or the
 * stream is reset and with ServerShutdown by `shutdownServer`; a handler's
 * context error is answered with CANCELLED, DEADLINE_EXCEEDED or UNAVAILABLE
 * (`grpcStatus`). Client: `unaryCall(ctx, …)`, `callOptions(ctx)` and
 * `contextInterceptor` send the context's deadline (never one that wraps),
 * cancel the call when it ends, and send its values in the metadata;
 * `callError` gives back cause(ctx). grpc-js is an optional peer dependency,
 * used only through the objects you pass in. See docs/rpc.md.
 */
export {
  MAX_SENT_BUDGET_MS,
  callOptions,
  contextInterceptor,
  unaryCall,
  type ContextCallOptions,
  type GrpcClientOptions,
  type GrpcModule,
  type UnaryCallback,
} from './client.js';
export { callError } from '../internal/rpc.js';
export {
  callContext,
  serviceWithContext,
  type BidiStreamingHandler,
  type CallContext,
  type ClientStreamingHandler,
  type ContextHandler,
  type GrpcServerOptions,
  type ServerCall,
  type ServerStreamingHandler,
  type UnaryHandler,
} from './server.js';
export { grpcStatus, type GrpcContextCode } from '../internal/rpc.js';
export { shutdownServer, type GrpcShutdownOptions } from './shutdown.js';
