/**
 * The server side: a context for every Connect call, from its deadline
 * header, its signal and the server's lifetime.
 */
import type { ConnectError, HandlerContext, Interceptor, StreamResponse } from '@connectrpc/connect';
import { withCancelCause, type Context } from '../index.js';
import { checkFunction, fail } from '../internal/check.js';
import { nearDeadline } from '../internal/deadline-slack.js';
import { checkServerOptions, contextCode, type RpcServerOptions } from '../internal/rpc.js';
import { ClientDisconnected, ResponseFinished } from '../web/index.js';
import { connectTimeoutCodec, grpcTimeoutCodec, incomingDeadline } from '../propagation/index.js';
import { CONTEXT_KEY } from './context-key.js';

/** ConnectServerOptions says what every call's context derives from and within what limit (as ctxkit/grpc's). */
export type ConnectServerOptions = RpcServerOptions;

/** The parts of `@connectrpc/connect` serverInterceptor uses: pass the module itself. */
export interface ConnectModule {
  readonly ConnectError: typeof ConnectError;
}

/**
 * serverInterceptor returns a Connect interceptor for the server side
 * (`connectNodeAdapter({ routes, interceptors: [serverInterceptor(connect)] })`)
 * that gives every call a context, read in the handler with contextOf:
 *
 * - a child of `options.parent` with the caller's deadline
 *   (`connect-timeout-ms` or `grpc-timeout`, read strictly by
 *   incomingDeadline), cut to `options.maxTimeoutMs`;
 * - cancelled with ClientDisconnected when the call's signal aborts more
 *   than 100 ms before its deadline (the client went away; nearer to it,
 *   the deadline ended the call and ctx reports DeadlineExceeded at it);
 *   with ResponseFinished once the answer (the whole response stream) is sent;
 * - holding the values of `options.values`.
 *
 * A handler's error that is a context's end (see grpcStatus) is answered
 * with Canceled, DeadlineExceeded or Unavailable.
 */
export function serverInterceptor(connect: ConnectModule, options: ConnectServerOptions = {}): Interceptor {
  const FN = 'connect.serverInterceptor';
  if (typeof connect !== 'object' || connect === null) fail(FN, 'connect', 'the @connectrpc/connect module', connect);
  const ConnectErrorClass = checkFunction<typeof ConnectError>(FN, 'connect.ConnectError', connect.ConnectError);
  const { parent, max, values } = checkServerOptions(FN, options);
  const answer = (ctx: Context, error: unknown): unknown => {
    const code = contextCode(ctx, error);
    return code === undefined ? error : new ConnectErrorClass(error instanceof Error ? error.message : String(error), code as number, undefined, undefined, error);
  };
  return (next) => async (req) => {
    const [base, cancel] = withCancelCause(parent);
    let ctx = incomingDeadline(base, req.header, { codecs: [connectTimeoutCodec, grpcTimeoutCodec], maxTimeoutMs: max }).ctx;
    if (values !== undefined) ctx = values.extract(ctx, req.header);
    const onAbort = (): void => {
      // Connect aborts the signal at the caller's deadline too, by its own timer.
      if (ctx.err() === undefined && !nearDeadline(ctx)) cancel(ClientDisconnected);
    };
    if (req.signal.aborted) onAbort();
    else req.signal.addEventListener('abort', onAbort, { once: true });
    const end = (): void => {
      req.signal.removeEventListener('abort', onAbort);
      cancel(ResponseFinished);
    };
    req.contextValues.set(CONTEXT_KEY, ctx);
    try {
      const res = await next(req);
      if (!res.stream) {
        end();
        return res;
      }
      return { ...res, message: answering(res as StreamResponse, ctx, end, answer) } as typeof res;
    } catch (error) {
      const err = answer(ctx, error);
      end();
      throw err;
    }
  };
}

/** The response stream, ending the call's context once it is sent, its errors answered as `answer` says. */
async function* answering(res: StreamResponse, ctx: Context, end: () => void, answer: (ctx: Context, e: unknown) => unknown): AsyncGenerator<unknown> {
  try {
    for await (const message of res.message) yield message;
  } catch (error) {
    throw answer(ctx, error);
  } finally {
    end();
  }
}

/**
 * contextOf returns the context serverInterceptor made for the call whose
 * handler context is `hctx`. It throws a TypeError if the interceptor is not
 * installed on the router.
 */
export function contextOf(hctx: HandlerContext): Context {
  const ctx = hctx?.values?.get(CONTEXT_KEY);
  if (ctx === undefined) fail('connect.contextOf', 'hctx', 'the HandlerContext of a call through serverInterceptor', hctx);
  return ctx;
}
