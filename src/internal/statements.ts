/**
 * Running database statements under a context, for ctxkit/pg and ctxkit/mysql:
 * borrowing a connection while the context is live, and guarding the work done
 * on it so that a cancel stops it on the server and can never reach the next
 * statement on that connection (lib/pq#1001).
 *
 * The drivers differ only in how a statement is sent, how a running one is
 * stopped (a PostgreSQL cancel request, MySQL's KILL QUERY), how the
 * server-side limit is set, and how a connection is given back; a
 * StatementDriver supplies those. One statement is one small state machine
 * driven by the drivers' callbacks (no promise chain per step), so that a
 * statement under a live context costs little more than the bare driver call.
 */
import { afterFunc, cause, type Context } from '../index.js';
// The one core internal read here: whether a context can ever end (Go's `ctx.Done() == nil`),
// asked without observing the context (done() or signal would keep it attached to its parent).
import { BaseContext } from '../base.js';

/**
 * neverEnds tells whether ctx can never be done: background(), todo(), and
 * withValue / withoutCancel contexts over them. A statement under such a
 * context needs no watch, no limit and no cancel: the bare driver call is it.
 * A context not made by this copy of ctxkit may always end.
 */
export function neverEnds(ctx: Context): boolean {
  return ctx instanceof BaseContext && ctx._governor() === null;
}

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

/** How a statement ended, once nothing of it can reach the connection any more. */
export interface Settlement {
  /** A cancel was sent because the context ended first. */
  cancelled: boolean;
  /** The cancel could not be confirmed: the connection may still be hit and must be discarded. */
  cancelFailed: boolean;
  /** The statement failed, whatever the context did. */
  failed: boolean;
  /** The driver's error when the statement failed. */
  error?: unknown;
  /** The server-side limit was changed for the statement (it may need undoing after a cancel). */
  limited: boolean;
}

/** A node-style callback: `(error)` or `(null/undefined, value)`. */
export type Callback<T> = (error: unknown, value?: T) => void;

/**
 * What a driver does for one statement. `P` is its pool, `C` a connection,
 * `J` the statement as the driver sends it, `T` the result.
 */
export interface StatementDriver<P, C, J, T> {
  /** Borrows a connection from pool; calls done once, with it or with the pool's error. */
  borrow(pool: P, done: Callback<C>): void;
  /**
   * Sends job on conn, first lowering the server-side limit to limitMs when it
   * is given (and putting it back after), and calls done once with the
   * outcome. May throw synchronously instead.
   */
  run(conn: C, job: J, limitMs: number | undefined, done: Callback<T>): void;
  /** Stops what conn runs; resolves once the server has acted on it, rejects if that is unknown. */
  cancel(conn: C): Promise<void>;
  /**
   * Makes conn safe for what comes next, once the statement has settled and
   * any cancel has landed: a borrowed one (`pooled`) goes back to its pool or
   * is destroyed if it is in doubt; on a held one, a limit a cancel may have
   * left is undone. Synchronous when no cancel was sent; never throws or rejects.
   */
  finish(conn: C, end: Settlement, pooled: boolean): void | Promise<void>;
  /** Whether a driver error is the server-side limit firing at ctx's deadline. */
  isLimitError(ctx: Context, error: unknown): boolean;
}

/** The settlement of a connection that was borrowed after the context ended, and never used. */
const UNUSED: Settlement = Object.freeze({ cancelled: false, cancelFailed: false, failed: false, limited: false });

const BORROWING = 0;
const RUNNING = 1;
const SETTLED = 2;

/**
 * One statement under a context. The caller's outcome: the driver's value or
 * error while ctx is live; cause(ctx) once ctx has ended (at once on a pool,
 * after the cancel has landed and the statement has ended on a held
 * connection); for the server's limit firing at the deadline, cause(ctx) once
 * ctx is done. The connection is finished (given back) before a live outcome
 * is delivered, as the drivers' own pool.query does, and only once the
 * statement has settled and any cancel has landed otherwise.
 */
