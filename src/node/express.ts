/**
 * The Express 5 adapter: a middleware that gives every request its context,
 * and an error handler that answers the context's errors. Express is only a
 * type here: nothing in this module loads it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MalformedDeadlineError } from '../propagation/index.js';
import { disconnectReported, type AdapterOptions, type RequestLogEvent } from './adapter.js';
import { ClientDisconnected } from './causes.js';
import { checkOptionalFunction } from '../internal/check.js';
import { findContext, fromRequest, type NodeRequest, type RequestContextOptions } from './request.js';
import { answerContextError, type ErrorStatus } from './status.js';

/** Express's `next`. */
type Next = (err?: unknown) => void;

/** ExpressAdapter is the pair to mount: `middleware` first, `errorHandler` after the routes. */
export interface ExpressAdapter {
  /**
   * Makes the request's context (`contextOf(req)`), or answers 400 for a
   * malformed deadline header. Mount it before the routes that use it.
   */
  readonly middleware: (req: IncomingMessage, res: ServerResponse, next: Next) => void;
  /**
   * Answers the errors `errorStatus` knows (504 for a passed deadline, 503 for
   * a shutdown, nothing at all when the client went away) and passes the
   * others on with `next(err)`. Mount it after the routes.
   */
  readonly errorHandler: (err: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void;
}

/**
 * expressAdapter returns the Express middleware and error handler, with the
 * request context options and a log hook that reports every answer they
 * decide (400, 499, 503, 504).
 */
export function expressAdapter(options: AdapterOptions = {}): ExpressAdapter {
  const log = checkOptionalFunction<(event: RequestLogEvent) => void>('expressAdapter', 'options.log', options.log);
  const report = (status: ErrorStatus, req: NodeRequest, error: unknown): void => log?.({ status, req, ctx: findContext(req), error });
  const requestOptions: RequestContextOptions = { ...options, onDisconnect: (req) => report(499, req, ClientDisconnected) };

  return {
    middleware(req, res, next) {
      try {
        fromRequest(req, res, requestOptions);
      } catch (error) {
        // A malformed deadline header is 400 (or 499, nothing sent, if the client is gone).
        if (error instanceof MalformedDeadlineError) report(answerContextError(error, req, res)!, req, error);
        else next(error);
        return;
      }
      next();
    },
    // Express tells error handlers by their four parameters.
    errorHandler(err, req, res, next) {
      const status = answerContextError(err, req, res);
      if (status === undefined) next(err);
      // A disconnect was reported when it happened, unless the context had
      // ended before (a deadline): then it is reported now.
      else if (status !== 499) report(status, req, err);
      else if (!disconnectReported(req)) report(499, req, ClientDisconnected);
    },
  };
}
