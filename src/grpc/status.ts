/**
 * The gRPC status a server answers for an error of a call's context, as
 * `ctxkit/node`'s errorStatus gives the HTTP status.
 */
import type { Context } from '../index.js';
import { contextCode } from '../internal/rpc.js';

/** The status a handler's error is answered with: a context's end as its code (the message as details), any other error as it is. */
export function statusFor(ctx: Context, error: unknown): unknown {
  const code = contextCode(ctx, error);
  if (code === undefined) return error;
  return { code, details: error instanceof Error ? error.message : String(error) };
}
