/**
 * How a server answers the errors that come from a request's context: the
 * status the Express and Fastify adapters send, and the answer itself for
 * anyone writing their own error handler on `node:http`.
 */
import { STATUS_CODES } from 'node:http';
import { contextErrorStatus, type ErrorStatus } from '../web/index.js';

export type { ErrorStatus };
import { endRequest, findContext, type NodeRequest, type NodeResponse } from './request.js';
import { clientGone, cutShort } from './response.js';

/**
 * errorStatus returns the status for `error`, thrown while serving `req`, or
 * undefined if it is not one of the request context's errors (leave it to the
 * usual error handling): 499 whenever the client is gone, whatever the error;
 * otherwise ctxkit/web's `contextErrorStatus` rule with the request's context
 * (a ClientDisconnectedError is 499, a MalformedDeadlineError 400, a
 * DeadlineExceededError or the cause of the request's passed deadline 504, a
 * ServerShutdownError or DownstreamUnavailableError 503).
 */
export function errorStatus(error: unknown, req: NodeRequest, res: NodeResponse): ErrorStatus | undefined {
  return clientGone(res) ? 499 : contextErrorStatus(error, findContext(req));
}

/**
 * answerContextError answers `error`, thrown while serving `req`, when it is
 * one of the request context's errors (see errorStatus), and returns the
 * status: 400, 503 or 504 with the status text as the body; nothing at all
 * for a client that went away (499: log it if you like). A response already
 * under way cannot change its status, so it is cut short rather than ended
 * (HTTP/1: the connection destroyed; HTTP/2: the stream reset with
 * INTERNAL_ERROR) and a partial body never passes for a whole one; the
 * request context then ends with `error` as its cause, not as a client gone
 * (no 499 is reported). For any other
 * error it answers nothing and returns undefined: the caller handles it.
 */
export function answerContextError(error: unknown, req: NodeRequest, res: NodeResponse): ErrorStatus | undefined {
  const status = errorStatus(error, req, res);
  if (status === undefined || status === 499) return status;
  if (res.headersSent) abandonResponse(error, req, res);
  else sendStatus(status, res);
  return status;
}

/**
 * abandonResponse cuts short a response already under way because of
 * `error`: the request context ends with `error` first, so that the broken
 * connection or stream is not taken for a client gone.
 */
export function abandonResponse(error: unknown, req: NodeRequest, res: NodeResponse): void {
  endRequest(req, error);
  cutShort(res);
}

/** Sends `status` with its text as the body. */
function sendStatus(status: ErrorStatus, res: NodeResponse): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(STATUS_CODES[status] ?? '');
}
