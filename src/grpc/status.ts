/**
 * The gRPC status a server answers for an error of a call's context, as
 * `ctxkit/node`'s errorStatus gives the HTTP status.
 */
import { CanceledError, DeadlineExceededError, cause, type Context } from '../index.js';
import { DownstreamUnavailableError } from '../propagation/index.js';
import { ServerShutdownError } from '../web/index.js';

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

/** The status a handler's error is answered with: a context's end as its code (the message as details), any other error as it is. */
export function statusFor(ctx: Context, error: unknown): unknown {
  const code = contextCode(ctx, error);
  if (code === undefined) return error;
  return { code, details: error instanceof Error ? error.message : String(error) };
}
