/**
 * fromRequest: the context of one request served by `node:http` or the HTTP/2
 * compatibility API, and contextOf to find it again from the request.
 *
 * What ends a request context, and what never does:
 *
 * - `res` 'close' before `res.end()` was called: the client went away (closed
 *   the connection, reset its HTTP/2 stream). Cause ClientDisconnected.
 * - `req` 'error': the request stream broke (Node's "aborted" ECONNRESET when
 *   the connection closes under a pending response). Cause ClientDisconnected.
 * - `res` 'close' after `res.end()`: the response is complete. Cause
 *   ResponseFinished.
 * - The parent (the server-lifetime context) is done: its cause.
 * - Never `req` 'close' or `req.aborted`: Node emits 'close' as soon as a
 *   request body has been read, while the client waits for its answer.
 *
 * The listeners live on `req` and `res` only, never on the socket, which a
 * keep-alive connection shares between requests; both are removed when the
 * request context ends, whatever ends it (a deadline included).
 *
 * Each live request context is also listed under its server, so that
 * `shutdown` can end the requests of that server, and of no other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { afterFunc, background, cause, withCancelCause, withTimeout, type CancelCauseFunc, type Context, type ContextPair } from '../index.js';
import { incomingDeadline, type IncomingDeadlineOptions } from '../propagation/index.js';
import { ClientDisconnected, ResponseFinished } from './causes.js';
import { checkContext, checkMs, checkOptionalFunction, fail, isContext } from '../internal/check.js';
import { disposable, pairOf } from '../internal/dispose.js';
import { isClosed } from './response.js';

/** NodeRequest is a request as `node:http` or the HTTP/2 compatibility API hands it to a handler. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** NodeResponse is the response that goes with a {@link NodeRequest}. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** RequestContextOptions says what a request context derives from and how long it may run. */
export interface RequestContextOptions {
  /**
   * The server-lifetime context every request context derives from (Go's
   * `BaseContext`): cancelling it cancels every request in flight. Its values
   * are visible in every request. Default: `background()`.
   */
  parent?: Context;
  /**
   * The server's own budget per request, in milliseconds: the request context
   * is cancelled with DeadlineExceeded this long after it was made. Default: none.
   */
  timeoutMs?: number;
  /**
   * Honour the caller's deadline header, read by `incomingDeadline` from
   * `ctxkit/propagation` with these options (which headers, whether to trust
   * the caller, a maximum, what a malformed header does). A header can only
   * shorten the budget. Default: headers are not read.
   */
  deadline?: IncomingDeadlineOptions;
  /**
   * Derives the request context from the one made so far (parent, budget and
   * deadline applied), for per-request values: a request id, the values a
   * caller sent (`values.extract(ctx, req.headers)` with a `valuesHeader`).
   * It must return `ctx` or a context derived from it (`withValue`, …), so
   * that what ends the request ends it too. `contextOf(req)`, `onDisconnect`
   * and the adapters' `log` then see that context. Default: none.
   */
  derive?: (ctx: Context, req: NodeRequest) => Context;
  /** Called once, after the context was cancelled, when the client went away before the response was complete. */
  onDisconnect?: (req: NodeRequest) => void;
}

/** The pair fromRequest made for each request it has seen. */
const pairs = new WeakMap<object, ContextPair<CancelCauseFunc>>();

/** Per server: the end functions of its live request contexts, and the cause that ends every new one once set. */
interface ServerRequests {
  readonly live: Set<CancelCauseFunc>;
  stopped?: unknown;
}
const servers = new WeakMap<object, ServerRequests>();

/**
 * The server a request arrived on (`socket.server`, set by node:net for
 * http and https), or undefined (HTTP/2, which `shutdown` does not serve).
 */
function serverOf(req: NodeRequest): object | undefined {
  const server = (req.socket as unknown as { server?: unknown } | null | undefined)?.server;
  return typeof server === 'object' && server !== null ? server : undefined;
}

/**
 * endServerRequests ends every live request context of `server` with `reason`,
 * and every one made for it from then on, at once, until the returned function
 * is called (once the server has closed: it may listen again). For `shutdown`:
 * it ends that server's requests, never another's.
 */
export function endServerRequests(server: object, reason: unknown): () => void {
  const entry = requestsOf(server);
  entry.stopped = reason;
  for (const end of [...entry.live]) end(reason);
  return () => void (entry.stopped = undefined);
}

/** The live requests of `server`, listed on first use. */
function requestsOf(server: object): ServerRequests {
  let entry = servers.get(server);
  if (entry === undefined) servers.set(server, (entry = { live: new Set() }));
  return entry;
}

