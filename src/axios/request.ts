/**
 * axios under a context: the signal, the remaining timeout and the deadline
 * headers set on a request's config, and the context's cause given back on
 * rejection (axios's CanceledError drops `signal.reason`).
 */
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { DeadlineExceeded, cause, type Context } from '../index.js';
import { checkContext, checkOptions, fail } from '../internal/check.js';
import { checkOutgoingOptions, clientTimeout, requestHeaders, sendUnder } from '../internal/outgoing.js';
import { ctxkitTimeoutCodec, type DeadlineCodec, type ValuesHeader } from '../propagation/index.js';

/** AxiosContextOptions say what a request sends for its context. */
export interface AxiosContextOptions {
  /** Milliseconds subtracted from the budget before it is sent. Default: 0. */
  marginMs?: number;
  /** The headers the budget is sent in. Default: `[ctxkitTimeoutCodec]`. */
  deadlineCodecs?: readonly DeadlineCodec[];
  /** The values carried to the next service. Default: none. */
  values?: ValuesHeader;
}

/**
 * axiosConfig returns `config` for a request made under ctx: `signal` set to
 * ctx's signal, `timeout` to the whole milliseconds left until ctx's deadline
 * (or the config's own timeout, if shorter), and the deadline and values
 * headers added (see AxiosContextOptions), replacing any of the same names.
 * It throws cause(ctx) if ctx is done, and DeadlineExceeded if no budget is
 * left after the margin. A signal already in `config` is replaced: to be
 * stopped by it too, make ctx with `withSignal(ctx, signal)`.
 */
export function axiosConfig<C extends AxiosRequestConfig>(ctx: Context, config: C = {} as C, options: AxiosContextOptions = {}): C & AxiosRequestConfig {
  const FN = 'axios.axiosConfig';
  checkContext(FN, 'ctx', ctx);
  checkOptions(FN, 'config', config);
  const { margin, codecs, values } = checkOutgoingOptions(FN, options, [ctxkitTimeoutCodec]);
  const extra = requestHeaders(ctx, margin, codecs, values);
  const headers: Record<string, unknown> = {};
  const replaced = new Set(extra.map(([name]) => name));
  for (const [name, value] of Object.entries((config.headers ?? {}) as Record<string, unknown>)) {
    if (!replaced.has(name.toLowerCase())) headers[name] = value;
  }
  for (const [name, value] of extra) headers[name] = value;
  const out = { ...config, signal: ctx.signal, headers } as C;
  const timeout = clientTimeout(ctx, config.timeout);
  if (timeout !== undefined) out.timeout = timeout;
  return out;
}

/** The codes axios gives a request that ran out of time. */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * axiosError returns the error a request made under ctx should report:
 * cause(ctx) if ctx is done (axios's CanceledError does not carry it);
 * DeadlineExceeded for axios's own timeout when ctx has a deadline (the
 * timeout axiosConfig set from it ran out first); otherwise `error` unchanged.
 */
export function axiosError(ctx: Context, error: unknown): unknown {
  checkContext('axios.axiosError', 'ctx', ctx);
  if (ctx.err() !== undefined) return cause(ctx);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (ctx.deadline() !== undefined && typeof code === 'string' && TIMEOUT_CODES.has(code)) return DeadlineExceeded;
  return error;
}

/**
 * axiosRequest is `instance.request(config)` under ctx, as Go's
 * `http.NewRequestWithContext`: the config from axiosConfig (with a signal of
 * the request's own, aborted when ctx ends, so that many requests in flight
 * under one context add no listener each to ctx's signal), and a rejection
 * with cause(ctx) once ctx is done (nothing is sent if it already is), with
 * DeadlineExceeded for a timeout taken from ctx's deadline, or with axios's
 * own error otherwise.
 */
export async function axiosRequest<T = unknown, C extends AxiosRequestConfig = AxiosRequestConfig>(
  ctx: Context,
  instance: Pick<AxiosInstance, 'request'>,
  config: C,
  options: AxiosContextOptions = {},
): Promise<AxiosResponse<T>> {
  if ((typeof instance !== 'function' && typeof instance !== 'object') || instance === null || typeof instance.request !== 'function') {
    fail('axios.axiosRequest', 'instance', 'an axios instance', instance);
  }
  const request = axiosConfig(ctx, config, options);
  return await sendUnder(ctx, (signal) => instance.request<T>({ ...request, signal }), (error) => axiosError(ctx, error));
}
