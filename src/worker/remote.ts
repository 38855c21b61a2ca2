/**
 * The receiving side: RemoteContext, the Context a worker rebuilds from a
 * descriptor, and encodeFailure, what the worker posts back when its work
 * fails.
 *
 * To the core a RemoteContext is a context not made by ctxkit (a "foreign"
 * one): children made from it with withCancel, withTimeout, … poll its err(),
 * so they see the sender's cancellation in a busy loop too.
 *
 * err() is the fast path, and the reason this is a class of its own rather
 * than a core context: one Atomics.load of the shared state word (through the
 * transport's Source), and a Date.now() against the deadline. A core context
 * made over a polled foreign parent costs three times as much per err() (see
 * docs/workers.md, Figures), and would still need this object underneath as
 * the foreign parent it polls. The first err() that finds the context done
 * settles it: it decodes the cause (written before the word, so it is always
 * there), records both, and then, synchronously, cancels the core context that
 * carries done() and signal. Settling inside err() is what makes cause(ctx),
 * and the cause of every child, the sender's cause from the first moment err()
 * reports done; the price is that abort listeners may run inside an err() call.
 * When nobody polls, the loop settles it: the Source's watch (Atomics.waitAsync
 * on the word, or the message) and a timer for the deadline, both armed only
 * once done() or signal is asked for, and neither keeping the thread alive.
 */
import {
  DeadlineExceeded,
  background,
  cause,
  withCancelCause,
  type CancelCauseFunc,
  type Context,
  type ContextKey,
} from '../index.js';
import { fail } from '../internal/check.js';
import { timerDelay, unref } from '../internal/host.js';
import { encodeCause } from './causes.js';
import { messageSource } from './message.js';
import { DESCRIPTOR_MARK, FAILURE_MARK, LIVE, stateFor, type ContextDescriptor, type Source, type WorkerFailure } from './protocol.js';
import { sharedMemorySource } from './shared-memory.js';

/** ReceiveOptions tunes receiveContext. */
export interface ReceiveOptions {
  /**
   * This side's keys for the carried values, as name (given in
   * ShareOptions.values) → key: `value(key)` then finds the value. The names
   * work as keys too.
   */
  readonly keys?: Readonly<Record<string, {}>>;
}

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
  /**
   * The core context that carries done() and signal (and so afterFunc and
   * children), with its cancel function: made on the first done() or signal,
   * cancelled with the cause when settled. Until it exists, nothing is watched.
   */
  private _observed: [Context, CancelCauseFunc] | undefined = undefined;
  private _timer: ReturnType<typeof setTimeout> | undefined = undefined;

  /** Prefer receiveContext, which does the same. */
  constructor(descriptor: ContextDescriptor, options: ReceiveOptions = {}) {
    checkDescriptor(descriptor);
    this._source = descriptor.state !== undefined ? sharedMemorySource(descriptor.state) : messageSource(descriptor);
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
    return this._observers().done();
  }

  get signal(): AbortSignal {
    return this._observers().signal;
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
      fail('RemoteContext.wait', 'timeoutMs', 'a number of milliseconds >= 0, or undefined', timeoutMs);
    }
    const block = this._source.block;
    if (block === undefined) throw new TypeError('ctxkit.RemoteContext.wait: needs the shared-memory transport (this context came over messages)');
    const end = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      if (this.err() !== undefined) return true;
      const until = this._deadline === undefined ? end : Math.min(end, this._deadline);
      const remaining = until - Date.now();
      if (remaining <= 0) return this.err() !== undefined;
      block(remaining);
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

  /** The core context for done() and signal; made, and the outcome watched, on first use. */
  private _observers(): Context {
    if (this._observed === undefined) {
      const pair = withCancelCause(background());
      this._observed = [pair[0], pair[1]];
      if (this.err() !== undefined) pair[1](this._cause);
      else this._watch();
    }
    return this._observed[0];
  }

  /** Records the outcome, then tells the observers (the core orders them: signal first, then done()). */
  private _settle(err: Error, cause: unknown): void {
    this._err = err;
    this._cause = cause;
    if (this._observed === undefined) return;
    this._source.close();
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
    this._observed[1](cause);
  }

  private _watch(): void {
    this._source.watch(() => void this.err());
    if (this._deadline !== undefined) this._arm();
  }

  /** Arms the deadline timer; a timer that wakes early (or at the 2^31-1 ms limit) re-arms. */
  private _arm(): void {
    this._timer = setTimeout(this._onTimer, timerDelay(this._deadline! - Date.now()));
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

/** How deep encodeFailure looks along an error's `cause` chain for the context's end. */
const MAX_CHAIN = 32;

/**
 * encodeFailure makes what a worker posts back when its work under ctx (a
 * RemoteContext) failed with error: a plain, structured-cloneable report for
 * ContextShare.decodeFailure on the sending side. If ctx is done and error is
 * its end — its cause or err(), or an error whose `cause` chain holds one, as
 * Go's errors.Is would find it — the report says only how ctx ended, so that
 * the sender rejects with its own cause(ctx). Any other error is encoded as a
 * cause is (name, message, stack, cause chain, own properties such as `code`).
 */
export function encodeFailure(ctx: RemoteContext, error: unknown): WorkerFailure {
  if (!(ctx instanceof RemoteContext)) fail('encodeFailure', 'ctx', 'a RemoteContext (from receiveContext)', ctx);
  const err = ctx.err();
  if (err !== undefined && isEnd(error, err, cause(ctx))) return { ctxkit: FAILURE_MARK, ended: stateFor(err) };
  return { ctxkit: FAILURE_MARK, ended: LIVE, error: encodeCause(error) };
}

/** Whether e, or an error along its cause chain, is err or cause. */
function isEnd(e: unknown, err: Error, why: unknown): boolean {
  for (let i = 0; i < MAX_CHAIN; i++) {
    if (e === err || e === why) return true;
    if (!(e instanceof Error) || !('cause' in e)) return false;
    e = e.cause;
  }
  return false;
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
  if (!ok) fail('receiveContext', 'descriptor', 'a ContextDescriptor made by shareContext', d);
}

function isObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null;
}

function isSharedBuffer(x: unknown): boolean {
  return typeof SharedArrayBuffer === 'function' && x instanceof SharedArrayBuffer;
}
