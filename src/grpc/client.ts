/**
 * The client side: a call's deadline, cancellation and values from a context,
 * as grpc-go's client turns `ctx` into `grpc-timeout` and cancels the stream.
 */
import type * as grpc from '@grpc/grpc-js';
import { DeadlineExceeded, afterFunc, cause, type Context } from '../index.js';
import { checkContext, checkFunction, checkMs, checkOptions, fail, isContext } from '../internal/check.js';
import { implicit } from '../node/index.js';
import type { ValuesHeader } from '../propagation/index.js';
import { callError, GrpcCode } from '../internal/rpc.js';

/** Where callOptions puts the call's context for contextInterceptor. */
const CONTEXT = Symbol('ctxkit.grpc.context');

/**
 * The longest budget sent in `grpc-timeout`, in milliseconds. A grpc-js
 * server (1.14) reads the header into a 32-bit integer of milliseconds: any
 * budget from 2^31 ms (about 24.8 days) on wraps, and the call fails at once
 * with DEADLINE_EXCEEDED. grpc-js clients send budgets from 10^8 ms on in
 * whole seconds, rounded up, so the limit is 2^31-1 ms rounded down to a
 * second. A longer budget is not sent at all (see callDeadline).
 */
export const MAX_SENT_BUDGET_MS = Math.floor((2 ** 31 - 1) / 1000) * 1000;

/** GrpcClientOptions are the options of callOptions and contextInterceptor. */
export interface GrpcClientOptions {
  /**
   * Milliseconds subtracted from the remaining budget before it is sent, for
   * the time the call takes to arrive and the answer to come back. Default: 0.
   */
  marginMs?: number;
  /** The values sent in the call's metadata (the header name is the metadata key). Default: none. */
  values?: ValuesHeader;
}

/** CallOptions carrying a context, made by callOptions. */
export type ContextCallOptions = grpc.CallOptions & { readonly [CONTEXT]?: Context };

/**
 * callOptions returns grpc-js call options for a call made under ctx: `base`
 * (any other call options) with the deadline of the call (see callDeadline),
 * and ctx itself for contextInterceptor, which cancels the call when ctx
 * ends and sends its values. Without that interceptor on the client, only the
 * deadline crosses; unaryCall cancels a unary call in any case.
 */
export function callOptions(ctx: Context, base: grpc.CallOptions = {}, options: GrpcClientOptions = {}): ContextCallOptions {
  const FN = 'grpc.callOptions';
  checkContext(FN, 'ctx', ctx);
  checkOptions(FN, 'base', base);
  const margin = checkClientOptions(FN, options).margin;
  const deadline = callDeadline(ctx, margin, base.deadline);
  const out: ContextCallOptions & Record<symbol, unknown> = { ...base, [CONTEXT]: ctx };
  if (deadline === undefined) delete out.deadline;
  else out.deadline = deadline;
  return out;
}

/**
 * callDeadline returns the deadline to give grpc-js for a call under ctx, in
 * epoch milliseconds: the earlier of ctx's deadline minus `marginMs` and
 * `given` (a deadline already in the call options). It returns 0 (a deadline
 * already passed, so the call fails at once with DEADLINE_EXCEEDED) when no
 * budget is left, and undefined, so that no deadline is sent, when there is
 * none or it lies more than MAX_SENT_BUDGET_MS away: such a call is still
 * cancelled when ctx ends, by the client.
 */
function callDeadline(ctx: Context, marginMs: number, given: grpc.Deadline | undefined): number | undefined {
  const own = ctx.deadline();
  let at = own === undefined ? Infinity : own.getTime() - marginMs;
  const other = given instanceof Date ? given.getTime() : given;
  if (typeof other === 'number' && other < at) at = other;
  if (!(at < Infinity)) return undefined;
  const budget = at - Date.now();
  if (budget <= 0) return 0;
  return budget > MAX_SENT_BUDGET_MS ? undefined : at;
}

function checkClientOptions(fn: string, options: GrpcClientOptions): { margin: number; values: ValuesHeader | undefined } {
  const o = checkOptions(fn, 'options', options);
  const margin = checkMs(fn, 'options.marginMs', o.marginMs ?? 0);
  const values = o.values;
  if (values !== undefined && (typeof values !== 'object' || values === null || typeof values.encode !== 'function')) {
    fail(fn, 'options.values', 'a ValuesHeader', values);
  }
  return { margin, values };
}

/** The parts of the grpc-js module contextInterceptor uses: pass the module itself (`import * as grpc from '@grpc/grpc-js'`). */
export type GrpcModule = Pick<typeof grpc, 'InterceptingCall'>;

