/**
 * fetchWithContext: an outgoing HTTP call bound to a context, which passes the
 * remaining budget (and any carried values) on to the next service.
 *
 * Each call runs in a child of the caller's context, made with the core's
 * constructors: withSignal for a signal given in `init` (or by a Request),
 * withCancel otherwise, and withTimeout on top for a per-hop timeout. fetch
 * gets the child's signal, never the caller's: fetch implementations add a
 * listener to the signal they are given and remove it only when the request is
 * garbage-collected, so a long-lived context's signal would collect one per
 * call, and `AbortSignal.any` would pin every call to it. The child is
 * cancelled, which detaches it from the caller's context, once the response
 * body is finished with (see response-lease.ts), or at once if the call fails.
 */
import { DeadlineExceeded, cause, withCancel, withSignal, withTimeout, type CancelFunc, type Context } from '../index.js';
import { checkContext, checkFunction, checkMs, checkOptionalMs, fail } from '../internal/check.js';
import { checkCodecs } from '../internal/headers.js';
import { ctxkitTimeoutCodec, type DeadlineCodec } from './deadline-codecs.js';
import { leaseResponse } from './response-lease.js';
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
 * - Otherwise it resolves with the response, whose body stays readable until
 *   it is finished with; the call's child context is released then.
 */
export async function fetchWithContext(ctx: Context, input: string | URL | Request, init: ContextFetchInit = {}): Promise<Response> {
  const { timeoutMs, marginMs, deadlineCodecs, values, fetch: fetchOption, ...requestInit } = init;
  checkContext(FN, 'ctx', ctx);
  const timeout = checkOptionalMs(FN, 'init.timeoutMs', timeoutMs);
  const margin = checkMs(FN, 'init.marginMs', marginMs ?? 0);
  const codecs = checkCodecs(FN, 'init.deadlineCodecs', deadlineCodecs ?? DEFAULT_CODECS);
  if (values !== undefined && (typeof values !== 'object' || values === null || typeof values.encode !== 'function')) {
    fail(FN, 'init.values', 'a ValuesHeader', values);
  }
  const fetchImpl = checkFunction<FetchLike>(FN, 'init.fetch', fetchOption ?? globalThis.fetch);

  const request = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
  const signal = requestInit.signal !== undefined ? requestInit.signal : request?.signal;
  const [outer, release]: [Context, CancelFunc] = signal ? withSignal(ctx, signal) : withCancel(ctx);
  const call = timeout === undefined ? outer : withTimeout(outer, timeout)[0];
  try {
    call.throwIfDone();
    const headers = new Headers(requestInit.headers ?? request?.headers);
    const deadline = call.deadline();
    if (deadline !== undefined) {
      const budget = deadline.getTime() - Date.now() - margin;
      if (budget <= 0) throw DeadlineExceeded;
      for (const codec of codecs) headers.set(codec.header, codec.encode(budget));
    }
    if (values !== undefined) {
      const carried = values.encode(call);
      if (carried !== undefined) headers.set(values.header, carried);
    }
    const response = await fetchImpl(input, { ...requestInit, headers, signal: call.signal });
    return leaseResponse(response, call, release);
  } catch (e) {
    const err = call.err() === undefined ? e : cause(call);
    release();
    throw err;
  }
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