/**
 * fromRequest returns the context of one request and the function that ends
 * it. The context derives from `options.parent`, with the server's budget,
 * the caller's deadline header and `options.derive` applied, and is cancelled
 * with ClientDisconnected when the client goes away before the response is
 * complete, and with ResponseFinished once the response is complete (so the
 * handler can use it until then). Calling the returned function (or disposing
 * the pair) ends it early, with the cause given.
 *
 * A request has one context: called again for the same request, it returns
 * the same pair, and the options of the later call are ignored (arguments are
 * still checked). Every listener it adds is removed, and every timer released,
 * as soon as the context ends, whatever ends it. It throws a
 * MalformedDeadlineError (answer 400) when `options.deadline` rejects the
 * caller's header, and whatever `options.derive` throws, having set up
 * nothing. `contextOf(req)` returns the context afterwards.
 */
export function fromRequest(req: NodeRequest, res: NodeResponse, options: RequestContextOptions = {}): ContextPair<CancelCauseFunc> {
  const FN = 'fromRequest';
  if (typeof req?.on !== 'function') fail(FN, 'req', 'a request (IncomingMessage or Http2ServerRequest)', req);
  if (typeof res?.on !== 'function') fail(FN, 'res', 'a response (ServerResponse or Http2ServerResponse)', res);
  const parent = options.parent === undefined ? background() : checkContext(FN, 'options.parent', options.parent);
  const timeoutMs = options.timeoutMs === undefined ? undefined : checkMs(FN, 'options.timeoutMs', options.timeoutMs);
  const derive = checkOptionalFunction<(ctx: Context, req: NodeRequest) => Context>(FN, 'options.derive', options.derive);
  const onDisconnect = checkOptionalFunction<(req: NodeRequest) => void>(FN, 'options.onDisconnect', options.onDisconnect);
  const made = pairs.get(req);
  if (made !== undefined) return made;

  // The scope is the request's own node: cancelling it cancels the budget,
  // deadline and derived contexts below it, which stay attached to it and so
  // need no cancel of their own.
  const [scope, cancelScope] = withCancelCause(parent);
  let ctx = scope;
  try {
    if (timeoutMs !== undefined) ctx = withTimeout(ctx, timeoutMs)[0];
    if (options.deadline !== undefined) ctx = incomingDeadline(ctx, req.headers, options.deadline).ctx;
    if (derive !== undefined) {
      const derived = derive(ctx, req);
      if (!isContext(derived)) fail(FN, 'the result of options.derive', 'a Context', derived);
      ctx = derived;
    }
  } catch (error) {
    cancelScope();
    throw error;
  }

  const server = serverOf(req);
  const requests = server === undefined ? undefined : requestsOf(server);
  let live = true;
  const end = disposable((reason?: unknown): void => {
    if (!live) return;
    live = false;
    res.removeListener('close', onClose);
    req.removeListener('error', onError);
    requests?.live.delete(end);
    stopWatching();
    cancelScope(reason);
  });
  const disconnected = (): void => {
    if (!live) return;
    end(ClientDisconnected);
    onDisconnect?.(req);
  };
  const onClose = (): void => (res.writableEnded ? end(ResponseFinished) : disconnected());
  const onError = disconnected;
  res.on('close', onClose);
  req.on('error', onError);
  requests?.live.add(end);
  // Whatever ends the request context (the parent, a deadline, derive's own
  // contexts) ends the request: its listeners go at once.
  const stopWatching = afterFunc(ctx, () => end(cause(ctx)));
  const pair = pairOf(ctx, end);
  pairs.set(req, pair);
  // A response closed before we were called (a client gone while middleware
  // ran) emits 'close' no more.
  if (isClosed(res)) onClose();
  else if (requests?.stopped !== undefined) end(requests.stopped);
  return pair;
}

/**
 * contextOf returns the context `fromRequest` (or the Express middleware, or
 * the Fastify plugin) made for `req`; the same object until the request is
 * garbage, done once the request has ended. It throws a TypeError if no
 * context was made for `req`: use findContext to ask. For Express pass `req`
 * (typed: Express's `Request` is a `NodeRequest`); for Fastify `request.raw`
 * (or use `request.ctx`).
 */
export function contextOf(req: NodeRequest): Context {
  const ctx = findContext(req);
  if (ctx === undefined) fail('contextOf', 'req', 'a request that fromRequest (or the ctxkit middleware) has seen', req);
  return ctx;
}

/**
 * findContext returns the context made for `req`, as contextOf does, or
 * undefined if none was (a logger that also runs outside requests, a 400
 * answered before the context was made).
 */
export function findContext(req: NodeRequest): Context | undefined {
  return typeof req === 'object' && req !== null ? pairs.get(req)?.[0] : undefined;
}

/**
 * endRequest ends the request context of `req`, if one was made, with
 * `reason`: for a response the server cuts short itself, which is not a
 * client going away.
 */
export function endRequest(req: NodeRequest, reason: unknown): void {
  pairs.get(req)?.[1](reason);
}
