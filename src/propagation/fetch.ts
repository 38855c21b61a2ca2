/**
 * fetchWithContext: an outgoing HTTP call bound to a context, which passes the
 * remaining budget (and any carried values) on to the next service.
 *
 * fetch gets a signal of the call's own, never the caller's: fetch
 * implementations add a listener to the signal they are given and remove it
 * only when the request is garbage-collected, so a long-lived context's
 * signal would collect one per call, and `AbortSignal.any` would pin every
 * call to it. That signal is aborted, through `afterFunc`, when the call's
 * context ends: the caller's context itself, or a child made with the core's
 * constructors when the call has a limit of its own (withSignal for a signal
 * given in `init` or by a Request, withTimeout for a per-hop timeout). Once
 * the response body is finished with (see response-lease.ts), or at once if
 * the call fails, the call lets go of the context: the `afterFunc` is
 * stopped and the child cancelled. A finished call's signal is not aborted:
 * there is nothing left to stop.
 */
import { Canceled, afterFunc, cause, withSignal, withTimeout, type CancelFunc, type Context } from '../index.js';
import { checkContext, checkFunction, checkOptionalMs, fail } from '../internal/check.js';
import { checkOutgoingOptions, requestHeaders } from '../internal/outgoing.js';
import { ctxkitTimeoutCodec, type DeadlineCodec } from './deadline-codecs.js';
import { leaseResponse, type LeaseOwner } from './response-lease.js';
import type { ValuesHeader } from './values.js';

/** FetchLike is the shape of `fetch` that fetchWithContext calls. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** PropagationOptions are fetchWithContext's own options, beside the standard RequestInit. */
export interface PropagationOptions {
  /**
   * A timeout for this call only, in milliseconds, covering the response body
   * too: a deadline for the call's child context. The caller's deadline still
   * applies if it is earlier.
   */
  timeoutMs?: number;
  /**
   * Milliseconds subtracted from the remaining budget before it is sent, for
   * the time the request takes to arrive and the response to come back.
   * Default: 0. A call whose budget minus margin is not positive is not sent.
   */
  marginMs?: number;
  /** The headers the budget is sent in. Default: `[ctxkitTimeoutCodec]`. `[]` sends none. */
  deadlineCodecs?: readonly DeadlineCodec[];
  /** The values carried to the next service, if any. Default: none. */
  values?: ValuesHeader;
  /** The fetch to call. Default: `globalThis.fetch`, read at each call. */
  fetch?: FetchLike;
}

/** ContextFetchInit is a RequestInit with fetchWithContext's own options. */
export type ContextFetchInit = RequestInit & PropagationOptions;

/** ContextFetch is fetchWithContext with some options already chosen, made by createContextFetch. */
export type ContextFetch = (ctx: Context, input: string | URL | Request, init?: ContextFetchInit) => Promise<Response>;

const DEFAULT_CODECS: readonly DeadlineCodec[] = [ctxkitTimeoutCodec];
const FN = 'fetchWithContext';
/** The init of a call given none: nothing to strip, so no copy is made. */
const NO_INIT: ContextFetchInit = Object.freeze({});

/**
 * fetchWithContext calls fetch for ctx. The request carries ctx's remaining
 * budget (the earlier of ctx's deadline and `timeoutMs`, minus `marginMs`) in
 * the `deadlineCodecs` headers, and the `values` header if given, replacing
 * any the caller set under those names. Without a deadline no budget is sent.
 *
 * - If ctx is already done it rejects with cause(ctx), and sends nothing.
 * - If no budget is left it rejects with DeadlineExceeded (cause(ctx) if ctx
 *   is done by then), and sends nothing.
 * - If ctx ends, or `timeoutMs` passes, before the response arrives, it
 *   rejects with cause(ctx) (DeadlineExceeded for the per-hop timeout), not
 *   with fetch's AbortError; if that happens while the body is being read,
 *   the body fails with the same cause.
 * - Otherwise it resolves with fetch's response, whose body stays under ctx
 *   (and `timeoutMs`) until it is finished with; the call lets go of ctx
 *   then (see response-lease.ts).
 */