/**
 * contextInterceptor returns a grpc-js client interceptor that applies a
 * context to every call of the client it is given to (`new Client(address,
 * credentials, { interceptors: [contextInterceptor(grpc)] })`). A call's
 * context is the one its options carry (see callOptions), else the implicit
 * context of `ctxkit/node` (`implicit.run`), else there is none and the call
 * is left as it is. For a call with a context:
 *
 * - the deadline sent is the earlier of the context's (minus `marginMs`) and
 *   the call's own, never one that would wrap (see callDeadline);
 * - a context already done cancels the call before anything is sent;
 * - when the context ends, the call is cancelled (RST_STREAM), with status
 *   DEADLINE_EXCEEDED or CANCELLED; turn the error into cause(ctx) with
 *   callError (unaryCall does);
 * - `values` are sent in the call's metadata.
 *
 * Nothing of the call stays registered on the context once it has ended.
 */
export function contextInterceptor(grpcModule: GrpcModule, options: GrpcClientOptions = {}): grpc.Interceptor {
  const FN = 'grpc.contextInterceptor';
  if (typeof grpcModule !== 'object' || grpcModule === null) fail(FN, 'grpcModule', 'the @grpc/grpc-js module', grpcModule);
  const InterceptingCall = checkFunction<typeof grpc.InterceptingCall>(FN, 'grpcModule.InterceptingCall', grpcModule.InterceptingCall);
  const { margin, values } = checkClientOptions(FN, options);
  return (callOpts, nextCall) => {
    const carried = (callOpts as ContextCallOptions)[CONTEXT];
    const ctx = isContext(carried) ? carried : implicit.current();
    if (ctx === undefined) return new InterceptingCall(nextCall(callOpts));
    const deadline = callDeadline(ctx, margin, callOpts.deadline);
    const next = { ...callOpts };
    if (deadline === undefined) delete next.deadline;
    else next.deadline = deadline;
    let stop: (() => boolean) | undefined;
    const call: grpc.InterceptingCall = new InterceptingCall(nextCall(next), {
      start(metadata, _listener, start) {
        const carriedValues = values?.encode(ctx);
        if (carriedValues !== undefined) metadata.set(values!.header, carriedValues);
        start(metadata, {
          onReceiveStatus(status, receive) {
            stop?.();
            receive(status);
          },
        });
        if (ctx.err() !== undefined) cancelFor(call, ctx);
        else stop = afterFunc(ctx, () => cancelFor(call, ctx));
      },
    });
    return call;
  };
}

/** Cancels call with the status that ctx's end stands for. */
function cancelFor(call: Pick<grpc.InterceptingCall, 'cancelWithStatus'>, ctx: Context): void {
  const deadline = ctx.err() === DeadlineExceeded;
  call.cancelWithStatus(deadline ? GrpcCode.DEADLINE_EXCEEDED : GrpcCode.CANCELLED, deadline ? 'context deadline exceeded' : 'context canceled');
}

/** A grpc-js unary call's callback. */
export type UnaryCallback<Res> = (error: grpc.ServiceError | null, response?: Res) => void;

/**
 * unaryCall makes a unary call under ctx, as Go's `client.Method(ctx, req)`:
 * `await unaryCall(ctx, (options, done) => client.sayHello(req, options, done))`.
 * `invoke` gets call options from callOptions(ctx, {}, options) and the
 * callback to pass on, and returns grpc-js's call.
 *
 * - ctx already done: rejects with cause(ctx); invoke is not called.
 * - no budget left after the margin: rejects with DeadlineExceeded (cause(ctx)
 *   if ctx is done by then); invoke is not called.
 * - ctx ends before the answer: the call is cancelled and the promise
 *   rejects with cause(ctx).
 * - otherwise: the response, or grpc-js's error as callError gives it.
 */
export async function unaryCall<Res>(
  ctx: Context,
  invoke: (options: ContextCallOptions, callback: UnaryCallback<Res>) => Pick<grpc.ClientUnaryCall, 'cancel'>,
  options: GrpcClientOptions = {},
): Promise<Res> {
  const FN = 'grpc.unaryCall';
  checkContext(FN, 'ctx', ctx);
  checkFunction(FN, 'invoke', invoke);
  const opts = callOptions(ctx, {}, options);
  if (ctx.err() !== undefined) throw cause(ctx);
  if (opts.deadline === 0) throw ctx.err() === undefined ? DeadlineExceeded : cause(ctx);
  let stop: (() => boolean) | undefined;
  try {
    return await new Promise<Res>((resolve, reject) => {
      const call = invoke(opts, (error, response) => (error ? reject(error) : resolve(response as Res)));
      stop = afterFunc(ctx, () => call.cancel());
    });
  } catch (error) {
    throw callError(ctx, error);
  } finally {
    stop?.();
  }
}
