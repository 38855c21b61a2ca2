/**
 * shutdown: Go's `http.Server.Shutdown`, with the step Go leaves to the caller
 * (cancelling what is still running) built in.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { CancelCauseFunc } from '../index.js';
import { ServerShutdown } from './causes.js';
import { checkMs, checkOptionalFunction } from '../internal/check.js';
import { endServerRequests } from './request.js';

/** ShutdownOptions says how long in-flight requests get, and which context to cancel when that runs out. */
export interface ShutdownOptions {
  /** How long in-flight requests may run on, in milliseconds, before their contexts are cancelled. Default: 10 000. */
  graceMs?: number;
  /**
   * How long handlers get after their contexts were cancelled (to answer 503,
   * to stop writing) before the remaining connections are closed, in
   * milliseconds. Default: 1 000.
   */
  cancelGraceMs?: number;
  /**
   * The cancel function of the server-lifetime context, the `parent` of every
   * request context: called with ServerShutdown once the server has closed.
   * Servers that share one lifetime context are shut down together, each with
   * the same `cancel`: it is called once the last of them has closed, so that
   * one server's shutdown never cuts short another's requests. Default: none.
   */
  cancel?: CancelCauseFunc;
}

/** ShutdownOutcome says how a shutdown ended: every request finished in the grace period, or some were cancelled. */
export type ShutdownOutcome = 'drained' | 'cancelled';

/**
 * Per `cancel` function: how many shutdowns with it are still running. The
 * lifetime context they share is cancelled when the count falls to zero.
 */
const running = new Map<CancelCauseFunc, number>();

/** One shutdown with `cancel` is over: the last one cancels the lifetime context. */
function leave(cancel: CancelCauseFunc): void {
  const left = running.get(cancel)! - 1;
  if (left > 0) {
    running.set(cancel, left);
  } else {
    running.delete(cancel);
    cancel(ServerShutdown);
  }
}

/** Go's polling of idle connections: from 1 ms, doubling, to at most 500 ms. */
const FIRST_POLL_MS = 1;
const MAX_POLL_MS = 500;

/**
 * shutdown closes an HTTP server gracefully: it stops accepting connections,
 * closes every idle keep-alive connection (polling, as Go does, for those that
 * become idle) and asks clients to close the others after their response, and
 * lets in-flight requests finish. If the server has not closed after
 * `graceMs`, it ends the request contexts of this server (those `fromRequest`
 * made for its requests, and any it makes from then on) with ServerShutdown,
 * and after `cancelGraceMs` closes the connections left; requests of other
 * servers are not touched. Once the server has closed (and every other server
 * being shut down with the same `cancel`) it cancels the server-lifetime
 * context, and resolves: "drained" if the server closed within the grace
 * period, "cancelled" if not. It rejects, cancelling nothing, if the server
 * was not listening.
 *
 * HTTP/2 servers are not supported: Node gives them no way to close sessions
 * by idleness.
 */
export function shutdown(server: Server | HttpsServer, options: ShutdownOptions = {}): Promise<ShutdownOutcome> {
  const FN = 'shutdown';
  const graceMs = checkMs(FN, 'options.graceMs', options.graceMs ?? 10_000);
  const cancelGraceMs = checkMs(FN, 'options.cancelGraceMs', options.cancelGraceMs ?? 1_000);
  const cancel = checkOptionalFunction<CancelCauseFunc>(FN, 'options.cancel', options.cancel);

  return new Promise<ShutdownOutcome>((resolve, reject) => {
    let outcome: ShutdownOutcome = 'drained';
    let pollMs = FIRST_POLL_MS;
    // A request that arrives on an open connection is served, and its
    // connection closed after the response.
    const closeAfterResponse = (_req: IncomingMessage, res: ServerResponse): void => {
      if (!res.headersSent) res.setHeader('connection', 'close');
    };
    const poll = (): void => {
      server.closeIdleConnections();
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
      pollTimer = setTimeout(poll, pollMs);
    };
    let resume: (() => void) | undefined;
    const expire = (): void => {
      outcome = 'cancelled';
      resume = endServerRequests(server, ServerShutdown);
      forceTimer = setTimeout(() => server.closeAllConnections(), cancelGraceMs);
    };
    let pollTimer = setTimeout(poll, pollMs);
    const graceTimer = setTimeout(expire, graceMs);
    let forceTimer: ReturnType<typeof setTimeout> | undefined;

    // A server that is not listening is refused by close(): it joins no group.
    const joined = cancel !== undefined && server.listening;
    if (joined) running.set(cancel, (running.get(cancel) ?? 0) + 1);
    server.prependListener('request', closeAfterResponse);
    server.close((error) => {
      clearTimeout(pollTimer);
      clearTimeout(graceTimer);
      clearTimeout(forceTimer);
      server.removeListener('request', closeAfterResponse);
      resume?.();
      if (joined) leave(cancel);
      if (error !== undefined) reject(error);
      else resolve(outcome);
    });
  });
}
