/**
 * An undici interceptor that applies a context to every request of a
 * dispatcher: the deadline headers with the remaining budget, the carried
 * values, an optional per-request timeout, and the request aborted with
 * cause(ctx) when the context ends.
 */
import type { Dispatcher } from 'undici';
import { DeadlineExceeded, afterFunc, cause, withTimeout, type CancelFunc, type Context } from '../index.js';
import { checkContext, checkMs, checkOptionalMs, checkOptions, fail } from '../internal/check.js';
import { outgoingHeaders } from '../internal/outgoing.js';
import { implicit } from '../node/index.js';
import { ctxkitTimeoutCodec, type DeadlineCodec, type ValuesHeader } from '../propagation/index.js';
import { checkCodecs } from '../internal/headers.js';

/** UndiciContextOptions say which context a request runs under, and what it sends. */
export interface UndiciContextOptions {
  /**
   * The context of every request. Default: the implicit context of
   * `ctxkit/node` (`implicit.run`) at the time of the request; a request made
   * outside any is left as it is.
   */
  context?: Context;
  /** Milliseconds subtracted from the budget before it is sent. Default: 0. */
  marginMs?: number;
  /** A timeout for each request, response body included, in milliseconds; the context's deadline still applies if earlier. Default: none. */
  timeoutMs?: number;
  /** The headers the budget is sent in. Default: `[ctxkitTimeoutCodec]`. */
  deadlineCodecs?: readonly DeadlineCodec[];
  /** The values carried to the next service. Default: none. */
  values?: ValuesHeader;
}

type Dispatch = Dispatcher['dispatch'];
type DispatchOptions = Dispatcher.DispatchOptions;
type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

const FN = 'undici.contextInterceptor';

/**
 * contextInterceptor returns an undici interceptor (for
 * `dispatcher.compose(…)`) that runs each request under a context (see
 * UndiciContextOptions):
 *
 * - context already done, or no budget left after the margin: the request
 *   fails with cause(ctx) (DeadlineExceeded), before anything is written;
 * - the remaining budget, less `marginMs`, goes in the `deadlineCodecs`
 *   headers and the values in the values header, replacing any the request
 *   set under those names;
 * - when the context ends (or `timeoutMs` passes) before the response body
 *   has been read, the request is aborted and fails with cause(ctx).
 *   `undici.request` rejects with that cause itself; `undici.fetch` rejects
 *   with `TypeError('fetch failed')` whose `.cause` it is (see requestError).
 *
 * What a request registers on the context is gone once its response body
 * has arrived in full (read or not), the request has failed, or its body was
 * destroyed (`body.destroy()`, `body.dump()`). A body still arriving keeps it,
 * read or not, so that the context can still stop the request: as in Go,
 * where the transport watches a request's context until its Body is closed.
 * A streaming body abandoned unread holds it, and its connection, until the
 * context ends: destroy such a body.
 */
export function contextInterceptor(options: UndiciContextOptions = {}): (dispatch: Dispatch) => Dispatch {
  const o = checkOptions(FN, 'options', options);
  const fixed = o.context === undefined ? undefined : checkContext(FN, 'options.context', o.context);
  const margin = checkMs(FN, 'options.marginMs', o.marginMs ?? 0);
  const timeout = checkOptionalMs(FN, 'options.timeoutMs', o.timeoutMs);
  const codecs = checkCodecs(FN, 'options.deadlineCodecs', o.deadlineCodecs ?? [ctxkitTimeoutCodec]);
  const values = o.values;
  if (values !== undefined && (typeof values !== 'object' || values === null || typeof values.encode !== 'function')) {
    fail(FN, 'options.values', 'a ValuesHeader', values);
  }
  return (dispatch) => (opts, handler) => {
    const ctx = fixed ?? implicit.current();
    if (ctx === undefined) return dispatch(opts, handler);
    const [call, release]: [Context, CancelFunc | undefined] = timeout === undefined ? [ctx, undefined] : withTimeout(ctx, timeout);
    const headers = call.err() === undefined ? outgoingHeaders(call, margin, codecs, values) : [];
    const refusal = call.err() !== undefined ? cause(call) : headers === undefined ? DeadlineExceeded : undefined;
    return dispatch({ ...opts, headers: withHeaders(opts.headers, headers ?? []) }, new BoundHandler(handler, call, release, refusal));
  };
}

/**
 * A handler that passes everything on to `inner`, and aborts the request with
 * cause(call) when call ends before the response does.
 */
class BoundHandler implements Handler {
  /** Stops the afterFunc that aborts the request; undefined once the request is over. */
  private _stop: (() => boolean) | undefined;

  constructor(
    private readonly _inner: Handler,
    private readonly _call: Context,
    private readonly _release: CancelFunc | undefined,
    private readonly _refusal: unknown,
  ) {}

  onRequestStart(controller: Controller, context: unknown): void {
    if (this._refusal !== undefined) {
      this._end();
      controller.abort(this._refusal as Error);
      return;
    }
    if (this._stop === undefined) this._stop = afterFunc(this._call, () => controller.abort(cause(this._call) as Error));
    this._inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: Parameters<NonNullable<Handler['onRequestUpgrade']>>[2], socket: Parameters<NonNullable<Handler['onRequestUpgrade']>>[3]): void {
    this._end();
    this._inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Parameters<NonNullable<Handler['onResponseStart']>>[2], statusMessage?: string): void {
    this._inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this._inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: Parameters<NonNullable<Handler['onResponseEnd']>>[1]): void {
    this._end();
    this._inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, error: Error): void {
    const err = this._call.err() === undefined ? error : (cause(this._call) as Error);
    this._end();
    this._inner.onResponseError?.(controller, err);
  }

  /** The request is over: nothing of it stays on the context. */
  private _end(): void {
    this._stop?.();
    this._stop = () => false;
    this._release?.();
  }
}

/** The request's headers with `extra` set, replacing any of the same names (case-insensitive), as a flat array. */
function withHeaders(given: DispatchOptions['headers'], extra: ReadonlyArray<[string, string]>): string[] {
  const out: string[] = [];
  if (given === null || given === undefined) {
    for (const [name, value] of extra) out.push(name, value);
    return out;
  }
  const replaced = new Set(extra.map(([name]) => name.toLowerCase()));
  const push = (name: unknown, value: unknown): void => {
    if (replaced.has(String(name).toLowerCase())) return;
    if (Array.isArray(value)) for (const v of value) out.push(String(name), String(v));
    else if (value !== undefined) out.push(String(name), String(value));
  };
  if (Array.isArray(given)) {
    if (given.length > 0 && Array.isArray(given[0])) for (const [name, value] of given as unknown as Array<[string, string]>) push(name, value);
    else for (let i = 0; i + 1 < given.length; i += 2) push(given[i], given[i + 1]);
  } else {
    const entries = typeof (given as Iterable<unknown>)[Symbol.iterator] === 'function' ? Array.from(given as Iterable<[string, string]>) : Object.entries(given);
    for (const [name, value] of entries) push(name, value);
  }
  for (const [name, value] of extra) out.push(name, value);
  return out;
}
