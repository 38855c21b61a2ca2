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
import { afterFunc, cause, type CancelCauseFunc, type Context, type ContextPair } from '../index.js';
import { ClientDisconnected, ResponseFinished } from './causes.js';
import { fail } from '../internal/check.js';
import { RequestSlot, checkScopeOptions, deriveScope, openScope, type RequestScopeOptions } from '../internal/request-scope.js';
import { disposable, pairOf } from '../internal/dispose.js';
import { serverOfSession, watchServer } from './connections.js';
import { isClosed } from './response.js';

/** NodeRequest is a request as `node:http` or the HTTP/2 compatibility API hands it to a handler. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** NodeResponse is the response that goes with a {@link NodeRequest}. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/**
 * RequestContextOptions says what a request context derives from (the
 * server-lifetime `parent`), how long it may run (`timeoutMs`, the caller's
 * `deadline` header), its per-request values (`derive`; `contextOf(req)`,
 * `onDisconnect` and the adapters' `log` then see the derived context) and
 * whom to tell when the client goes away (`onDisconnect`): the options of
 * every ctxkit server (ctxkit/web's `requestContext` takes the same).
 */
export type RequestContextOptions = RequestScopeOptions<NodeRequest>;

/** The pair fromRequest made for each request it has seen. */
const pairs = new RequestSlot<ContextPair<CancelCauseFunc>>('ctxkit.requestContext');

/** Per server: the end functions of its live request contexts, and the cause that ends every new one once set. */
interface ServerRequests {
  readonly live: Set<CancelCauseFunc>;
  stopped?: unknown;
}
const servers = new WeakMap<object, ServerRequests>();

/**
 * The server a request arrived on, or undefined: for HTTP/1, `socket.server`
 * (set by node:net for http and https); for HTTP/2, the server of the
 * stream's session, looked up once per session.
 */
function serverOf(req: NodeRequest): object | undefined {
  if (req.httpVersionMajor === 2) {
    const session = (req as Http2ServerRequest).stream?.session;
    return session === undefined ? undefined : serverOfSession(session);
  }
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

/** The live requests of `server`, listed on first use (when `shutdown` starts watching its connections). */
function requestsOf(server: object): ServerRequests {
  let entry = servers.get(server);
  if (entry === undefined) {
    servers.set(server, (entry = { live: new Set() }));
    watchServer(server as NodeJS.EventEmitter);
  }
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
  checkScopeOptions(FN, options);
  const made = pairs.get(req);
  if (made !== undefined) return made;

  const scope = openScope(options);
  const cancelScope = scope[1];
  const ctx = deriveScope(FN, options, scope, req.headers, req);
  const onDisconnect = options.onDisconnect;

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
