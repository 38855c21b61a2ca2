// The three ways a hop is served, each making the request context with ctxkit
// and answering its errors with answerContextError (504 for a passed deadline, 400 for a
// malformed deadline header, nothing at all for a client gone):
// - node:http with fromRequest (also the listener of the HTTP/2 server);
// - Express 5 with expressAdapter;
// - closeHttp2: the graceful stop `shutdown` does not offer for HTTP/2.
import { STATUS_CODES } from 'node:http';
import { ServerShutdown, answerContextError, contextOf, expressAdapter, fromRequest } from 'ctxkit/node';
import { nameOf } from './report.mjs';
import { STATS_PATH, answerStats } from './debug.mjs';

/**
 * requestListener returns a node:http (or HTTP/2 compatibility API) request
 * listener: `fromRequest` makes the context, derived from `parent`, with the
 * hop's budget and the caller's deadline header; `hop.serve` does the rest.
 */
export function requestListener({ hop, parent, requestOptions, report, stats }) {
  return async (req, res) => {
    if (stats !== undefined && req.url === STATS_PATH) return answerStats(stats, res);
    let requestCtx;
    try {
      [requestCtx] = fromRequest(req, res, { ...requestOptions, parent });
    } catch (error) {
      // A malformed ctxkit-timeout-ms header: 400, before any work.
      report('rejected', { url: req.url, header: req.headers['ctxkit-timeout-ms'], error: nameOf(error) });
      return answerError(error, req, res);
    }
    const ctx = hop.begin(requestCtx, req, res);
    try {
      await hop.serve(ctx, req, res);
    } catch (error) {
      answerError(error, req, res);
    }
  };
}

/** Answers an error: the context's errors as ctxkit/node says (400, 503, 504, nothing for a client gone), anything else 500. */
function answerError(error, req, res) {
  if (answerContextError(error, req, res) !== undefined) return;
  if (res.headersSent) res.destroy();
  else res.writeHead(500).end(STATUS_CODES[500]);
}

/**
 * expressApp returns the hop as an Express 5 application: the adapter's
 * middleware makes the context (or answers 400), the route serves, the
 * adapter's error handler answers 504 / 503 / nothing, and a last handler 500.
 */
export async function expressApp({ hop, parent, requestOptions, report, stats }) {
  const { default: express } = await import('express');
  const ctxkit = expressAdapter({
    ...requestOptions,
    parent,
    log: (event) => {
      if (event.status === 400) report('rejected', { url: event.req.url, header: event.req.headers['ctxkit-timeout-ms'], error: nameOf(event.error) });
    },
  });
  const app = express();
  if (stats !== undefined) app.get(STATS_PATH, (_req, res) => answerStats(stats, res));
  app.use(ctxkit.middleware);
  app.use((req, res) => hop.serve(hop.begin(contextOf(req), req, res), req, res));
  app.use(ctxkit.errorHandler);
  app.use((_err, _req, res, _next) => res.status(500).end(STATUS_CODES[500]));
  return app;
}

/**
 * closeHttp2 stops an HTTP/2 server gracefully: no new sessions, each open
 * session told to finish its streams (GOAWAY); after `graceMs`, `cancel`
 * (the server-lifetime context's) with ServerShutdown and the sessions
 * destroyed. Resolves once the server has closed: "drained" or "cancelled".
 */
export function closeHttp2(server, sessions, { graceMs, cancel }) {
  return new Promise((resolve) => {
    let outcome = 'drained';
    const expire = setTimeout(() => {
      outcome = 'cancelled';
      cancel(ServerShutdown);
      for (const session of sessions) session.destroy();
    }, graceMs);
    server.close(() => {
      clearTimeout(expire);
      cancel(ServerShutdown);
      resolve(outcome);
    });
    for (const session of sessions) session.close();
  });
}
