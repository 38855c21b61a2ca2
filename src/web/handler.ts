/**
 * withRequestContext: a Fetch-API handler (`Deno.serve`, `Bun.serve`'s
 * `fetch`, a Workers `fetch`, a Next.js route handler) that gets its
 * request's context as its first argument.
 */
import type { CancelCauseFunc, Context } from '../index.js';
import { checkFunction } from '../internal/check.js';
import { ResponseFinished } from './causes.js';
import { checkRequestOptions, finishRequest, openRequest, type WebRequestOptions } from './request.js';
import { errorResponse } from './status.js';

/** ContextHandler is a Fetch-API handler that is given its request's context first, then the runtime's own arguments. */
export type ContextHandler<Rest extends unknown[]> = (ctx: Context, request: Request, ...rest: Rest) => Response | Promise<Response>;

/**
 * withRequestContext returns a handler for any Fetch-API runtime that makes
 * the context of each request (`requestContext` with `options`), calls
 * `handler(ctx, request, ...rest)` (rest: Deno's `info`, Bun's `server`,
 * Workers' `env` and execution context, Next.js's route argument), and ends
 * the context when the response is complete (`finishRequest`). An error of the
 * request's context (a deadline, a client gone, a malformed deadline header,
 * a shutdown) is answered with `errorResponse` (504, 499, 400, 503); any
 * other error ends the context with ResponseFinished and is thrown on, for
 * the runtime's own handling. `options` are checked here, once.
 */
export function withRequestContext<Rest extends unknown[]>(handler: ContextHandler<Rest>, options: WebRequestOptions = {}): (request: Request, ...rest: Rest) => Promise<Response> {
  const FN = 'withRequestContext';
  checkFunction(FN, 'handler', handler);
  checkRequestOptions(FN, options);
  const fixed = { ...options }; // later changes to the caller's object are not seen unchecked
  return async (request: Request, ...rest: Rest): Promise<Response> => {
    let ctx: Context;
    let end: CancelCauseFunc;
    try {
      [ctx, end] = openRequest(FN, request, fixed);
    } catch (error) {
      const answer = errorResponse(error, request);
      if (answer === undefined) throw error;
      return answer;
    }
    let response: Response;
    try {
      response = await handler(ctx, request, ...rest);
    } catch (error) {
      const answer = errorResponse(error, request);
      if (answer === undefined) {
        end(ResponseFinished);
        throw error;
      }
      return finishRequest(request, answer);
    }
    return finishRequest(request, response);
  };
}
