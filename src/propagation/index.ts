/**
 * ctxkit/propagation: deadlines and values that cross service calls.
 *
 * A deadline crosses a hop as the REMAINING time, in a header of one of three
 * codecs (ctxkit's `ctxkit-timeout-ms`, gRPC's `grpc-timeout`, Connect's
 * `connect-timeout-ms`). A server derives each request's context with
 * `incomingDeadline`, where the caller's header can only shorten its own
 * budget; a client calls the next service with `fetchWithContext`, which sends
 * what is left and stops when the context does. Request values cross only if
 * listed in a `valuesHeader`; `downstreamError` turns the next service's 503
 * or 504 into the error a context end gives. Runs wherever fetch does: no Node built-ins.
 */
export type { HeadersLike } from './headers.js';
export { connectTimeoutCodec, ctxkitTimeoutCodec, grpcTimeoutCodec, type DeadlineCodec } from './deadline-codecs.js';
export { MalformedDeadlineError } from './errors.js';
export { DownstreamUnavailableError, downstreamError } from './downstream.js';
export { incomingDeadline, type IncomingDeadline, type IncomingDeadlineOptions } from './incoming.js';
export {
  createContextFetch,
  fetchWithContext,
  type ContextFetch,
  type ContextFetchInit,
  type FetchLike,
  type PropagationOptions,
} from './fetch.js';
export { carry, valuesHeader, type CarriedValue, type ValueCodec, type ValuesHeader, type ValuesHeaderOptions } from './values.js';
