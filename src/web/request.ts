/**
 * requestContext: the context of one request served through the Fetch API
 * (`Deno.serve`, `Bun.serve`, Cloudflare Workers, Hono, Next.js route
 * handlers), and finishRequest, which tells it the handler has answered.
 *
 * What ends a request context, and what never does:
 *
 * - `request.signal` aborting before the response is complete: the client
 *   went away. Cause ClientDisconnected.
 * - The response is complete (finishRequest): at once for a response whose
 *   body is not streamed; for a streamed body (`transfer-encoding: chunked`
 *   or `content-type: text/event-stream`, as Hono's stream helpers send) once
 *   the runtime has read all of it. Cause ResponseFinished. A client that
 *   stops reading a streamed body first (the runtime cancels it) is
 *   ClientDisconnected.
 * - The parent (a server-lifetime context) is done: its cause.
 * - Never `request.signal` aborting after the response is complete: Deno
 *   aborts it after every successful response (denoland/deno#27005).
 *
 * On Node, a runtime adapter that exposes the Node response (Hono's
 * `@hono/node-server` as `c.env.outgoing`) can hand it over as
 * `options.nodeResponse`: its 'close' event then says when the response is
 * complete or the client gone, on HTTP/1 and HTTP/2 alike (where the request's
 * signal may never fire), as `ctxkit/node`'s `fromRequest` reads it.
 */
import { afterFunc, cause, type CancelCauseFunc, type Context, type ContextPair } from '../index.js';
import { fail } from '../internal/check.js';
import { RequestSlot, checkScopeOptions, deriveScope, openScope, type RequestScopeOptions } from '../internal/request-scope.js';
import { disposable, pairOf } from '../internal/dispose.js';
import { ClientDisconnected, ResponseFinished } from './causes.js';

/**
 * NodeResponseLike is the part of a Node `ServerResponse` (or HTTP/2 response)
 * a request context reads: its 'close' event, and whether `end()` was called
 * by then.
 */
export interface NodeResponseLike {
  readonly writableEnded: boolean;
  /** Whether 'close' was already emitted (a client gone before the context was made). */
  readonly closed?: boolean;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
}

/**
 * WebRequestOptions says what a request context derives from and how long it
 * may run (as ctxkit/node's `fromRequest` options), and, on Node, which
 * response carries the answer.
 */
export interface WebRequestOptions extends RequestScopeOptions<Request> {
  /** The Node response that carries the answer, when the runtime adapter exposes it (see the module comment). */
  nodeResponse?: NodeResponseLike;
}

/** The state of one request: its pair and how it learns that the response is complete. */
interface RequestEntry {
  readonly pair: ContextPair<CancelCauseFunc>;
  /** Ends the context with ClientDisconnected (if still live) and reports it. */
  readonly disconnected: () => void;
  /** Whether a Node response says when the response is complete (finishRequest then only passes it on). */
  readonly nodeDelivery: boolean;
}

const entries = new RequestSlot<RequestEntry>('ctxkit.requestContext');

/**
 * requestContext returns the context of one Fetch-API request and the
 * function that ends it. The context derives from `options.parent`, with the
 * server's budget, the caller's deadline header and `options.derive` applied;
 * it is cancelled with ClientDisconnected when the client goes away before the
 * response is complete, and with ResponseFinished once `finishRequest` is told
 * the response (or its streamed body) is complete. Calling the returned
 * function (or disposing the pair) ends it early, with the cause given.
 *
 * Called again for the same request it returns the same pair (later options
 * are checked, then ignored). Every listener is removed and every timer
 * released as soon as the context ends. It throws a MalformedDeadlineError
 * (answer 400: `errorResponse`) when `options.deadline` rejects the caller's
 * header, and whatever `options.derive` throws, having set up nothing.
 * `withRequestContext` and the Hono middleware call it for you.
 */
export function requestContext(request: Request, options: WebRequestOptions = {}): ContextPair<CancelCauseFunc> {
  checkRequestOptions('requestContext', options);
  return openRequest('requestContext', request, options);
}

/** checkRequestOptions checks every option of a request context, for `fn`'s messages. */
export function checkRequestOptions(fn: string, options: WebRequestOptions): void {
  checkScopeOptions(fn, options);
  const nodeResponse = options.nodeResponse;
  if (nodeResponse !== undefined && typeof nodeResponse?.on !== 'function') fail(fn, 'options.nodeResponse', 'a Node response', nodeResponse);
}

/**
 * openRequest makes (or finds) the context of `request` from checked options
 * (and the Node response, when the caller found one: `options.nodeResponse`
 * by default), and returns its pair.
 */
