/**
 * shutdownServer: grpc-go's GracefulStop followed by Stop, with the step in
 * between (cancelling what still runs) built in.
 */
import type { Server } from '@grpc/grpc-js';
import type { CancelCauseFunc } from '../index.js';
import { checkMs, checkOptionalFunction, fail } from '../internal/check.js';
import { ServerShutdown } from '../web/index.js';

/** GrpcShutdownOptions says how long calls get, and which context to cancel when that runs out. */
export interface GrpcShutdownOptions {
  /** How long calls in flight may run on, in milliseconds, before their contexts are cancelled. Default: 10 000. */
  graceMs?: number;
  /** How long handlers get after that to answer UNAVAILABLE before the server stops outright, in milliseconds. Default: 1 000. */
  cancelGraceMs?: number;
  /**
   * The cancel function of the server-lifetime context (the `parent` given to
   * serviceWithContext): called with ServerShutdown when the grace period
   * runs out, which ends every call's context with that cause, so handlers
   * answer UNAVAILABLE. Default: none.
   */
  cancel?: CancelCauseFunc;
}

/**
 * shutdownServer stops `server` accepting calls and lets the calls in flight
 * finish (grpc-js's tryShutdown). If some still run after `graceMs`, it
 * cancels the server-lifetime context with ServerShutdown, and after
 * `cancelGraceMs` more stops the server outright (forceShutdown, which resets
 * the streams left). It resolves "drained" if every call finished in the grace
 * period, "cancelled" if not. It cancels the lifetime context in any case
 * once the server has stopped, as the server's life is over.
 */
export function shutdownServer(server: Server, options: GrpcShutdownOptions = {}): Promise<'drained' | 'cancelled'> {
  const FN = 'grpc.shutdownServer';
  if (typeof server !== 'object' || server === null || typeof server.tryShutdown !== 'function') fail(FN, 'server', 'a grpc-js Server', server);
  const graceMs = checkMs(FN, 'options.graceMs', options.graceMs ?? 10_000);
  const cancelGraceMs = checkMs(FN, 'options.cancelGraceMs', options.cancelGraceMs ?? 1_000);
  const cancel = checkOptionalFunction<CancelCauseFunc>(FN, 'options.cancel', options.cancel);
  return new Promise((resolve) => {
    let outcome: 'drained' | 'cancelled' = 'drained';
    let forceTimer: ReturnType<typeof setTimeout> | undefined;
    const graceTimer = setTimeout(() => {
      outcome = 'cancelled';
      cancel?.(ServerShutdown);
      forceTimer = setTimeout(() => server.forceShutdown(), cancelGraceMs);
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(graceTimer);
      clearTimeout(forceTimer);
      cancel?.(ServerShutdown);
      resolve(outcome);
    });
  });
}
