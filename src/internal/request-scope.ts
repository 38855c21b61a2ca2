/**
 * What every server's request context is made of, whatever the server
 * (ctxkit/node's `fromRequest`, ctxkit/web's `requestContext`): the options,
 * checked once, and the scope they build — the request's own node under the
 * server-lifetime parent, with the server's budget, the caller's deadline
 * header and the user's derivation applied.
 */
import { background, withCancelCause, withTimeout, type CancelCauseFunc, type Context, type ContextPair } from '../index.js';
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

/**
 * checkScopeOptions checks every option (`options` itself an object), for
 * `fn`'s messages; it allocates nothing, for the request path.
 */
export function checkScopeOptions<R>(fn: string, options: RequestScopeOptions<R>): void {
  if (typeof options !== 'object' || options === null) fail(fn, 'options', 'an object', options);
  if (options.parent !== undefined) checkContext(fn, 'options.parent', options.parent);
  if (options.timeoutMs !== undefined) checkMs(fn, 'options.timeoutMs', options.timeoutMs);
  checkOptionalFunction(fn, 'options.derive', options.derive);
  checkOptionalFunction(fn, 'options.onDisconnect', options.onDisconnect);
}

/**
 * openScope makes the request's own node under `options.parent` (default
 * `background()`), the node whose cancel function ends the request: the
 * budget, the caller's deadline and `derive` are applied below it
 * (deriveScope) and stay attached to it, needing no cancel of their own.
 */
export function openScope<R>(options: RequestScopeOptions<R>): ContextPair<CancelCauseFunc> {
  return withCancelCause(options.parent ?? background());
}

/**
 * deriveScope applies to `scope` (made by openScope) the budget, the caller's
 * deadline (read from `headers`) and `derive`, and returns the request's
 * context. It throws what `incomingDeadline` or `derive` throws (a
 * MalformedDeadlineError, a TypeError for a derivation that is not a
 * context), having cancelled the scope: nothing is left behind.
 */
export function deriveScope<R>(fn: string, options: RequestScopeOptions<R>, [scope, cancel]: ContextPair<CancelCauseFunc>, headers: HeadersLike, req: R): Context {
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
  return ctx;
}

/**
 * RequestSlot keeps one value on each request object, under a private symbol,
 * stored as Node stores its own state on requests (a plain store: a tenth of
 * the cost of defineProperty, about 1 µs a request on Node 24). A
 * WeakMap keyed by the request would do the same, but V8 keeps the values of
 * a WeakMap's young keys alive through young-generation collections and so
 * promotes every request's context: a loaded node:http server spent about 12 %
 * of its CPU in the collector with a WeakMap and under 2 % with the slot
 * (bench/e2e-servers.mjs, Node 24). A request that cannot take a property
 * (frozen, sealed) falls back to a WeakMap.
 */
export class RequestSlot<T> {
  private readonly key: symbol;
  private fallback: WeakMap<object, T> | undefined;

  constructor(description: string) {
    this.key = Symbol(description);
  }

  /** The value kept on `req`, or undefined. */
  get(req: object): T | undefined {
    const value = (req as Record<symbol, T | undefined>)[this.key];
    return value !== undefined || this.fallback === undefined ? value : this.fallback.get(req);
  }

  /** Keeps `value` on `req`. */
  set(req: object, value: T): void {
    if (Object.isExtensible(req)) (req as Record<symbol, T>)[this.key] = value;
    else (this.fallback ??= new WeakMap()).set(req, value);
  }
}
