/**
 * ctxkit/hono: a Hono middleware that gives every request its context, as
 * `c.get('ctx')`, on every runtime Hono runs on. On Node (`@hono/node-server`)
 * it reads the Node response Hono exposes as `c.env.outgoing`, so a client
 * gone is seen on HTTP/2 too, where the request's signal never fires.
 */
import type { Context as HonoContext, ErrorHandler, MiddlewareHandler } from 'hono';
import type { Context } from '../index.js';
import { checkOptionalFunction } from '../internal/check.js';
import { checkRequestOptions, finishRequest, openRequest, type NodeResponseLike, type WebRequestOptions } from './request.js';
import { errorResponse } from './status.js';

/** ContextVariables types what the middleware sets: `c.get('ctx')` is the request's context. */
export interface ContextVariables {
  ctx: Context;
}

/** HonoContextOptions configures the middleware: a request context's options (the Node response is found by itself). */
export type HonoContextOptions = Omit<WebRequestOptions, 'nodeResponse'>;

/**
 * contextMiddleware returns a Hono middleware that makes each request's
 * context (`requestContext` with `options`) and sets it as `c.get('ctx')`.
 * The context ends with ResponseFinished when the response is complete (a
 * streamed body, such as `streamSSE`'s, once it has been read), and with
 * ClientDisconnected when the client goes away first. A handler error of the
 * request's context (a deadline, a client gone, a malformed deadline header,
 * a shutdown) becomes the answer `errorResponse` gives (504, 499, 400, 503);
 * other errors are left to Hono's `onError`. Hono's default `onError` logs
 * every error first: install `contextErrorHandler` as `app.onError` so that
 * the request context's errors are answered without that noise. `options`
 * are checked here, once.
 */
export function contextMiddleware(options: HonoContextOptions = {}): MiddlewareHandler<{ Variables: ContextVariables }> {
  const FN = 'contextMiddleware';
  checkRequestOptions(FN, options);
  const fixed = { ...options }; // later changes to the caller's object are not seen unchecked
  return async (c, next) => {
    const request = c.req.raw;
    const nodeResponse = nodeResponseOf(c.env);
    try {
      c.set('ctx', openRequest(FN, request, fixed, nodeResponse)[0]);
    } catch (error) {
      const answer = errorResponse(error, request);
      if (answer === undefined) throw error;
      c.res = answer;
      return;
    }
    await next();
    if (c.error !== undefined) {
      const answer = errorResponse(c.error, request);
      if (answer !== undefined) c.res = answer;
    }
    const response = finishRequest(request, c.res);
    if (response !== c.res) c.res = response;
  };
}

/** The Node response `@hono/node-server` passes as `c.env.outgoing`, or undefined on other runtimes. */
function nodeResponseOf(env: unknown): NodeResponseLike | undefined {
  const outgoing = (env as { outgoing?: Partial<NodeResponseLike> } | undefined)?.outgoing;
  return typeof outgoing?.on === 'function' && typeof outgoing.removeListener === 'function' && typeof outgoing.writableEnded === 'boolean'
    ? (outgoing as NodeResponseLike)
    : undefined;
}

/**
 * contextErrorHandler returns a handler for Hono's `app.onError` that answers
 * the request context's errors with `errorResponse` (504, 499, 400, 503) and
 * hands every other error to `fallback`; by default, as Hono does, an
 * `HTTPException` answers with its own response and anything else is logged
 * and answered 500.
 */
export function contextErrorHandler(fallback?: ErrorHandler): ErrorHandler {
  const next = checkOptionalFunction<ErrorHandler>('contextErrorHandler', 'fallback', fallback) ?? honoDefault;
  return (error, c) => errorResponse(error, c.req.raw) ?? next(error, c);
}

/** Hono's own answer to an error: an HTTPException's response, else a logged 500. */
function honoDefault(error: Error, c: HonoContext): Response {
  const withResponse = error as Error & { getResponse?: () => Response };
  if (typeof withResponse.getResponse === 'function') return withResponse.getResponse();
  console.error(error);
  return c.text('Internal Server Error', 500);
}
