/**
 * downstreamError: what a downstream service's answer about a context means
 * here. fetch resolves with any status, so a 504 from the next hop arrives as
 * a Response, not as a rejection; this turns it into the error a context end
 * would have given, so that the server's own answer is the right one (504,
 * 503) rather than a 500 for "some failed call".
 */
import { DeadlineExceeded, cause, type Context } from '../index.js';
import { checkContext, fail } from '../internal/check.js';

/**
 * DownstreamUnavailableError is what {@link downstreamError} returns for a
 * 503 Service Unavailable from the next service (shutting down, or shedding
 * load) while the caller's context is live. `ctxkit/node`'s `errorStatus`
 * answers it with 503 in turn. The message names the status, never the body.
 */
export class DownstreamUnavailableError extends Error {
  /** The downstream's status: 503. */
  readonly status: number;
  /** The URL that answered, as the response reports it ("" if unknown). */
  readonly url: string;

  constructor(status: number, url: string) {
    super(`downstream unavailable (${status})`);
    this.name = 'DownstreamUnavailableError';
    this.status = status;
    this.url = url;
  }
}

/** The statuses that report a context's end: 499 (the client went away), 503 (shutting down), 504 (deadline). */
const CONTEXT_STATUSES = new Set([499, 503, 504]);

/**
 * downstreamError returns the error that `response`, an answer to a call made
 * for `ctx`, stands for when its status reports a context's end, or undefined
 * for any other status (handle those as you would: `if (!res.ok) …`):
 *
 * - `ctx` is done: `cause(ctx)`, whatever the status (the local reason wins,
 *   as it does for a rejected fetchWithContext).
 * - 504: `DeadlineExceeded` (the budget sent with the call ran out there).
 * - 503: a {@link DownstreamUnavailableError}.
 * - 499 with `ctx` live: undefined (the call was not cancelled here; treat it
 *   as any other failure).
 *
 * When it returns an error it cancels the response's body, which releases the
 * call. Typical use, as Go code returns `ctx.Err()`:
 * `const err = downstreamError(ctx, res); if (err !== undefined) throw err;`.
 */
export function downstreamError(ctx: Context, response: Response): unknown {
  const FN = 'downstreamError';
  checkContext(FN, 'ctx', ctx);
  if (typeof response !== 'object' || response === null || typeof response.status !== 'number') fail(FN, 'response', 'a Response', response);
  if (!CONTEXT_STATUSES.has(response.status)) return undefined;
  let error: unknown;
  if (ctx.err() !== undefined) error = cause(ctx);
  else if (response.status === 504) error = DeadlineExceeded;
  else if (response.status === 503) error = new DownstreamUnavailableError(response.status, typeof response.url === 'string' ? response.url : '');
  else return undefined;
  discardBody(response);
  return error;
}

/** Cancels a body nobody will read (one already being read is left to its reader). */
function discardBody(response: Response): void {
  const body = response.body;
  if (body !== null && body !== undefined && !body.locked) body.cancel().catch(() => undefined);
}
