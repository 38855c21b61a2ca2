/**
 * got under a context: per-request options whose hook sends the remaining
 * budget and values on every attempt and cuts got's request timeout to the
 * deadline, and got's rejection turned into cause(ctx) once the context ended.
 */
import { DeadlineExceeded, cause, type Context } from '../index.js';
import { checkContext, checkFunction, checkOptions } from '../internal/check.js';
import { checkOutgoingOptions, clientTimeout, requestHeaders, sendUnder } from '../internal/outgoing.js';
import { ctxkitTimeoutCodec, type DeadlineCodec, type ValuesHeader } from '../propagation/index.js';

/** GotContextOptions say what a request sends for its context. */
export interface GotContextOptions {
  /** Milliseconds subtracted from the budget before it is sent. Default: 0. */
  marginMs?: number;
  /** The headers the budget is sent in. Default: `[ctxkitTimeoutCodec]`. */
  deadlineCodecs?: readonly DeadlineCodec[];
  /** The values carried to the next service. Default: none. */
  values?: ValuesHeader;
}

/** The part of got's options (`OptionsInit`) gotOptions reads: any got options fit. */
export interface GotOptionsLike {
  hooks?: { beforeRequest?: readonly unknown[] } & object;
}

/** The part of got's normalized options a beforeRequest hook of gotOptions changes (got's `Options` fits). */
export interface GotAttempt {
  headers: Record<string, string | string[] | undefined>;
  timeout: { request?: number | undefined };
}

/** What gotOptions adds to the options it is given. */
export interface GotContextRequest {
  signal: AbortSignal;
  hooks: { beforeRequest: Array<(options: GotAttempt) => void> };
}

/**
 * gotOptions returns `options` (got's per-request options, `OptionsInit`)
 * for a request made under ctx, as Go's `http.NewRequestWithContext`:
 * `await got(url, gotOptions(ctx, { responseType: 'json' }))`.
 *
 * - `signal` is ctx's signal: the request stops when ctx ends (a signal
 *   already in `options` is replaced: to be stopped by it too, make ctx with
 *   `withSignal(ctx, signal)`);
 * - before every attempt (got's retries included), a `beforeRequest` hook
 *   sets the budget left, less `marginMs`, in the `deadlineCodecs` headers
 *   and the values in the values header, replacing any of the same names,
 *   and cuts got's `timeout.request` (the instance's or the request's) to
 *   the time left until ctx's deadline; an attempt with no budget left is
 *   not sent and fails with DeadlineExceeded.
 *
 * got then rejects with its own errors (an AbortError, which drops the
 * signal's reason, when ctx ends): gotError, or gotRequest, gives back
 * cause(ctx). The hook is added after those of `options` (got runs the
 * instance's first). It throws cause(ctx) if ctx is done, and
 * DeadlineExceeded if no budget is left after the margin, before anything
 * is sent.
 */
export function gotOptions<O extends GotOptionsLike = Record<never, never>>(ctx: Context, options: O = {} as O, contextOptions: GotContextOptions = {}): O & GotContextRequest {
  const FN = 'got.gotOptions';
  checkContext(FN, 'ctx', ctx);
  checkOptions(FN, 'options', options);
  const { margin, codecs, values } = checkOutgoingOptions(FN, contextOptions, [ctxkitTimeoutCodec]);
  requestHeaders(ctx, margin, codecs, values);
  const beforeRequest = (attempt: GotAttempt): void => {
    const extra = requestHeaders(ctx, margin, codecs, values);
    // got keeps header names in lower case.
    for (const [name, value] of extra) attempt.headers[name.toLowerCase()] = value;
    const given = attempt.timeout.request;
    const timeout = clientTimeout(ctx, given);
    if (timeout !== given) attempt.timeout = { ...attempt.timeout, request: timeout };
  };
  const hooks = (options.hooks ?? {}) as Record<string, readonly unknown[] | undefined>;
  return {
    ...options,
    signal: ctx.signal,
    hooks: {
      ...hooks,
      beforeRequest: [...(hooks.beforeRequest ?? []), beforeRequest],
    },
  } as O & GotContextRequest;
}

/** got's code for a request that ran out of time (its TimeoutError). */
const TIMEOUT_CODE = 'ETIMEDOUT';

/**
 * gotError returns the error a got request made under ctx should report:
 * cause(ctx) if ctx is done (got's AbortError does not carry it);
 * DeadlineExceeded for got's TimeoutError when ctx has a deadline (the
 * timeout gotOptions cut to it ran out first), or for an attempt refused for
 * want of budget; otherwise `error` unchanged.
 */
export function gotError(ctx: Context, error: unknown): unknown {
  checkContext('got.gotError', 'ctx', ctx);
  if (ctx.err() !== undefined) return cause(ctx);
  if (typeof error !== 'object' || error === null) return error;
  // An attempt refused by the beforeRequest hook: got wraps what it threw.
  if ((error as { cause?: unknown }).cause === DeadlineExceeded) return DeadlineExceeded;
  return ctx.deadline() !== undefined && (error as { code?: unknown }).code === TIMEOUT_CODE ? DeadlineExceeded : error;
}

/**
 * gotRequest makes a got request under ctx, as grpc's unaryCall does a call:
 * `const body = await gotRequest(ctx, (options) => got(url, options).json())`.
 * `invoke` gets gotOptions(ctx, options, contextOptions), with a signal of
 * the request's own (aborted when ctx ends: many requests in flight under one
 * context add no listener each to ctx's signal), and returns got's promise. The request's promise rejects with cause(ctx) once ctx is done
 * (invoke is not called if it already is), with DeadlineExceeded for a
 * timeout taken from ctx's deadline, or with got's own error otherwise.
 */
export async function gotRequest<R, O extends GotOptionsLike = Record<never, never>>(
  ctx: Context,
  invoke: (options: O & GotContextRequest) => PromiseLike<R>,
  options: O = {} as O,
  contextOptions: GotContextOptions = {},
): Promise<Awaited<R>> {
  checkFunction('got.gotRequest', 'invoke', invoke);
  const request = gotOptions(ctx, options, contextOptions);
  return await sendUnder(ctx, (signal) => invoke({ ...request, signal }), (error) => gotError(ctx, error));
}
