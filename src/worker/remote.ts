/**
 * The receiving side: RemoteContext, the Context a worker rebuilds from a
 * descriptor.
 *
 * To the core it is a context not made by ctxkit (a "foreign" one): children
 * made from it with withCancel, withTimeout, … poll its err(), so they see the
 * sender's cancellation in a busy loop too.
 *
 * err() is the fast path: one Atomics.load of the shared state word, and a
 * Date.now() against the deadline. The first err() that finds the context done
 * settles it: it decodes the cause (written before the word, so it is always
 * there), records both, and then, synchronously, aborts the signal and resolves
 * done(). Settling inside err() is what makes cause(ctx), and the cause of
 * every child, the sender's cause from the first moment err() reports done;
 * the price is that abort listeners may run inside an err() call. When nobody
 * polls, the loop settles it: Atomics.waitAsync on the word (or the message,
 * with the message transport) and a timer for the deadline, both armed only
 * once done() or signal is asked for, and neither keeping the thread alive.
 */
import { DeadlineExceeded, type Context, type ContextKey } from '../index.js';
import { describeArgument, describeValue } from './describe.js';
import { unref } from './host.js';
import { DESCRIPTOR_MARK, type ContextDescriptor } from './layout.js';
import { sourceFor, type Source } from './source.js';

/** ReceiveOptions tunes receiveContext. */
export interface ReceiveOptions {
  /**
   * This side's keys for the carried values, as name (given in
   * ShareOptions.values) → key: `value(key)` then finds the value. The names
   * work as keys too.
   */
  readonly keys?: Readonly<Record<string, {}>>;
}

/** The longest delay setTimeout honours; longer ones fire at once. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * RemoteContext is a context shared by another thread, as receiveContext
 * rebuilds it. It is a full Context: err() follows the sender at once, done(),
 * signal and afterFunc once this thread's loop turns (or err() is polled); it
 * expires on its own at the sender's deadline; cause(ctx) is the sender's
 * cause. It cannot be cancelled from this side: derive a child with withCancel
 * for that. `wait()` blocks the thread until it is done.
 */
export class RemoteContext implements Context {
  private readonly _source: Source;
  /** The sender's deadline in epoch ms, if any. */
  private readonly _deadline: number | undefined;
  private readonly _values: Readonly<Record<string, unknown>>;
  /** This side's keys for the carried values → their names. */
  private readonly _keys: Map<unknown, string>;
  /** Canceled or DeadlineExceeded once settled; never changes afterwards. */
  private _err: Error | undefined = undefined;
  /** The cause, set with _err. */
  private _cause: unknown = undefined;
  private _promise: Promise<void> | undefined = undefined;
  /** Resolves _promise; undefined once called, or while no one asked for done(). */
  private _resolve: (() => void) | undefined = undefined;
  private _controller: AbortController | undefined = undefined;
  /** Whether the source and the deadline timer are being watched (from the first done() or signal until settled). */
  private _watching = false;
  private _timer: ReturnType<typeof setTimeout> | undefined = undefined;

  /** Prefer receiveContext, which does the same. */
  constructor(descriptor: ContextDescriptor, options: ReceiveOptions = {}) {
    checkDescriptor(descriptor);
    this._source = sourceFor(descriptor);
    this._deadline = descriptor.deadline;
    this._values = descriptor.values;
    this._keys = new Map(Object.entries(options.keys ?? {}).map(([name, key]) => [key, name]));
  }

  err(): Error | undefined {
    if (this._err === undefined) {
      const outcome = this._source.poll();
      if (outcome !== undefined) this._settle(outcome.err, outcome.cause);
      else if (this._deadline !== undefined && Date.now() >= this._deadline) {
        this._settle(DeadlineExceeded, DeadlineExceeded);
      }
    }
    return this._err;
  }

  done(): Promise<void> {
    if (this._promise === undefined) {
      if (this.err() !== undefined) this._promise = Promise.resolve();
      else {
        this._promise = new Promise<void>((resolve) => (this._resolve = resolve));
        this._watch();
      }
    }
    return this._promise;
  }

  get signal(): AbortSignal {
    if (this._controller === undefined) {
      const done = this.err() !== undefined;
      const controller = new AbortController();
      if (done) controller.abort(this._cause);
      else this._watch();
      this._controller = controller;
    }
    return this._controller.signal;
  }

