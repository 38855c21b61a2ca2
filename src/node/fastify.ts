/**
 * The Fastify 5 adapter: a plugin that gives every request its context as
 * `request.ctx` and answers the context's errors. Fastify is only a type
 * here: nothing in this module loads it (the plugin marks itself as
 * fastify-plugin does, without the package).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { DeadlineExceeded, type Context } from '../index.js';
import { MalformedDeadlineError } from '../propagation/index.js';
import { disconnectReported, type AdapterOptions, type RequestLogEvent } from './adapter.js';
import { ClientDisconnected, ServerShutdown } from './causes.js';
import { checkOptionalFunction } from '../internal/check.js';
import { findContext, fromRequest } from './request.js';
import { abandonResponse, errorStatus, type ErrorStatus } from './status.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's context, made by ctxkit's `fastifyAdapter` plugin (see `fromRequest`). */
    ctx: Context;
  }
}

/** FastifyAdapterOptions configures `fastifyAdapter`. */
export interface FastifyAdapterOptions extends AdapterOptions {
  /**
   * Whether the plugin sets an error handler that answers the context's errors
   * (504, 503, nothing for a client gone) and rethrows the others to the
   * handler before it. Pass false when you set your own handler in the same
   * scope, and call `errorStatus` in it. Default: true.
   */
  errorHandler?: boolean;
}

/**
 * The message of an answer: the malformed header's (which names the header,
 * never its value), else what the context reports; never the text of an
 * arbitrary error that wrapped it.
 */
function messageFor(status: ErrorStatus, error: unknown): string {
  if (status === 400 && error instanceof Error) return error.message;
  return status === 503 ? ServerShutdown.message : DeadlineExceeded.message;
}

/** The default log: a 499 through the request's logger, as Fastify logs its own answers. */
function fastifyLog(request: FastifyRequest): (event: RequestLogEvent) => void {
  return (event) => {
    if (event.status === 499) request.log.info({ res: { statusCode: 499 } }, 'client closed request');
  };
}

function plugin(fastify: FastifyInstance, options: FastifyAdapterOptions, done: (err?: Error) => void): void {
  const log = checkOptionalFunction<(event: RequestLogEvent) => void>('fastifyAdapter', 'options.log', options.log);
  const report = (status: ErrorStatus, request: FastifyRequest, error: unknown): void =>
    (log ?? fastifyLog(request))({ status, req: request.raw, ctx: findContext(request.raw), error });

  const answer = (status: ErrorStatus, error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    report(status, request, error);
    if (reply.raw.headersSent) {
      // A response already under way cannot change its status: cut it short.
      reply.hijack();
      abandonResponse(error, request.raw, reply.raw);
    } else {
      reply.code(status).send({ statusCode: status, error: STATUS_CODES[status], message: messageFor(status, error) });
    }
  };

  if (!fastify.hasRequestDecorator('ctx')) fastify.decorateRequest('ctx', null as unknown as Context);
  fastify.addHook('onRequest', (request, reply, next) => {
    try {
      [request.ctx] = fromRequest(request.raw, reply.raw, { ...options, onDisconnect: () => report(499, request, ClientDisconnected) });
    } catch (error) {
      if (error instanceof MalformedDeadlineError) answer(400, error, request, reply);
      else next(error as Error);
      return;
    }
    next();
  });
  if (options.errorHandler !== false) {
    fastify.setErrorHandler((error, request, reply) => {
      const status = errorStatus(error, request.raw, reply.raw);
      // Thrown, an error goes on to the error handler set before this one.
      if (status === undefined) throw error;
      // A client gone gets nothing; its disconnect was reported when it
      // happened, unless the context had ended before (a deadline).
      if (status === 499) {
        reply.hijack();
        if (!disconnectReported(request.raw)) report(499, request, ClientDisconnected);
      } else answer(status, error, request, reply);
    });
  }
  done();
}

/**
 * fastifyAdapter is the Fastify plugin: every request gets its context as
 * `request.ctx` (and `contextOf(request.raw)`), with the request context
 * options; a malformed deadline header is answered with 400; the error
 * handler answers a passed deadline with 504, a shutdown with 503, and a
 * client gone with nothing at all (logged as 499). Register it on the root
 * instance: it is not encapsulated.
 */
export const fastifyAdapter: FastifyPluginCallback<FastifyAdapterOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'ctxkit',
});
