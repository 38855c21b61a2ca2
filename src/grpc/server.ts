/**
 * The server side: a context for every gRPC call, as grpc-go gives every
 * handler one, and handlers that take it as their first parameter.
 */
import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { withCancelCause, withTimeout, type Context } from '../index.js';
import { checkFunction, fail } from '../internal/check.js';
import { nearDeadline } from '../internal/deadline-slack.js';
import { ClientDisconnected, ResponseFinished } from '../web/index.js';
import { checkServerOptions, type RpcServerOptions } from '../internal/rpc.js';
import { statusFor } from './status.js';

/** GrpcServerOptions says what every call's context derives from and within what limit. */
export type GrpcServerOptions = RpcServerOptions;

/** Any server call of grpc-js: each kind has the deadline, the metadata, `cancelled` and the 'cancelled' event. */
export type ServerCall = Pick<ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'metadata' | 'cancelled' | 'on' | 'once' | 'removeListener'>;

/** CallContext is a call's context and the function that ends it once the call is answered. */
export interface CallContext {
  /** The call's context (see callContext). */
  readonly ctx: Context;
  /** Ends ctx with ResponseFinished and stops listening to the call: call it once the call is answered. */
  readonly end: () => void;
}

const FN = 'grpc.callContext';


/**
 * callContext returns the context of one server call of any kind:
 *
 * - a child of `options.parent`, with the deadline the client sent (grpc-js's
 *   reading of `grpc-timeout`), cut to `options.maxTimeoutMs` from now;
 * - cancelled with ClientDisconnected when the client cancels the call or
 *   its stream is reset (grpc-js's 'cancelled' event), unless that happens
 *   within 100 ms of its deadline: then the deadline ended the call (grpc-js's
 *   own timer, or the client's), and ctx reports DeadlineExceeded at it;
 * - holding the values of `options.values` read from the call's metadata.
 *
 * Call `end()` once the call is answered. serviceWithContext does all this for you.
 */
export function callContext(call: ServerCall, options: GrpcServerOptions = {}): CallContext {
  if (typeof call !== 'object' || call === null || typeof call.getDeadline !== 'function' || typeof call.on !== 'function') {
    fail(FN, 'call', 'a grpc-js server call', call);
  }
  const { parent, max, values } = checkServerOptions(FN, options);
  const [base, cancel] = withCancelCause(parent);
  const timeout = remainingMs(call, max);
  let ctx: Context = timeout === undefined ? base : withTimeout(base, timeout)[0];
  if (values !== undefined) ctx = values.decode(ctx, metadataValue(call, values.header));
  const onCancelled = (): void => {
    // grpc-js ends the stream itself at the client's deadline, by a timer that
    // may fire a little before the clock reaches it.
    if (ctx.err() === undefined && !nearDeadline(ctx)) cancel(ClientDisconnected);
  };
  call.once('cancelled', onCancelled);
  if (call.cancelled) onCancelled();
  return {
    ctx,
    end: (): void => {
      call.removeListener('cancelled', onCancelled);
      cancel(ResponseFinished);
    },
  };
}

/** The milliseconds left until the call's deadline, cut to max; undefined for neither. */
function remainingMs(call: ServerCall, max: number | undefined): number | undefined {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const left = typeof at === 'number' && at < Infinity ? Math.max(at - Date.now(), 0) : undefined;
  if (left === undefined) return max;
  return max === undefined ? left : Math.min(left, max);
}

/** One metadata key's string values joined with ", ", as an HTTP header reads, or undefined. */
function metadataValue(call: ServerCall, key: string): string | undefined {
  const values = call.metadata.get(key).filter((v): v is string => typeof v === 'string');
  return values.length === 0 ? undefined : values.join(', ');
}

/** A unary handler: the response, or a rejection. */
export type UnaryHandler<Req = any, Res = any> = (ctx: Context, call: ServerUnaryCall<Req, Res>) => Promise<Res>;
/** A client-streaming handler: reads `call`, then the response. */
export type ClientStreamingHandler<Req = any, Res = any> = (ctx: Context, call: ServerReadableStream<Req, Res>) => Promise<Res>;
/** A server-streaming handler: writes to `call`; the call ends with OK when the promise resolves. */
export type ServerStreamingHandler<Req = any, Res = any> = (ctx: Context, call: ServerWritableStream<Req, Res>) => Promise<void>;
/** A bidirectional handler: reads and writes `call`; the call ends with OK when the promise resolves. */
export type BidiStreamingHandler<Req = any, Res = any> = (ctx: Context, call: ServerDuplexStream<Req, Res>) => Promise<void>;
/** Any handler that takes a call's context first. */
export type ContextHandler = UnaryHandler | ClientStreamingHandler | ServerStreamingHandler | BidiStreamingHandler;

/**
 * serviceWithContext turns handlers that take a context first, as grpc-go's
 * do, into grpc-js's implementation of `service`, for `server.addService`.
 * Each call runs under callContext(call, options), which ends when the call
 * is answered. A handler's rejection is answered with CANCELLED,
 * DEADLINE_EXCEEDED or UNAVAILABLE when it is a context's end (see
 * grpcStatus), and as grpc-js answers any other error otherwise (its `code`
 * and `details`, else UNKNOWN).
 */
export function serviceWithContext(service: ServiceDefinition, handlers: Record<string, ContextHandler>, options: GrpcServerOptions = {}): UntypedServiceImplementation {
  const fn = 'grpc.serviceWithContext';
  if (typeof service !== 'object' || service === null) fail(fn, 'service', 'a grpc-js ServiceDefinition', service);
  if (typeof handlers !== 'object' || handlers === null) fail(fn, 'handlers', 'an object of handlers', handlers);
  checkServerOptions(fn, options);
  const implementation: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const method = service[name];
    if (method === undefined) fail(fn, `handlers.${name}`, `a method of the service`, handler);
    checkFunction(fn, `handlers.${name}`, handler);
    implementation[name] = method.responseStream
      ? (call: ServerWritableStream<unknown, unknown>) => streamCall(handler as ServerStreamingHandler, call, options)
      : (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => answerCall(handler as UnaryHandler, call, callback, options);
  }
  return implementation;
}

/** Unary and client-streaming calls: one answer through the callback. */
function answerCall(handler: UnaryHandler, call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>, options: GrpcServerOptions): void {
  const { ctx, end } = callContext(call as ServerCall, options);
  run(() => handler(ctx, call)).then(
    (response) => {
      callback(null, response);
      end();
    },
    (error: unknown) => {
      callback(statusFor(ctx, error) as Parameters<sendUnaryData<unknown>>[0]);
      end();
    },
  );
}

/** Server-streaming and bidirectional calls: OK when the handler resolves, its error's status when it rejects. */
function streamCall(handler: ServerStreamingHandler, call: ServerWritableStream<unknown, unknown>, options: GrpcServerOptions): void {
  const { ctx, end } = callContext(call as ServerCall, options);
  run(() => handler(ctx, call)).then(
    () => {
      call.end();
      end();
    },
    (error: unknown) => {
      // grpc-js answers a stream's 'error' with that status.
      call.emit('error', statusFor(ctx, error));
      end();
    },
  );
}

/** Calls f, a synchronous throw counting as a rejection. */
async function run<T>(f: () => Promise<T>): Promise<T> {
  return await f();
}
