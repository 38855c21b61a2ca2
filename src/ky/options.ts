/**
 * ky under a context: the signal, ky's timeout cut to the deadline, the
 * deadline and values headers set before every attempt, and the context's
 * cause given back for ky's own TimeoutError.
 */
import { DeadlineExceeded, cause, type Context } from '../index.js';
import { checkContext, checkFunction, checkOptions } from '../internal/check.js';
import { checkOutgoingOptions, clientTimeout, requestHeaders, sendUnder } from '../internal/outgoing.js';
import { ctxkitTimeoutCodec, type DeadlineCodec, type ValuesHeader } from '../propagation/index.js';

/** KyContextOptions say what a request sends for its context. */
export interface KyContextOptions {
  /** Milliseconds subtracted from the budget before it is sent. Default: 0. */
  marginMs?: number;
  /** The headers the budget is sent in. Default: `[ctxkitTimeoutCodec]`. */
  deadlineCodecs?: readonly DeadlineCodec[];
  /** The values carried to the next service. Default: none. */
  values?: ValuesHeader;
}

/** The part of ky's options kyOptions reads: any ky `Options` fit. */
export interface KyOptionsLike {
  timeout?: number | false;
  hooks?: { beforeRequest?: readonly unknown[] } & object;
}

/** The part of ky's request a beforeRequest hook of kyOptions changes (ky's `KyRequest` fits). */
export interface KyAttempt {
  readonly headers: { set(name: string, value: string): void };
}

/** What kyOptions adds to the options it is given. */
export interface KyContextRequest {
  signal: AbortSignal;
  timeout?: number | false;
  hooks: { beforeRequest: Array<(request: KyAttempt) => void> };
}

/** ky's timeout when none is given: 10 s. */
const KY_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * kyOptions returns `options` (ky's `Options`) for a request made under ctx,
 * as Go's `http.NewRequestWithContext`: `await ky(url, kyOptions(ctx)).json()`.
 * For many requests under one long-lived context, prefer kyRequest (see there).
 *
 * - `signal` is ctx's signal: when ctx ends, ky's fetch rejects with exactly
 *   cause(ctx), the response body too (a signal already in `options` is
 *   replaced: make ctx with `withSignal(ctx, signal)` to be stopped by it too);
 * - `timeout` is cut to the time left until ctx's deadline (from the
 *   `timeout` of `options`, else ky's default of 10 s: an instance's own
 *   `timeout` is not seen here, pass it in `options`); ky's TimeoutError may
 *   then win the race with ctx's own: kyError and kyRequest report it as
 *   DeadlineExceeded;
 * - before every attempt (ky's retries included), a `beforeRequest` hook
 *   sets the budget left, less `marginMs`, in the `deadlineCodecs` headers
 *   and the values in the values header, replacing any of the same names; an
 *   attempt with no budget left is not sent and rejects with DeadlineExceeded
 *   (cause(ctx) if ctx is done).
 *
 * The hook is added after those of `options` (ky runs the instance's first).
 * It throws cause(ctx) if ctx is done, and DeadlineExceeded if no budget is
 * left after the margin, before anything is sent.
 */
export function kyOptions<O extends KyOptionsLike = Record<never, never>>(ctx: Context, options: O = {} as O, contextOptions: KyContextOptions = {}): O & KyContextRequest {
  const FN = 'ky.kyOptions';
  checkContext(FN, 'ctx', ctx);
  checkOptions(FN, 'options', options);
  const { margin, codecs, values } = checkOutgoingOptions(FN, contextOptions, [ctxkitTimeoutCodec]);
  requestHeaders(ctx, margin, codecs, values);
  const beforeRequest = (request: KyAttempt): void => {
    const extra = requestHeaders(ctx, margin, codecs, values);
    for (const [name, value] of extra) request.headers.set(name, value);
  };
  const out = {
    ...options,
    signal: ctx.signal,
    hooks: { ...options.hooks, beforeRequest: [...(options.hooks?.beforeRequest ?? []), beforeRequest] },
  } as O & KyContextRequest;
  if (ctx.deadline() !== undefined) {
    const given = options.timeout === false ? undefined : (options.timeout ?? KY_DEFAULT_TIMEOUT_MS);
    out.timeout = clientTimeout(ctx, given);
  }
  return out;
}

/**
 * kyError returns the error a ky request made under ctx should report:
 * cause(ctx) if ctx is done; DeadlineExceeded for ky's TimeoutError when ctx
 * has a deadline (the timeout kyOptions set from it ran out first);
 * otherwise `error` unchanged.
 */
export function kyError(ctx: Context, error: unknown): unknown {
  checkContext('ky.kyError', 'ctx', ctx);
  if (ctx.err() !== undefined) return cause(ctx);
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return ctx.deadline() !== undefined && name === 'TimeoutError' ? DeadlineExceeded : error;
}

/**
 * kyRequest makes a ky request under ctx, its body read inside, as got's
 * gotRequest does: `const body = await kyRequest(ctx, (options) => ky(url, options).json())`.
 * `invoke` gets kyOptions(ctx, options, contextOptions), with a signal of the
 * request's own (aborted with cause(ctx) when ctx ends, and let go when
 * invoke's promise settles: ky ties each request's signal to the one it is
 * given with AbortSignal.any, which leaves an entry per request on a
 * long-lived signal until it aborts). The promise rejects with cause(ctx)
 * once ctx is done (invoke is not called if it already is), with
 * DeadlineExceeded for a timeout taken from ctx's deadline, or with ky's own
 * error (an HTTPError) otherwise. Read the body inside invoke: once it has
 * settled, ctx no longer stops the request.
 */
export async function kyRequest<R, O extends KyOptionsLike = Record<never, never>>(
  ctx: Context,
  invoke: (options: O & KyContextRequest) => PromiseLike<R>,
  options: O = {} as O,
  contextOptions: KyContextOptions = {},
): Promise<Awaited<R>> {
  checkFunction('ky.kyRequest', 'invoke', invoke);
  const request = kyOptions(ctx, options, contextOptions);
  return await sendUnder(ctx, (signal) => invoke({ ...request, signal }), (error) => kyError(ctx, error));
}
