/**
 * What every server's request context is made of, whatever the server
 * (ctxkit/node's `fromRequest`, ctxkit/web's `requestContext`): the options,
 * checked once, and the scope they build — the request's own node under the
 * server-lifetime parent, with the server's budget, the caller's deadline
 * header and the user's derivation applied.
 */
import { background, withCancelCause, withTimeout, type CancelCauseFunc, type Context } from '../index.js';
import { incomingDeadline, type HeadersLike, type IncomingDeadlineOptions } from '../propagation/index.js';
import { checkContext, checkMs, checkOptionalFunction, fail, isContext } from './check.js';

/** RequestScopeOptions says what a request context derives from and how long it may run; `R` is the server's request type. */
export interface RequestScopeOptions<R> {
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
   * caller sent (`values.extract(ctx, headers)` with a `valuesHeader`). It
   * must return `ctx` or a context derived from it (`withValue`, …), so that
   * what ends the request ends it too. Default: none.
   */
  derive?: (ctx: Context, req: R) => Context;
  /** Called once, after the context was cancelled, when the client went away before the response was complete. */
  onDisconnect?: (req: R) => void;
}

/** RequestScopeOptions once checked, with the defaults filled in. */
export interface CheckedScopeOptions<R> {
  readonly parent: Context;
  readonly timeoutMs: number | undefined;
  readonly deadline: IncomingDeadlineOptions | undefined;
  readonly derive: ((ctx: Context, req: R) => Context) | undefined;
  readonly onDisconnect: ((req: R) => void) | undefined;
}

/** checkScopeOptions checks every option (`options` itself an object), for `fn`'s messages. */
export function checkScopeOptions<R>(fn: string, options: RequestScopeOptions<R>): CheckedScopeOptions<R> {
  if (typeof options !== 'object' || options === null) fail(fn, 'options', 'an object', options);
  return {
    parent: options.parent === undefined ? background() : checkContext(fn, 'options.parent', options.parent),
    timeoutMs: options.timeoutMs === undefined ? undefined : checkMs(fn, 'options.timeoutMs', options.timeoutMs),
    deadline: options.deadline,
    derive: checkOptionalFunction<(ctx: Context, req: R) => Context>(fn, 'options.derive', options.derive),
    onDisconnect: checkOptionalFunction<(req: R) => void>(fn, 'options.onDisconnect', options.onDisconnect),
  };
}

/** RequestScope is a request's context and the function that cancels its own node (and so everything below it). */
export interface RequestScope {
  readonly ctx: Context;
  readonly cancel: CancelCauseFunc;
}

/**
 * openScope makes the request's own node under `options.parent` and applies
 * the budget, the caller's deadline (read from `headers`) and `derive` below
 * it: they stay attached to that node and need no cancel of their own. It
 * throws what `incomingDeadline` or `derive` throws (a MalformedDeadlineError,
 * a TypeError for a derivation that is not a context), having cancelled the
 * node: nothing is left behind.
 */
export function openScope<R>(fn: string, options: CheckedScopeOptions<R>, headers: HeadersLike, req: R): RequestScope {
  const [scope, cancel] = withCancelCause(options.parent);
  let ctx = scope;
  try {
    if (options.timeoutMs !== undefined) ctx = withTimeout(ctx, options.timeoutMs)[0];
    if (options.deadline !== undefined) ctx = incomingDeadline(ctx, headers, options.deadline).ctx;
    if (options.derive !== undefined) {
      const derived = options.derive(ctx, req);
      if (!isContext(derived)) fail(fn, 'the result of options.derive', 'a Context', derived);
      ctx = derived;
    }
  } catch (error) {
    cancel();
    throw error;
  }
  return { ctx, cancel };
}