  deadline(): Date | undefined {
    return this._deadline === undefined ? undefined : new Date(this._deadline);
  }

  value<T>(key: ContextKey<T>): T | undefined;
  value(key: {}): unknown;
  value(key: unknown): unknown {
    const name = this._keys.get(key) ?? (typeof key === 'string' ? key : undefined);
    const carried = name !== undefined && Object.prototype.hasOwnProperty.call(this._values, name);
    return carried ? this._values[name] : undefined;
  }

  throwIfDone(): void {
    if (this.err() !== undefined) throw this._cause;
  }

  /**
   * wait blocks the thread until the context is done or timeoutMs pass
   * (forever if omitted), and returns whether it is done, as .NET's
   * `WaitHandle.WaitOne`. It wakes at the sender's cancellation and at the
   * deadline. It needs the shared-memory transport and a thread that may block
   * (a worker: a browser page's main thread may not).
   */
  wait(timeoutMs?: number): boolean {
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
      throw new TypeError(`ctxkit/worker: wait(timeoutMs) needs a number >= 0, got ${describeArgument(timeoutMs)}`);
    }
    if (!this._source.canBlock) throw new TypeError('ctxkit/worker: wait() needs the shared-memory transport');
    const end = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      if (this.err() !== undefined) return true;
      const until = this._deadline === undefined ? end : Math.min(end, this._deadline);
      const remaining = until - Date.now();
      if (remaining <= 0) return this.err() !== undefined;
      this._source.block(remaining);
    }
  }

  /**
   * "Remote", with the deadline if there is one. The sender's path is not
   * shown: it would show values that were not chosen to cross.
   */
  toString(): string {
    return this._deadline === undefined ? 'Remote' : `Remote(deadline ${new Date(this._deadline).toISOString()})`;
  }

  /** Node's util.inspect and console.log show toString() and the state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const err = this.err();
    return `Context<${this.toString()}>${err === undefined ? '' : ` (${err.message})`}`;
  }

  /** Records the outcome, then tells the observers: signal first, then done(), as the core does. */
  private _settle(err: Error, cause: unknown): void {
    this._err = err;
    this._cause = cause;
    if (this._watching) this._unwatch();
    this._controller?.abort(cause);
    const resolve = this._resolve;
    if (resolve !== undefined) {
      this._resolve = undefined;
      resolve();
    }
  }

  private readonly _poke = (): void => void this.err();

  private _watch(): void {
    if (this._watching) return;
    this._watching = true;
    this._source.watch(this._poke);
    if (this._deadline !== undefined) this._arm();
  }

  private _unwatch(): void {
    this._watching = false;
    this._source.close();
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
  }

  /** Arms the deadline timer; a timer that wakes early (or at the 2^31-1 ms limit) re-arms. */
  private _arm(): void {
    const delay = Math.min(Math.max(this._deadline! - Date.now(), 0), MAX_DELAY);
    this._timer = setTimeout(this._onTimer, delay);
    unref(this._timer);
  }

  private readonly _onTimer = (): void => {
    this._timer = undefined;
    if (this.err() === undefined) this._arm();
  };
}

/**
 * receiveContext turns a descriptor made by shareContext (on another thread)
 * back into a Context: see RemoteContext. options.keys maps the carried
 * values' names to this side's keys.
 */
export function receiveContext(descriptor: ContextDescriptor, options?: ReceiveOptions): RemoteContext {
  return new RemoteContext(descriptor, options);
}

function checkDescriptor(d: unknown): asserts d is ContextDescriptor {
  const c = d as Partial<ContextDescriptor> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    c.ctxkit === DESCRIPTOR_MARK &&
    (isSharedBuffer(c.state) || isObject(c.port) || isObject(c.outcome)) &&
    isObject(c.values) &&
    (c.deadline === undefined || typeof c.deadline === 'number');
  if (!ok) {
    throw new TypeError(`ctxkit/worker.receiveContext: descriptor must be a ContextDescriptor made by shareContext, got ${describeValue(d)}`);
  }
}

function isObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null;
}

function isSharedBuffer(x: unknown): boolean {
  return typeof SharedArrayBuffer === 'function' && x instanceof SharedArrayBuffer;
}