export async function fetchWithContext(ctx: Context, input: string | URL | Request, init: ContextFetchInit = NO_INIT): Promise<Response> {
  checkContext(FN, 'ctx', ctx);
  const { margin, codecs, values } = checkOutgoingOptions(FN, init, DEFAULT_CODECS, 'init');
  const timeout = checkOptionalMs(FN, 'init.timeoutMs', init.timeoutMs);
  const fetchImpl = checkFunction<FetchLike>(FN, 'init.fetch', init.fetch ?? globalThis.fetch);
  const requestInit = init === NO_INIT ? NO_INIT : fetchInit(init);

  const request = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
  const signal = requestInit.signal !== undefined ? requestInit.signal : request?.signal;
  const [call, release] = callContext(ctx, signal ?? undefined, timeout);
  let scope: CallScope | undefined;
  try {
    const headers = withHeaders(requestInit.headers ?? request?.headers, requestHeaders(call, margin, codecs, values));
    scope = new CallScope(call, release);
    const response = await fetchImpl(input, { ...requestInit, headers, signal: scope.signal });
    return leaseResponse(response, scope);
  } catch (e) {
    const err = call.err() === undefined ? e : cause(call);
    if (scope === undefined) release?.();
    else scope.end(false);
    throw err;
  }
}

/** `init` without fetchWithContext's own options: the RequestInit fetch is given (its headers and signal then replaced). */
function fetchInit({ timeoutMs, marginMs, deadlineCodecs, values, fetch, ...requestInit }: ContextFetchInit): RequestInit {
  return requestInit;
}

/**
 * One call's hold on its context: the signal fetch is given, aborted with
 * the context's cause when the context ends, until the call lets go.
 */
class CallScope implements LeaseOwner {
  private readonly _controller = new AbortController();
  private readonly _stop: () => boolean;

  constructor(
    readonly ctx: Context,
    private readonly _release: CancelFunc | undefined,
  ) {
    this._stop = afterFunc(ctx, () => this._controller.abort(cause(ctx)));
  }

  get signal(): AbortSignal {
    return this._controller.signal;
  }

  /** Lets go of the context; `abandoned` (the response was dropped unread) also stops the exchange. */
  end(abandoned: boolean): void {
    this._stop();
    this._release?.();
    if (abandoned) this._controller.abort(Canceled);
  }
}

/** The caller's headers (none, or a Request's) with `extra` set over them: the Headers fetch is given. */
function withHeaders(given: RequestInit['headers'], extra: Array<[string, string]>): Headers {
  const headers = new Headers(given);
  for (const [name, value] of extra) headers.set(name, value);
  return headers;
}

/**
 * The context a call runs in, and what releases it: ctx itself (nothing to
 * release) unless the call has a signal or a timeout of its own.
 */
function callContext(ctx: Context, signal: AbortSignal | undefined, timeout: number | undefined): [Context, CancelFunc | undefined] {
  if (signal === undefined && timeout === undefined) return [ctx, undefined];
  const [outer, release] = signal === undefined ? [ctx, undefined] : withSignal(ctx, signal);
  if (timeout === undefined) return [outer, release];
  const [call, cancelTimeout] = withTimeout(outer, timeout);
  return [call, release ?? cancelTimeout];
}

/**
 * createContextFetch returns fetchWithContext with `defaults` applied to every
 * call; an option a call sets (to anything but undefined) overrides its
 * default. Typically one per service:
 * `const call = createContextFetch({ marginMs: 5, deadlineCodecs: [grpcTimeoutCodec] })`.
 */
export function createContextFetch(defaults: PropagationOptions): ContextFetch {
  if (typeof defaults !== 'object' || defaults === null) fail('createContextFetch', 'defaults', 'an object', defaults);
  const fixed: Record<string, unknown> = { ...defaults };
  return (ctx, input, init = {}) => {
    const merged = { ...fixed };
    for (const [name, value] of Object.entries(init)) if (value !== undefined) merged[name] = value;
    return fetchWithContext(ctx, input, merged);
  };
}
