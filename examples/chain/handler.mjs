// What every hop does with one request, whatever serves it (node:http, HTTP/2
// or Express): read the whole body, work for a while, call the next hop with
// the shrinking budget and the request id, and answer with what came back;
// with a report at each step. Errors are thrown, for the server entry (or
// Express's error handler) to map with errorStatus.
import { afterFunc, createKey, sleep, withValue } from 'ctxkit';
import { carry, fetchWithContext, valuesHeader } from 'ctxkit/propagation';
import { endFields, nameOf } from './report.mjs';

/** The request id: the one value that crosses hops. */
export const requestId = createKey('requestId');

/** The ctxkit-values header that carries the request id, and nothing else. */
export const carriedValues = valuesHeader([carry('request-id', requestId)]);

/**
 * createHop returns the request handling of one hop:
 * - `begin(requestCtx, req, res)`: names the request (the caller's id, or a new
 *   one), reports it with its budget, watches its end; returns the context to serve it with;
 * - `serve(ctx, req, res)`: body, work, next hop, answer (throws on failure);
 * - `activity`: how many handlers and how much work are running now.
 */
export function createHop({ options, report, onContext }) {
  const activity = { handlers: 0, working: 0 };
  let counter = 0;

  function begin(requestCtx, req, res) {
    onContext?.(requestCtx);
    let ctx = carriedValues.extract(requestCtx, req.headers);
    if (ctx.value(requestId) === undefined) ctx = withValue(ctx, requestId, `${options.name}-${++counter}`);
    const id = ctx.value(requestId);
    report('received', { id, method: req.method, url: req.url, header: req.headers['ctxkit-timeout-ms'], budgetMs: remainingMs(ctx) });
    afterFunc(ctx, () => report('context-done', { id, ...endFields(ctx) }));
    res.once('close', () =>
      report('responded', res.writableEnded ? { id, status: res.statusCode } : { id, status: null, note: 'client gone: nothing sent (499)' }),
    );
    return ctx;
  }

  async function serve(ctx, req, res) {
    const id = ctx.value(requestId);
    activity.handlers++;
    try {
      const body = await readBody(req);
      if (body.length > 0) report('body-read', { id, bytes: body.length });
      await work(ctx, id, workFor(req.url, options));
      const answer = options.next === undefined ? lastAnswer(id, body) : await callNext(ctx, id, req, body);
      res.statusCode = answer.status;
      res.setHeader('content-type', 'application/json');
      res.end(answer.body);
    } finally {
      activity.handlers--;
    }
  }

  /** The work: a cancellable sleep, which stops as soon as ctx is done. */
  async function work(ctx, id, ms) {
    report('work-started', { id, ms });
    activity.working++;
    try {
      await sleep(ctx, ms);
      report('work-done', { id, ms });
    } catch (reason) {
      report('work-stopped', { id, ...endFields(ctx) });
      throw reason;
    } finally {
      activity.working--;
    }
  }

  /** Calls the next hop with what is left of ctx's budget (minus the margin) and the request id. */
  async function callNext(ctx, id, req, body) {
    const url = new URL(req.url, options.next);
    report('call-sent', { id, to: url.origin, budgetMs: remainingMs(ctx, options.marginMs) });
    try {
      const response = await fetchWithContext(ctx, url, {
        method: req.method,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        marginMs: options.marginMs,
        values: carriedValues,
      });
      const text = await response.text();
      report('call-answered', { id, status: response.status });
      return response.status === 200 ? { status: 200, body: prepend(text, options.name, body.length) } : { status: response.status, body: text };
    } catch (error) {
      report('call-failed', { id, error: nameOf(error), ...endFields(ctx) });
      throw error;
    }
  }

  const lastAnswer = (id, body) => ({ status: 200, body: JSON.stringify({ id, hops: [options.name], bytes: [body.length] }) });

  return { begin, serve, activity };
}

/** What is left of ctx's budget, in whole ms, less `marginMs`; null without a deadline. */
export function remainingMs(ctx, marginMs = 0) {
  const deadline = ctx.deadline();
  return deadline === undefined ? null : Math.round(deadline.getTime() - Date.now() - marginMs);
}

/**
 * How long this hop works on a request: the request's `work` query parameter
 * (`?work=A:50,B:50,C:2000`, passed down the chain unchanged) names a time per
 * hop; else the hop's default.
 */
export function workFor(url, options) {
  const spec = new URL(url, 'http://hop').searchParams.get('work') ?? '';
  for (const item of spec.split(',')) {
    const [name, ms] = item.split(':');
    if (name === options.name && /^[0-9]{1,7}$/.test(ms ?? '')) return Number(ms);
  }
  return options.workMs;
}

/** Reads a request body to the end. */
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The next hop's success answer with this hop in front: `{ id, hops: [A, B, C], bytes: [...] }`. */
function prepend(text, name, bytes) {
  const answer = JSON.parse(text);
  return JSON.stringify({ ...answer, hops: [name, ...answer.hops], bytes: [bytes, ...answer.bytes] });
}
