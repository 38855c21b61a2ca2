/**
 * callError: the error a gRPC or Connect call made under a context reports.
 * Free of Node built-ins, so that ctxkit/connect's client runs in browsers.
 */
import { DeadlineExceeded, cause, type Context } from '../index.js';
import { checkContext } from '../internal/check.js';
import { GrpcCode } from './status.js';

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
  checkContext('grpc.callError', 'ctx', ctx);
  if (ctx.err() !== undefined) return cause(ctx);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === GrpcCode.DEADLINE_EXCEEDED ? DeadlineExceeded : error;
}
