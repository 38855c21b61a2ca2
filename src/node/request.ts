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
 * request context ends, whatever ends it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { afterFunc, background, withCancelCause, withTimeout, type CancelCauseFunc, type Context, type ContextPair } from '../index.js';
import { incomingDeadline, type IncomingDeadlineOptions } from '../propagation/index.js';
import { ClientDisconnected, ResponseFinished } from './causes.js';
import { checkContext, checkMs, checkOptionalFunction, fail } from '../internal/check.js';
import { disposable, pairOf } from '../internal/dispose.js';

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
  /** Called once, after the context was cancelled, when the client went away before the response was complete. */
  onDisconnect?: (req: NodeRequest) => void;
}

const contexts = new WeakMap<object, Context>();

/**
 * fromRequest returns the context of one request and the function that ends
 * it. The context derives from `options.parent`, with the server's budget and
 * the caller's deadline header applied, and is cancelled with
 * ClientDisconnected when the client goes away before the response is
 * complete, and with ResponseFinished once the response is complete (so the
 * handler can use it until then). Calling the returned function (or disposing
 * the pair) ends it early, with the cause given.
 *
 * Every listener it adds is removed, and every timer released, as soon as the
 * context ends, whatever ends it. It throws a MalformedDeadlineError (answer
 * 400) when `options.deadline` rejects the caller's header, having set up
 * nothing. `contextOf(req)` returns the context afterwards.
 */
export function fromRequest(req: NodeRequest, res: NodeResponse, options: RequestContextOptions = {}): ContextPair<CancelCauseFunc> {
  const FN = 'fromRequest';
  if (typeof req?.on !== 'function') fail(FN, 'req', 'a request (IncomingMessage or Http2ServerRequest)', req);
  if (typeof res?.on !== 'function') fail(FN, 'res', 'a response (ServerResponse or Http2ServerResponse)', res);
  const parent = options.parent === undefined ? background() : checkContext(FN, 'options.parent', options.parent);
  const timeoutMs = options.timeoutMs === undefined ? undefined : checkMs(FN, 'options.timeoutMs', options.timeoutMs);
  const onDisconnect = checkOptionalFunction<(req: NodeRequest) => void>(FN, 'options.onDisconnect', options.onDisconnect);

  // The scope is the request's own node: cancelling it cancels the budget and
  // deadline contexts below it, which stay attached to it and so need no cancel
  // of their own.
  const [scope, cancelScope] = withCancelCause(parent);
  let ctx = scope;
  try {
    if (timeoutMs !== undefined) ctx = withTimeout(ctx, timeoutMs)[0];
    if (options.deadline !== undefined) ctx = incomingDeadline(ctx, req.headers, options.deadline).ctx;
  } catch (error) {
    cancelScope();
    throw error;
  }

  let live = true;
  const end = disposable((reason?: unknown): void => {
    if (!live) return;
    live = false;
    res.removeListener('close', onClose);
    req.removeListener('error', onError);
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
  // The parent may end the scope first (a server shutting down).
  const stopWatching = afterFunc(scope, end);
  contexts.set(req, ctx);
  // A response closed before we were called (a client gone while middleware
  // ran) emits 'close' no more.
  if (isClosed(res)) onClose();
  return pairOf(ctx, end);
}

/**
 * contextOf returns the context `fromRequest` (or the Express middleware, or
 * the Fastify plugin) made for `req`; the same object until the request is
 * garbage, done once the request has ended. It throws a TypeError if no
 * context was made for `req`. For Express pass `req`; for Fastify `request.raw`
 * (or use `request.ctx`).
 */
export function contextOf(req: NodeRequest): Context {
  const ctx = findContext(req);
  if (ctx === undefined) fail('contextOf', 'req', 'a request that fromRequest (or the ctxkit middleware) has seen', req);
  return ctx;
}

/** findContext returns the context fromRequest made for req, or undefined. */
export function findContext(req: NodeRequest): Context | undefined {
  return typeof req === 'object' && req !== null ? contexts.get(req) : undefined;
}

/** isClosed tells whether the response's connection (HTTP/1) or stream (HTTP/2) is closed, finished or not. */
function isClosed(res: NodeResponse): boolean {
  return 'stream' in res ? res.stream.destroyed : (res as ServerResponse).destroyed;
}

/** clientGone tells whether the client went away before the response was complete: nothing can be sent to it any more. */
export function clientGone(res: NodeResponse): boolean {
  return !res.writableEnded && isClosed(res);
}
