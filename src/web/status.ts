/**
 * How a server answers the errors that come from a request's context: the
 * status for an error, and for Fetch-API servers the `Response` itself.
 * ctxkit/node's `errorStatus` and the RPC servers classify with the same rule.
 */
import { DeadlineExceededError, cause, type Context } from '../index.js';
import { DownstreamUnavailableError, MalformedDeadlineError } from '../propagation/index.js';
import { ClientDisconnected, ClientDisconnectedError, ServerShutdownError } from './causes.js';
import { findContext } from './request.js';

/**
 * ErrorStatus is what a server does about an error of a request's context:
 * 400 Bad Request (a malformed deadline header), 499 (the client went away:
 * nothing can reach it; nginx's "client closed request" for the access log),
 * 503 Service Unavailable (the server is shutting down, or the next service
 * was), 504 Gateway Timeout (the deadline passed).
 */
export type ErrorStatus = 400 | 499 | 503 | 504;

/** How many `.cause` links the classification follows, against cycles. */
const MAX_CAUSE_DEPTH = 8;

/** The status text sent as the body of each answer. */
const STATUS_TEXT: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  499: 'Client Closed Request',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * contextErrorStatus returns the status for `error`, thrown by work under the
 * request context `ctx` (undefined before one was made), or undefined if it is
 * not one of a request context's errors (leave it to the usual error
 * handling). 499 once `ctx` ended because its client went away, whatever the
 * error; otherwise the error, or one of its `.cause`s, decides: a
 * ClientDisconnectedError is 499, a MalformedDeadlineError 400, a
 * DeadlineExceededError 504, a ServerShutdownError or DownstreamUnavailableError
 * 503; and once `ctx` has passed its deadline, its cause (a custom one from
 * `withTimeoutCause` above the request) is 504 too.
 */
export function contextErrorStatus(error: unknown, ctx: Context | undefined): ErrorStatus | undefined {
  const ended = ctx === undefined ? undefined : ctx.err();
  if (ended !== undefined && cause(ctx!) === ClientDisconnected) return 499;
  // A deadline may report a cause of its own (withTimeoutCause above the request).
  const deadlineCause = ended instanceof DeadlineExceededError ? cause(ctx!) : undefined;
  let e: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && e !== undefined && e !== null; depth++) {
    if (e instanceof ClientDisconnectedError) return 499;
    if (e instanceof MalformedDeadlineError) return 400;
    if (e instanceof DeadlineExceededError || e === deadlineCause) return 504;
    if (e instanceof ServerShutdownError || e instanceof DownstreamUnavailableError) return 503;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * errorStatus returns the status for `error`, thrown while serving the
 * Fetch-API `request`, by the rule of contextErrorStatus with the context
 * `requestContext` made for it (if any).
 */
export function errorStatus(error: unknown, request: Request): ErrorStatus | undefined {
  return contextErrorStatus(error, findContext(request));
}

/**
 * errorResponse returns the answer to `error`, thrown while serving `request`,
 * when it is one of the request context's errors (see errorStatus): a
 * `Response` with that status and its text as a plain-text body; for 499 an
 * empty one (the client will not read it; the status is for the access log).
 * For any other error it returns undefined: the caller handles it.
 */
export function errorResponse(error: unknown, request: Request): Response | undefined {
  const status = errorStatus(error, request);
  if (status === undefined) return undefined;
  if (status === 499) return new Response(null, { status });
  return new Response(STATUS_TEXT[status], { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
