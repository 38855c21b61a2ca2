/**
 * ctxkit/worker: contexts that cross into worker threads.
 *
 * A worker busy in a synchronous loop never turns its event loop, so a message,
 * or an AbortSignal transferred to it, arrives only after the work is done.
 * Here a context crosses as a descriptor backed by a SharedArrayBuffer: the
 * sending side (shareContext) writes the outcome into shared memory when the
 * context is done, and the worker's context (receiveContext) reads it with
 * Atomics.load on every err(), so a loop that polls `ctx.err()` or
 * `ctx.throwIfDone()` stops within microseconds of cancel(). Cause, deadline
 * and chosen values cross too. Where SharedArrayBuffer is unavailable (a
 * browser page that is not cross-origin isolated) it falls back to a
 * MessagePort. A worker's failure comes back with encodeFailure /
 * ContextShare.decodeFailure, as the sender's own cause when the context's end
 * caused it. See docs/workers.md.
 */
export type { ContextDescriptor, WorkerFailure } from './protocol.js';
export { ContextShare, shareContext, type ShareOptions, type WorkerTransport } from './share.js';
export { RemoteContext, encodeFailure, receiveContext, type ReceiveOptions } from './remote.js';
export { UncloneableCauseError } from './causes.js';
