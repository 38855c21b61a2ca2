/**
 * Running database statements under a context, for ctxkit/pg and ctxkit/mysql:
 * borrowing a connection while the context is live, and guarding the work done
 * on it so that a cancel stops it on the server and can never reach the next
 * statement on that connection (lib/pq#1001).
 *
 * The drivers differ only in how a running statement is stopped (a PostgreSQL
 * cancel request, MySQL's KILL QUERY) and in how a server-side limit is set;
 * both are passed in.
 */
import { afterFunc, cause, type Context } from '../index.js';

/**
 * remainingMs is the time ctx has left for a server-side statement limit, in
 * whole milliseconds rounded up and at least 1 (0 means "no limit" to both
 * PostgreSQL and MySQL); undefined without a deadline.
 */
export function remainingMs(ctx: Context): number | undefined {
  const deadline = ctx.deadline();
  return deadline === undefined ? undefined : Math.max(1, Math.ceil(deadline.getTime() - Date.now()));
}

/**
 * acquire borrows a connection with `get()` unless ctx ends first. It rejects
 * with cause(ctx) as soon as ctx is done; a connection that arrives after that
 * was never used and goes back through `giveBack`.
 */
export function acquire<C>(ctx: Context, get: () => Promise<C>, giveBack: (conn: C) => void): Promise<C> {
  return new Promise<C>((resolve, reject) => {
    const stop = afterFunc(ctx, () => reject(cause(ctx)));
    get().then(
      (conn) => {
        if (stop()) resolve(conn);
        else giveBack(conn);
      },
      (error: unknown) => {
        if (stop()) reject(error);
      },
    );
  });
}

/** How a guarded piece of work ended, once nothing of it can reach the connection any more. */
export interface Settlement {
  /** A cancel was sent because the context ended first. */
  cancelled: boolean;
  /** The cancel could not be confirmed: the connection may still be hit and must be discarded. */
  cancelFailed: boolean;
  /** The work failed, whatever the context did. */
  failed: boolean;
  /** The driver's error when the work failed. */
  error?: unknown;
}

/** A guarded piece of work: its outcome for the caller, and when the connection is free again. */
export interface Guarded<T> {
  /**
   * The caller's outcome: work's value while ctx is live; cause(ctx) as soon
   * as ctx ends (without waiting for the server); otherwise work's error.
   */
  result: Promise<T>;
  /** Resolves (never rejects) once work has settled and any cancel has landed on the server. */
  settled: Promise<Settlement>;
}

/**
 * guard runs `work` on one connection under ctx. When ctx ends before work
 * settles, `cancel()` is called once to stop the statement on the server; it
 * must resolve only once the server has acted on it (after which the cancel
 * can no longer hit a later statement), and reject if that is not known.
 *
 * `endsWithDeadline(error)` tells whether a driver error is the server-side
 * limit derived from ctx's deadline: such an error waits for ctx to be done
 * and becomes cause(ctx), so the caller never sees the driver's version of
 * the deadline.
 */
export function guard<T>(ctx: Context, work: () => Promise<T>, cancel: () => Promise<void>, endsWithDeadline: (error: unknown) => boolean): Guarded<T> {
  let rejectEarly!: (reason: unknown) => void;
  const early = new Promise<never>((_, reject) => (rejectEarly = reject));
  let landed!: (confirmed: boolean) => void;
  const cancelLanded = new Promise<boolean>((resolve) => (landed = resolve));
  const unregister = afterFunc(ctx, () => {
    rejectEarly(cause(ctx));
    cancel().then(
      () => landed(true),
      () => landed(false),
    );
  });
  // true: work settled while ctx was live, so no cancel is ever sent; false: the cancel runs.
  let settledInTime: boolean | undefined;
  const stopCancel = (): boolean => (settledInTime ??= unregister());
  const running = work();
  const outcome = running.then(
    (value) => (stopCancel() ? value : early),
    async (error: unknown) => {
      if (stopCancel()) {
        if (!endsWithDeadline(error)) throw error;
        // The server's limit fired at the deadline: report it as the context does.
        await ctx.done();
      }
      throw cause(ctx);
    },
  );
  const result = Promise.race([early, outcome]);
  result.catch(() => undefined);
  const settled = running.then(
    () => ({ failed: false }),
    (error: unknown) => ({ failed: true, error }),
  ).then(async (end): Promise<Settlement> => {
    if (stopCancel()) return { cancelled: false, cancelFailed: false, ...end };
    return { cancelled: true, cancelFailed: !(await cancelLanded), ...end };
  });
  return { result, settled };
}

/**
 * answer gives the caller the outcome of a statement on a borrowed
 * connection, as the drivers' own pool.query does: after the connection is
 * back in its pool (`returned`), so the caller's next statement finds it idle.
 * When the context ended, the caller does not wait: the connection follows
 * once the cancel has landed.
 */
export async function answer<T>(ctx: Context, result: Promise<T>, returned: Promise<void>): Promise<T> {
  try {
    const value = await result;
    await returned;
    return value;
  } catch (error) {
    if (ctx.err() === undefined) await returned;
    throw error;
  }
}
