/**
 * The sending side: shareContext turns a context into a descriptor that a
 * worker can receive, and keeps the worker's view in step with it.
 */
import { Canceled, DeadlineExceeded, DeadlineExceededError, afterFunc, cause, isContext, type Context } from '../index.js';
import { describeArgument, describeValue } from './describe.js';
import { sharedMemoryAvailable } from './host.js';
import { CANCELED, DEADLINE, DESCRIPTOR_MARK, type ContextDescriptor, type DoneState } from './layout.js';
import { messageTransport, sharedMemoryTransport, type Transport } from './transport.js';

/** WorkerTransport chooses how a context reaches its workers; see ShareOptions.transport. */
export type WorkerTransport = 'auto' | 'shared-memory' | 'message';

/** ShareOptions tunes shareContext. */
export interface ShareOptions {
  /**
   * Values to carry, as name → key on this side: the worker reads them with
   * `value(name)`, or with its own keys (ReceiveOptions.keys). Each value must
   * be structured-cloneable; values not set on the context are left out.
   * Nothing else crosses: values are opt-in.
   */
  readonly values?: Readonly<Record<string, {}>>;
  /**
   * 'shared-memory' (a SharedArrayBuffer: a worker's busy loop sees cancellation
   * at once), 'message' (a MessagePort: seen when the worker's loop turns), or
   * 'auto' (the default): shared memory where it is available, else messages.
   */
  readonly transport?: WorkerTransport;
  /**
   * The largest encoded cause the shared state will hold, in bytes (default
   * 65536). A larger cause arrives as an UncloneableCauseError saying so.
   */
  readonly maxCauseBytes?: number;
}

const DEFAULT_MAX_CAUSE_BYTES = 65536;

/** Symbol.dispose, or the well-known stand-in where the runtime lacks it. */
const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

/**
 * ContextShare is the sending handle of a shared context. Pass `descriptor` to
 * workers (in `workerData` or `postMessage`, with `transfer` as the transfer
 * list) and release the handle once they are finished with it.
 *
 * While the context is live the handle holds one afterFunc registration on it.
 * It lets go of it when the context is done (after passing the outcome on) or
 * when it is released. Releasing cancels the workers' view of the context with
 * Canceled, as disposing a `[ctx, cancel]` pair does: the sender's context is
 * untouched, but no worker is left running on a context that no one will
 * cancel any more.
 */
export class ContextShare implements Disposable {
  /** What a worker passes to receiveContext: structured-cloneable, opaque. */
  readonly descriptor: ContextDescriptor;
  /**
   * The transfer list to post along with the descriptor: empty with shared
   * memory, the descriptor's port with messages.
   */
  readonly transfer: any[];
  /** The context being forwarded; undefined once its outcome was sent or the handle released. */
  private _ctx: Context | undefined = undefined;
  private _transport: Transport | undefined = undefined;
  /** stop() of the afterFunc registration while there is one. */
  private _stop: (() => boolean) | undefined = undefined;

  /** Prefer shareContext, which checks its arguments first. */
  constructor(
    ctx: Context,
    transport: Transport,
    deadline: number | undefined,
    values: Readonly<Record<string, unknown>>,
  ) {
    const err = ctx.err();
    if (err !== undefined) {
      transport.send(stateFor(err), cause(ctx), err);
    } else {
      this._ctx = ctx;
      this._transport = transport;
      this._stop = afterFunc(ctx, () => this._forward());
    }
    const { fields, transfer } = transport.wire();
    this.descriptor = { ctxkit: DESCRIPTOR_MARK, ...fields, ...(deadline !== undefined ? { deadline } : {}), values };
    this.transfer = transfer;
  }

  /** Whether the handle still holds its registration on the context. */
  get active(): boolean {
    return this._stop !== undefined;
  }

  /**
   * release lets go of the context. If it is still live, the workers' view is
   * cancelled with Canceled; once it is done, release does nothing (the
   * outcome is sent anyway). Calling it again does nothing.
   */
  release(): void {
    const stop = this._stop;
    if (stop === undefined) return;
    this._stop = undefined;
    // stop() is false when the context is already done: then _forward is queued and sends the real outcome.
    if (!stop()) return;
    const transport = this._transport!;
    this._ctx = this._transport = undefined;
    transport.send(CANCELED, Canceled, Canceled);
  }

  /** [Symbol.dispose] is release(), so that `using share = shareContext(ctx)` releases at the end of the block. */
  declare [Symbol.dispose]: () => void;

  private _forward(): void {
    const ctx = this._ctx;
    const transport = this._transport;
    this._ctx = this._transport = this._stop = undefined;
    const err = ctx!.err()!;
    transport!.send(stateFor(err), cause(ctx!), err);
  }
}

(ContextShare.prototype as unknown as Record<symbol, () => void>)[DISPOSE] = ContextShare.prototype.release;

/**
 * shareContext returns a handle whose descriptor carries ctx into worker
 * threads: its cancellation, cause and deadline, and the values named in
 * options.values. In a worker, receiveContext turns the descriptor back into a
 * Context. A context that is already done arrives done.
 *
 * With shared memory, one descriptor serves any number of workers; with the
 * message transport, share once per worker. Cancellation flows one way, from
 * this side to the workers.
 */
export function shareContext(ctx: Context, options: ShareOptions = {}): ContextShare {
  if (!isContext(ctx)) throw new TypeError(`ctxkit/worker.shareContext: ctx must be a Context, got ${describeValue(ctx)}`);
  const values = carriedValues(ctx, options.values ?? {});
  const transport = openTransport(options.transport ?? 'auto', maxCauseBytes(options.maxCauseBytes));
  const d = ctx.deadline()?.getTime();
  return new ContextShare(ctx, transport, d === undefined || Number.isNaN(d) ? undefined : d, values);
}

function stateFor(err: Error): DoneState {
  return err === DeadlineExceeded || err instanceof DeadlineExceededError ? DEADLINE : CANCELED;
}

/** The values to carry, by name; each is checked to be cloneable now rather than when it is posted. */
function carriedValues(ctx: Context, keys: Readonly<Record<string, {}>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(keys)) {
    const v = ctx.value(key);
    if (v === undefined) continue;
    try {
      structuredClone(v);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new TypeError(`ctxkit/worker.shareContext: the value "${name}" (${describeValue(v)}) cannot be cloned to a worker: ${why}`);
    }
    Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function openTransport(kind: WorkerTransport, maxCause: number): Transport {
  if (kind === 'shared-memory' || (kind === 'auto' && sharedMemoryAvailable())) {
    if (!sharedMemoryAvailable()) {
      throw new TypeError('ctxkit/worker.shareContext: shared memory is unavailable here (a page must be cross-origin isolated to use SharedArrayBuffer)');
    }
    return sharedMemoryTransport(maxCause);
  }
  if (kind !== 'auto' && kind !== 'message') {
    throw new TypeError(`ctxkit/worker.shareContext: options.transport must be 'auto', 'shared-memory' or 'message', got ${describeArgument(kind)}`);
  }
  const t = messageTransport();
  if (t === undefined) throw new TypeError('ctxkit/worker.shareContext: this host has neither SharedArrayBuffer nor MessageChannel');
  return t;
}

function maxCauseBytes(n: number | undefined): number {
  if (n === undefined) return DEFAULT_MAX_CAUSE_BYTES;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`ctxkit/worker.shareContext: options.maxCauseBytes must be a non-negative integer, got ${describeArgument(n)}`);
  }
  return n;
}
