/**
 * The sending side: shareContext turns a context into a descriptor that a
 * worker can receive, keeps the worker's view in step with it, and maps a
 * worker's failure back to the context's own cause (decodeFailure).
 */
import { Canceled, DeadlineExceeded, afterFunc, cause, type Context } from '../index.js';
import { checkContext, checkOptions, fail } from '../internal/check.js';
import { DISPOSE } from '../internal/dispose.js';
import { decodeCause } from './causes.js';
import { messageTransport } from './message.js';
import {
  CANCELED,
  DEADLINE,
  DESCRIPTOR_MARK,
  FAILURE_MARK,
  LIVE,
  stateFor,
  type ContextDescriptor,
  type Transport,
  type WorkerFailure,
} from './protocol.js';
import { sharedMemoryAvailable, sharedMemoryTransport } from './shared-memory.js';

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
  /** The shared context, for decodeFailure. */
  private readonly _ctx: Context;
  /** Where the outcome goes; undefined once it was sent or the handle released. */
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
    this._ctx = ctx;
    const err = ctx.err();
    if (err !== undefined) {
      transport.send(stateFor(err), cause(ctx), err);
    } else {
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
    this._transport = undefined;
    transport.send(CANCELED, Canceled, Canceled);
  }

  /** [Symbol.dispose] is release(), so that `using share = shareContext(ctx)` releases at the end of the block. */
  declare [Symbol.dispose]: () => void;

  /**
   * decodeFailure turns what a worker posted with encodeFailure into the error
   * to reject with. If the work failed because the shared context ended, that
   * is exactly `cause(ctx)` of the context shared here (so DeadlineExceeded
   * stays DeadlineExceeded, and a shutdown cause the same object); if the
   * worker saw the end before this side did (it noticed the deadline first, or
   * the share was released), DeadlineExceeded or Canceled. Any other failure
   * is the worker's error, rebuilt as causes are.
   */
  decodeFailure(failure: WorkerFailure): unknown {
    const f = failure as Partial<WorkerFailure> | null;
    const ended = typeof f === 'object' && f !== null && f.ctxkit === FAILURE_MARK ? f.ended : undefined;
    if (ended === LIVE && typeof f!.error === 'object' && f!.error !== null) {
      return decodeCause(f!.error.kind, f!.error.bytes);
    }
    if (ended !== CANCELED && ended !== DEADLINE) {
      return fail('ContextShare.decodeFailure', 'failure', 'a WorkerFailure made by encodeFailure', failure);
    }
    return cause(this._ctx) ?? (ended === DEADLINE ? DeadlineExceeded : Canceled);
  }

  private _forward(): void {
    const ctx = this._ctx;
    const transport = this._transport!;
    this._transport = this._stop = undefined;
    const err = ctx.err()!;
    transport.send(stateFor(err), cause(ctx), err);
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
export function shareContext(ctx: Context, options?: ShareOptions): ContextShare {
  checkContext('shareContext', 'ctx', ctx);
  const o = checkOptions('shareContext', 'options', options);
  const kind = o.transport ?? 'auto';
  if (kind !== 'auto' && kind !== 'shared-memory' && kind !== 'message') {
    fail('shareContext', 'options.transport', "'auto', 'shared-memory' or 'message'", kind);
  }
  const max = o.maxCauseBytes ?? DEFAULT_MAX_CAUSE_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) fail('shareContext', 'options.maxCauseBytes', 'a non-negative integer', max);
  const values = carriedValues(ctx, o.values ?? {});
  const transport = openTransport(kind, max);
  const d = ctx.deadline()?.getTime();
  return new ContextShare(ctx, transport, d === undefined || Number.isNaN(d) ? undefined : d, values);
}

/** The values to carry, by name; each is checked to be cloneable now rather than when it is posted. */
function carriedValues(ctx: Context, keys: Readonly<Record<string, {}>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(keys)) {
    const v = ctx.value(key);
    if (v === undefined) continue;
    try {
      structuredClone(v);
    } catch {
      fail('shareContext', `the value of options.values.${name}`, 'structured-cloneable to cross to a worker', v);
    }
    Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function openTransport(kind: WorkerTransport, maxCause: number): Transport {
  if (kind === 'shared-memory' || (kind === 'auto' && sharedMemoryAvailable())) {
    if (!sharedMemoryAvailable()) {
      throw new TypeError('ctxkit.shareContext: shared memory is unavailable here (a page must be cross-origin isolated to use SharedArrayBuffer)');
    }
    return sharedMemoryTransport(maxCause);
  }
  const t = messageTransport();
  if (t === undefined) throw new TypeError('ctxkit.shareContext: this host has neither SharedArrayBuffer nor MessageChannel');
  return t;
}