class Statement<P, C, J, T> {
  phase = BORROWING;
  conn: C | undefined = undefined;
  limited = false;
  /** Set when ctx ended while the statement ran: whether the cancel landed. */
  cancelling: Promise<boolean> | undefined = undefined;
  readonly stop: () => boolean;

  constructor(
    readonly ctx: Context,
    readonly driver: StatementDriver<P, C, J, T>,
    readonly job: J,
    readonly pooled: boolean,
    readonly resolve: (value: T) => void,
    readonly reject: (reason: unknown) => void,
  ) {
    this.stop = afterFunc(ctx, this.onEnd.bind(this));
  }

  /** A borrowed connection arrived (or the pool failed). */
  onBorrowed(error: unknown, conn?: C): void {
    if (this.ctx.err() !== undefined) {
      // ctx ended while we waited: onEnd rejects; a connection that came anyway goes straight back.
      if (conn !== undefined && conn !== null) void this.driver.finish(conn, UNUSED, true);
      return;
    }
    if (error !== undefined && error !== null) {
      if (this.stop()) this.reject(error);
      return;
    }
    this.start(conn as C);
  }

  /** Sends the statement on conn. */
  start(conn: C): void {
    this.conn = conn;
    this.phase = RUNNING;
    const ms = remainingMs(this.ctx);
    this.limited = ms !== undefined;
    try {
      this.driver.run(conn, this.job, ms, this.onSettled.bind(this));
    } catch (error) {
      this.onSettled(error);
    }
  }

  /** ctx ended: stop the statement on the server if it runs; reject (on a held connection, once it is safe). */
  onEnd(): void {
    if (this.phase === RUNNING) {
      this.cancelling = this.driver.cancel(this.conn as C).then(
        () => true,
        () => false,
      );
      if (!this.pooled) return;
    }
    this.reject(cause(this.ctx));
  }

  /** The statement settled on the server. */
  onSettled(error: unknown, value?: T): void {
    if (this.phase === SETTLED) return;
    this.phase = SETTLED;
    const failed = error !== undefined && error !== null;
    const end: Settlement = { cancelled: false, cancelFailed: false, failed, error, limited: this.limited };
    if (this.cancelling !== undefined) {
      end.cancelled = true;
      void this.afterCancel(end);
      return;
    }
    const live = this.stop();
    // No cancel was sent and none will be (onEnd, if pending, sees SETTLED): the connection is free now.
    void this.driver.finish(this.conn as C, end, this.pooled);
    if (!live) return; // ctx has just ended: its onEnd rejects with cause(ctx).
    if (!failed) this.resolve(value as T);
    else if (this.driver.isLimitError(this.ctx, error)) void this.ctx.done().then(() => this.reject(cause(this.ctx)));
    else this.reject(error);
  }

  /** The cancel is out: the connection is finished once it has landed. */
  async afterCancel(end: Settlement): Promise<void> {
    end.cancelFailed = !(await this.cancelling);
    await this.driver.finish(this.conn as C, end, this.pooled);
    if (!this.pooled) this.reject(cause(this.ctx));
  }
}

/**
 * onPool runs job on a connection borrowed from pool under ctx, which must be
 * live and able to end (see neverEnds). Rejects with cause(ctx) as soon as
 * ctx ends; the connection goes back once nothing of the statement can reach it.
 */
export function onPool<P, C, J, T>(ctx: Context, driver: StatementDriver<P, C, J, T>, pool: P, job: J): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const statement = new Statement(ctx, driver, job, true, resolve, reject);
    try {
      driver.borrow(pool, statement.onBorrowed.bind(statement));
    } catch (error) {
      statement.onBorrowed(error);
    }
  });
}

/**
 * onHeld runs job on a connection the caller holds, under ctx, which must be
 * live and able to end. When ctx ends, it rejects with cause(ctx) only once
 * the cancel has landed and the statement has ended, so the caller's next
 * statement on conn cannot be hit.
 */
export function onHeld<C, J, T>(ctx: Context, driver: StatementDriver<unknown, C, J, T>, conn: C, job: J): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    new Statement(ctx, driver, job, false, resolve, reject).start(conn);
  });
}
