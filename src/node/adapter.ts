/**
 * What the Express and Fastify adapters share: their options, and the event
 * they report each answer they decide with.
 */
import { cause, type Context } from '../index.js';
import { ClientDisconnected } from './causes.js';
import type { ErrorStatus } from './status.js';
import { findContext, type NodeRequest, type RequestContextOptions } from './request.js';

/** RequestLogEvent reports an answer an adapter decided: the status, the request, and the error behind it. */
export interface RequestLogEvent {
  /** 400, 503 or 504 as sent; 499 when the client went away and nothing was sent. */
  readonly status: ErrorStatus;
  /** The request, as Node handed it to the server (Fastify: `request.raw`). */
  readonly req: NodeRequest;
  /** The request's context (after `derive`: its values, a request id), or undefined for a 400 answered before it was made. */
  readonly ctx: Context | undefined;
  /** The error: ClientDisconnected for 499, else what the handler threw. */
  readonly error: unknown;
}

/** AdapterOptions configures the Express middleware and the Fastify plugin: the request context's options, and a log hook. */
export interface AdapterOptions extends Omit<RequestContextOptions, 'onDisconnect'> {
  /**
   * Called for each answer the adapter decides (400, 499, 503, 504), as an
   * access log's entry: the only record of a 499, since nothing is sent.
   * Default: nothing for Express; `request.log.info` for Fastify.
   */
  log?: (event: RequestLogEvent) => void;
}

/**
 * disconnectReported tells whether a client gone was reported to `onDisconnect`
 * when it happened: only if that is what ended the request context. A context
 * that ended first (a deadline) has stopped listening, and the adapter reports
 * the 499 when the handler's error reaches it.
 */
export function disconnectReported(req: NodeRequest): boolean {
  const ctx = findContext(req);
  return ctx !== undefined && cause(ctx) === ClientDisconnected;
}
