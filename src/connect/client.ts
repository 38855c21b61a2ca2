/**
 * The client side: a Connect call's deadline, cancellation and values from a
 * context.
 */
import type { CallOptions, ContextValues, Interceptor, StreamResponse } from '@connectrpc/connect';
import { DeadlineExceeded, afterFunc, cause, type Context } from '../index.js';
import { checkContext, checkMs, checkOptionalFunction, checkOptions, fail } from '../internal/check.js';
import { outgoingHeaders } from '../internal/outgoing.js';
import { connectTimeoutCodec, type DeadlineCodec, type ValuesHeader } from '../propagation/index.js';
import { checkCodecs } from '../internal/headers.js';
import { CONTEXT_KEY } from './context-key.js';

/** ConnectClientOptions are the options of callOptions and contextInterceptor. */
export interface ConnectClientOptions {
  /** Milliseconds subtracted from the remaining budget before it is sent. Default: 0. */
  marginMs?: number;
  /**
   * The headers contextInterceptor sends the budget in, for calls whose
   * options carry no `timeoutMs` (the implicit context). Default:
   * `[connectTimeoutCodec]`; `[grpcTimeoutCodec]` for a gRPC or gRPC-web transport.
   */
  deadlineCodecs?: readonly DeadlineCodec[];
  /** The values sent in the call's headers. Default: none. */
  values?: ValuesHeader;
  /**
   * contextInterceptor only: where a call whose options carry no context
   * finds one, such as `implicit.current` of `ctxkit/node` (a call made
   * inside `implicit.run(ctx, …)` then runs under ctx). It returns undefined
   * where there is none, and the call is left as it is. Default: none, so
   * that this module loads no Node built-in and runs in browsers (connect-web).
   */
  current?: () => Context | undefined;
}

/** The context values of a call: the given ones, or a fresh set, holding ctx. */
function withContextValue(ctx: Context, given: ContextValues | undefined): ContextValues {
  const values = given ?? freshValues();
  values.set(CONTEXT_KEY, ctx);
  return values;
}

/** Connect's ContextValues, without loading Connect: a map from key ids, with the key's default when unset. */
function freshValues(): ContextValues {
  const map = new Map<symbol, unknown>();
  return {
    get: (key) => (map.has(key.id) ? map.get(key.id) : key.defaultValue) as never,
    set(key, value) {
      map.set(key.id, value);
      return this;
    },
    delete(key) {
      map.delete(key.id);
      return this;
    },
  };
}

/**
 * callOptions returns Connect call options for a call made under ctx: `base`
 * with `timeoutMs` set to the budget left (less `marginMs`; the earlier of it
 * and base's own), and ctx in the context values for contextInterceptor,
 * which cancels the call when ctx ends and sends its values. Without that
 * interceptor only the deadline crosses. It throws cause(ctx) if ctx is done,
 * and DeadlineExceeded if no budget is left. It never puts ctx's signal in
 * the options: Connect keeps a listener on the signal it is given until that
 * signal aborts, one per call on a long-lived context.
 */
export function callOptions(ctx: Context, base: CallOptions = {}, options: ConnectClientOptions = {}): CallOptions {
  const FN = 'connect.callOptions';
  checkContext(FN, 'ctx', ctx);
  checkOptions(FN, 'base', base);
  const { margin } = checkClientOptions(FN, options);
  if (ctx.err() !== undefined) throw cause(ctx);
  const out: CallOptions = { ...base, contextValues: withContextValue(ctx, base.contextValues) };
  const deadline = ctx.deadline();
  if (deadline !== undefined) {
    const budget = deadline.getTime() - Date.now() - margin;
    if (budget <= 0) throw DeadlineExceeded;
    out.timeoutMs = base.timeoutMs === undefined ? Math.ceil(budget) : Math.min(base.timeoutMs, Math.ceil(budget));
  }
  return out;
}

function checkClientOptions(
  fn: string,
  options: ConnectClientOptions,
): { margin: number; codecs: readonly DeadlineCodec[]; values: ValuesHeader | undefined; current: (() => Context | undefined) | undefined } {
  const o = checkOptions(fn, 'options', options);
  const margin = checkMs(fn, 'options.marginMs', o.marginMs ?? 0);
  const codecs = checkCodecs(fn, 'options.deadlineCodecs', o.deadlineCodecs ?? [connectTimeoutCodec]);
  const values = o.values;
  if (values !== undefined && (typeof values !== 'object' || values === null || typeof values.encode !== 'function')) {
    fail(fn, 'options.values', 'a ValuesHeader', values);
  }
  const current = checkOptionalFunction<() => Context | undefined>(fn, 'options.current', o.current);
  return { margin, codecs, values, current };
}

/**
 * contextInterceptor returns a Connect client interceptor that applies a
 * context to every call of the transport it is given to. A call's context is
 * the one its options carry (see callOptions), else the one `options.current`
 * returns (`implicit.current` of `ctxkit/node` for the implicit context), else
 * the call is left as it is. For a call with a context:
 *
 * - a context already done, or no budget left: the call fails with
 *   cause(ctx) (DeadlineExceeded) before anything is sent;
 * - a call without `timeoutMs` sends the budget in `deadlineCodecs` headers
 *   (with `timeoutMs`, Connect's own header stays);
 * - the values go in the values header;
 * - when the context ends, the call (and a response stream still being read)
 *   is aborted; Connect then rejects with a ConnectError whose `.cause` is
 *   cause(ctx): callError gives it back.
 *
 * Nothing of the call stays on the context once it has ended.
 */
export function contextInterceptor(options: ConnectClientOptions = {}): Interceptor {
  const { margin, codecs, values, current } = checkClientOptions('connect.contextInterceptor', options);
  return (next) => async (req) => {
    const ctx = req.contextValues.get(CONTEXT_KEY) ?? current?.();
    if (ctx === undefined) return await next(req);
    if (ctx.err() !== undefined) throw cause(ctx);
    const extra = outgoingHeaders(ctx, margin, codecs, values);
    if (extra === undefined) throw DeadlineExceeded;
    // A timeout header already there was written from the call's timeoutMs (callOptions): it stays.
    for (const [name, value] of extra) if (!(req.header.has(name) && codecs.some((c) => c.header === name))) req.header.set(name, value);
    // The call's own signal: aborted by Connect's (its timeout) or by ctx's end, released with the call.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(req.signal.reason);
    if (req.signal.aborted) onAbort();
    else req.signal.addEventListener('abort', onAbort, { once: true });
    const stop = afterFunc(ctx, () => controller.abort(cause(ctx)));
    const release = (): void => {
      stop();
      req.signal.removeEventListener('abort', onAbort);
    };
    try {
      const res = await next({ ...req, signal: controller.signal });
      if (!res.stream) {
        release();
        return res;
      }
      return { ...res, message: releasing(res as StreamResponse, ctx, release) } as typeof res;
    } catch (error) {
      release();
      throw ctx.err() === undefined ? error : cause(ctx);
    }
  };
}

/** The response stream, releasing the call once it is read to the end, fails or is left. */
async function* releasing(res: StreamResponse, ctx: Context, release: () => void): AsyncGenerator<unknown> {
  try {
    for await (const message of res.message) yield message;
  } catch (error) {
    throw ctx.err() === undefined ? error : cause(ctx);
  } finally {
    release();
  }
}
