/**
 * What ctxkit/grpc and ctxkit/connect share, free of Node built-ins and of
 * either library (ctxkit/connect's client runs in browsers): the gRPC codes a
 * context's end maps to, the error a call made under a context reports, and
 * the options of a server-side call context.
 */
import { CanceledError, DeadlineExceeded, DeadlineExceededError, background, cause, type Context } from '../index.js';
import { DownstreamUnavailableError, type ValuesHeader } from '../propagation/index.js';
import { ServerShutdownError } from '../web/index.js';
import { checkContext, checkOptionalMs, checkOptions, fail } from './check.js';

/** The gRPC status codes a context's end maps to (the protocol's numbers, as `grpc.status` has them). */
export const GrpcCode = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  UNAVAILABLE: 14,
} as const;

/** GrpcContextCode is one of the gRPC codes a context's end maps to: CANCELLED (1), DEADLINE_EXCEEDED (4) or UNAVAILABLE (14). */
export type GrpcContextCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** How many `.cause` links grpcStatus follows, against cycles. */
const MAX_CAUSE_DEPTH = 8;

/**
 * grpcStatus returns the gRPC code for `error` when it, or one of its
 * `.cause`s, is a context's end, or undefined for any other error:
 * DEADLINE_EXCEEDED for a DeadlineExceededError, UNAVAILABLE for a
 * ServerShutdownError (the server is going away: the client may retry
 * elsewhere) or a DownstreamUnavailableError, CANCELLED for any other
 * CanceledError (ClientDisconnected, a plain cancel).
 */
export function grpcStatus(error: unknown): GrpcContextCode | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && e !== undefined && e !== null; depth++) {
    if (e instanceof DeadlineExceededError) return GrpcCode.DEADLINE_EXCEEDED;
    if (e instanceof ServerShutdownError || e instanceof DownstreamUnavailableError) return GrpcCode.UNAVAILABLE;
    if (e instanceof CanceledError) return GrpcCode.CANCELLED;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * contextCode returns the code of a handler's error when it is a context's
 * end (see grpcStatus); a custom cause of the call's context (withCancelCause,
 * withTimeoutCause above it) is mapped by what the context reports in `err()`.
 */
export function contextCode(ctx: Context, error: unknown): GrpcContextCode | undefined {
  const code = grpcStatus(error);
  if (code !== undefined || error === undefined || ctx.err() === undefined || error !== cause(ctx)) return code;
  return grpcStatus(ctx.err());
}

/**
 * callError returns the error a call made under ctx should report, as
 * `downstreamError` does for fetch:
 *
 * - ctx is done: cause(ctx) (grpc-js's CANCELLED or DEADLINE_EXCEEDED says less);
 * - the call failed with DEADLINE_EXCEEDED: DeadlineExceeded (the budget sent
 *   with the call ran out on the way, or on the other side), so that this
 *   server answers DEADLINE_EXCEEDED or 504 in turn;
 * - otherwise `error` unchanged.
 *
 * Use it on a stream's 'error': `stream.on('error', (e) => reject(callError(ctx, e)))`.
 */
export function callError(ctx: Context, error: unknown): unknown {
  checkContext('callError', 'ctx', ctx);
  if (ctx.err() !== undefined) return cause(ctx);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === GrpcCode.DEADLINE_EXCEEDED ? DeadlineExceeded : error;
}

/** RpcServerOptions says what every call's context derives from and within what limit. */
export interface RpcServerOptions {
  /**
   * The server-lifetime context, parent of every call's context: cancel it
   * (with ServerShutdown, as ctxkit/grpc's `shutdownServer` does) and every call's
   * context ends with that cause. Default: background().
   */
  parent?: Context;
  /**
   * The server's own budget per call, in milliseconds: a call's context never
   * gets more, whatever deadline the client sent. Default: none (the client's
   * deadline and the parent's only).
   */
  maxTimeoutMs?: number;
  /** The values read from the call's metadata (the header name is the metadata key). Default: none. */
  values?: ValuesHeader;
}

/** checkServerOptions checks the options of a server-side context (ctxkit/grpc and ctxkit/connect). */
export function checkServerOptions(fn: string, options: RpcServerOptions): { parent: Context; max: number | undefined; values: ValuesHeader | undefined } {
  const o = checkOptions(fn, 'options', options);
  const parent = o.parent === undefined ? background() : checkContext(fn, 'options.parent', o.parent);
  const max = checkOptionalMs(fn, 'options.maxTimeoutMs', o.maxTimeoutMs);
  const values = o.values;
  if (values !== undefined && (typeof values !== 'object' || values === null || typeof values.decode !== 'function')) {
    fail(fn, 'options.values', 'a ValuesHeader', values);
  }
  return { parent, max, values };
}