export function openRequest(fn: string, request: Request, options: WebRequestOptions, nodeResponse = options.nodeResponse): ContextPair<CancelCauseFunc> {
  if (!isRequest(request)) fail(fn, 'request', 'a Fetch-API Request', request);
  const onDisconnect = options.onDisconnect;
  const made = entries.get(request);
  if (made !== undefined) return made.pair;

  const scope = openScope(options);
  const cancelScope = scope[1];
  const ctx = deriveScope(fn, options, scope, request.headers, request);
  let live = true;
  const signal = nodeResponse === undefined ? request.signal : undefined;
  const end = disposable((reason?: unknown): void => {
    if (!live) return;
    live = false;
    signal?.removeEventListener('abort', disconnected);
    nodeResponse?.removeListener('close', onNodeClose);
    stopWatching();
    cancelScope(reason);
  });
  const disconnected = (): void => {
    if (!live) return;
    end(ClientDisconnected);
    onDisconnect?.(request);
  };
  const onNodeClose = (): void => (nodeResponse!.writableEnded ? end(ResponseFinished) : disconnected());
  // Whatever ends the request context (the parent, a deadline) ends the request: its listeners go at once.
  const stopWatching = afterFunc(ctx, () => end(cause(ctx)));
  const entry: RequestEntry = { pair: pairOf(ctx, end), disconnected, nodeDelivery: nodeResponse !== undefined };
  entries.set(request, entry);
  if (nodeResponse?.closed === true) onNodeClose();
  else if (nodeResponse !== undefined) nodeResponse.on('close', onNodeClose);
  else if (signal?.aborted) disconnected();
  else signal?.addEventListener('abort', disconnected, { once: true });
  return entry.pair;
}

/**
 * finishRequest tells the context of `request` that the handler answered
 * with `response`, and returns the response to send. The context ends with
 * ResponseFinished at once, unless the body is streamed
 * (`transfer-encoding: chunked` or `content-type: text/event-stream`): then the
 * returned response carries the same body through a pass-through stream, and
 * the context ends when the runtime has read all of it (ResponseFinished), or
 * stops reading it (ClientDisconnected), or the body fails (that error). With
 * `options.nodeResponse` the Node response decides and `response` is returned
 * as it is. A request without a context is answered as it is.
 */
export function finishRequest(request: Request, response: Response): Response {
  if (!isResponse(response)) fail('finishRequest', 'response', 'a Fetch-API Response', response);
  const entry = isRequest(request) ? entries.get(request) : undefined;
  if (entry === undefined || entry.nodeDelivery || entry.pair[0].err() !== undefined) return response;
  const end = entry.pair[1];
  const headers = response.headers;
  if (typeof headers?.get !== 'function') fail('finishRequest', 'response', 'a Fetch-API Response', response);
  if (response.body === null || !isStreamed(headers)) {
    end(ResponseFinished);
    return response;
  }
  const body = watchBody(response.body, end, entry.disconnected);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * findContext returns the context made for `request` by requestContext (or
 * the wrappers that call it), or undefined if none was.
 */
export function findContext(request: Request): Context | undefined {
  return isRequest(request) ? entries.get(request)?.pair[0] : undefined;
}

/**
 * contextOf returns the context made for `request`, as findContext does, and
 * throws a TypeError if none was.
 */
export function contextOf(request: Request): Context {
  const ctx = findContext(request);
  if (ctx === undefined) fail('contextOf', 'request', 'a Request that requestContext (or a ctxkit wrapper) has seen', request);
  return ctx;
}

/** Whether a response's headers say that its body is streamed rather than sent whole. */
function isStreamed(headers: Headers): boolean {
  const encoding = headers.get('transfer-encoding');
  if (encoding !== null && encoding.toLowerCase().includes('chunked')) return true;
  const type = headers.get('content-type');
  return type !== null && type.toLowerCase().startsWith('text/event-stream');
}

/** Passes `body` through, ending the request when it has all been read, was cancelled, or failed. */
function watchBody(body: ReadableStream<Uint8Array>, end: CancelCauseFunc, disconnected: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        end(error);
        controller.error(error);
        return;
      }
      if (chunk.done) {
        end(ResponseFinished);
        controller.close();
      } else controller.enqueue(chunk.value);
    },
    cancel(reason) {
      disconnected();
      return reader.cancel(reason);
    },
  });
}

/** Whether `x` looks like a Fetch-API Request (any realm, any runtime's class). */
function isRequest(x: unknown): x is Request {
  return typeof x === 'object' && x !== null && typeof (x as Request).url === 'string' && typeof (x as Request).headers?.get === 'function';
}

/**
 * Whether `x` looks like a Fetch-API Response, without calling its `headers`
 * getter: @hono/node-server's own Response builds a Headers on that call,
 * which a response the Node response delivers never needs (finishRequest
 * checks the headers where it reads them).
 */
function isResponse(x: unknown): x is Response {
  return typeof x === 'object' && x !== null && typeof (x as Response).status === 'number' && 'headers' in x;
}
