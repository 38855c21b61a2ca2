/**
 * shutdown: Go's `http.Server.Shutdown`, for HTTP/1 and HTTP/2 servers, with
 * the step Go leaves to the caller (cancelling what is still running) built in.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { CancelCauseFunc, Tracker, TrackerOutcome } from '../index.js';
import { ServerShutdown } from './causes.js';
import { watchServer, type Watched } from './connections.js';
import { checkMs, checkOptionalFunction, checkOptions, fail } from '../internal/check.js';
import { endServerRequests } from './request.js';

/** A server `shutdown` can stop: `node:http`, `node:https`, or `node:http2` (plain or secure). */
export type ShutdownServer = Server | HttpsServer | Http2Server | Http2SecureServer;

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
  /**
   * The service's background work, drained alongside the requests: its
   * shutdown runs with the same grace periods and ServerShutdown as the
   * cause, and `cancel` waits for it too. Servers shut down together may pass
   * the same tracker. Default: none.
   */
  tracker?: Tracker;
}

/** ShutdownOutcome says how a shutdown ended: every request (and tracked task) finished in the grace period, or some were cancelled. */
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

/** The HTTP/1 server's own closing of connections, which HTTP/2 servers lack. */
function isHttp1(server: ShutdownServer): server is Server | HttpsServer {
  return typeof (server as Server).closeAllConnections === 'function';
}

/** How one kind of server lets its connections go: at once when idle, all of them when time is up. */
interface Closer {
  /** Closes what is idle now (called at once, then polled). */
  idle(): void;
  /** Closes every connection left. */
  all(): void;
  /** Undoes what idle() set up, once the server has closed. */
  done(): void;
}

/**
 * HTTP/1: idle keep-alive connections and connections that have not sent a
 * byte are closed (Node 20 to 24's closeIdleConnections leaves the latter); a
 * request arriving on a busy connection is served with `Connection: close`.
 */
function http1Closer(server: Server | HttpsServer, watched: Watched): Closer {
  const closeAfterResponse = (_req: IncomingMessage, res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  server.prependListener('request', closeAfterResponse);
  return {
    idle: () => {
      server.closeIdleConnections();
      for (const socket of watched.sockets) if (socket.bytesRead === 0) socket.destroy();
    },
    all: () => server.closeAllConnections(),
    done: () => void server.removeListener('request', closeAfterResponse),
  };
}

/**
 * HTTP/2: each session is sent GOAWAY (`session.close()`): the client opens
 * no new stream on it, the streams in flight go on, and the session closes
 * once its last stream has. Time up: the sessions left are destroyed.
 */
function http2Closer(watched: Watched): Closer {
  return {
    idle: () => {
      for (const session of watched.sessions) if (!session.closed) session.close();
    },
    all: () => {
      for (const session of watched.sessions) session.destroy();
      for (const socket of watched.sockets) socket.destroy();
    },
    done: () => {},
  };
}

/** Checks the tracker option: something with a shutdown method. */
function checkTracker(fn: string, x: unknown): Tracker | undefined {
  if (x === undefined) return undefined;
  if (typeof (x as Tracker | null)?.shutdown !== 'function') fail(fn, 'options.tracker', 'a Tracker (from withTracker)', x);
  return x as Tracker;
}

/**
 * shutdown closes an HTTP/1 or HTTP/2 server gracefully: it stops accepting
 * connections and lets in-flight requests finish. HTTP/1: it closes every
 * idle keep-alive connection and every connection that has not sent a byte
 * (polling, as Go does, for those that become idle), and asks clients to close
 * the others after their response. HTTP/2: it sends each session GOAWAY, so
 * that its client opens no new stream, and each session closes after its last
 * stream. If the server has not closed after `graceMs`, it ends the request
 * contexts of this server (those `fromRequest` made for its requests, and any
 * it makes from then on) with ServerShutdown, and after `cancelGraceMs` closes
 * the connections (sessions) left; requests of other servers are not touched.
 * `options.tracker`'s tasks are drained alongside, with the same grace periods.
 * Once the server has closed and the tracker's shutdown ended (and every other
 * server being shut down with the same `cancel` has), it cancels the
 * server-lifetime context, and resolves: "drained" if everything finished
 * within the grace period, "cancelled" if not. It rejects, cancelling nothing,
 * if the server was not listening.
 */
export function shutdown(server: ShutdownServer, options: ShutdownOptions = {}): Promise<ShutdownOutcome> {
  const FN = 'shutdown';
  if (typeof (server as Server | null)?.close !== 'function' || typeof (server as Server).on !== 'function') {
    fail(FN, 'server', 'a node:http, node:https or node:http2 server', server);
  }
  const o = checkOptions(FN, 'options', options);
  const graceMs = checkMs(FN, 'options.graceMs', o.graceMs ?? 10_000);
  const cancelGraceMs = checkMs(FN, 'options.cancelGraceMs', o.cancelGraceMs ?? 1_000);
  const cancel = checkOptionalFunction<CancelCauseFunc>(FN, 'options.cancel', o.cancel);
  const tracker = checkTracker(FN, o.tracker);

  // A server that is not listening is refused by close(): it joins no group, and its tracker is left alone.
  const listening = server.listening;
  const joined = cancel !== undefined && listening;
  if (joined) running.set(cancel, (running.get(cancel) ?? 0) + 1);
  const tracked: Promise<TrackerOutcome | undefined> =
    tracker !== undefined && listening ? tracker.shutdown({ graceMs, cancelGraceMs, cause: ServerShutdown }) : Promise.resolve(undefined);

  const closed = new Promise<ShutdownOutcome>((resolve, reject) => {
    let outcome: ShutdownOutcome = 'drained';
    const watched = watchServer(server);
    const closer = isHttp1(server) ? http1Closer(server, watched) : http2Closer(watched);
    let pollMs = FIRST_POLL_MS;
    const poll = (): void => {
      closer.idle();
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
      pollTimer = setTimeout(poll, pollMs);
    };
    let resume: (() => void) | undefined;
    const expire = (): void => {
      outcome = 'cancelled';
      resume = endServerRequests(server, ServerShutdown);
      forceTimer = setTimeout(closer.all, cancelGraceMs);
    };
    let pollTimer = setTimeout(poll, pollMs);
    const graceTimer = setTimeout(expire, graceMs);
    let forceTimer: ReturnType<typeof setTimeout> | undefined;

    server.close((error?: Error) => {
      clearTimeout(pollTimer);
      clearTimeout(graceTimer);
      clearTimeout(forceTimer);
      closer.done();
      resume?.();
      if (error !== undefined) reject(error);
      else resolve(outcome);
    });
    if (listening) closer.idle();
  });

  return Promise.all([closed.catch((error: unknown) => ({ error })), tracked]).then(([closing, background]) => {
    if (joined) leave(cancel);
    if (typeof closing === 'object') throw closing.error;
    return closing === 'drained' && (background === undefined || background === 'drained') ? 'drained' : 'cancelled';
  });
}
