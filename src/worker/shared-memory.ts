/**
 * The shared-memory transport, both halves: the sender writes the outcome into
 * a SharedArrayBuffer, and every receiver reads it with one Atomics.load per
 * err(), so a worker busy in a loop sees it at once.
 *
 * Layout: the first four Int32 words are the header; the encoded cause follows
 * from byte HEADER_BYTES on. The sender writes the cause bytes, their kind and
 * length with plain stores and only then the state word with Atomics.store; a
 * reader that sees the state word change with Atomics.load therefore sees the
 * cause too (the store/load pair orders them). The state word only ever changes
 * once, from LIVE to CANCELED or DEADLINE.
 *
 * Any number of workers may receive the same descriptor; none of them costs the
 * sender anything, so one that exits or crashes changes nothing on its side.
 */
import { unref } from '../internal/host.js';
import {
  CAUSE_IS_ERR_ENCODED,
  decodeOutcome,
  encodeCause,
  encodeStandIn,
  type CauseKind,
  type EncodedCause,
  type Outcome,
} from './causes.js';
import { LIVE, type DoneState, type Source, type Transport } from './protocol.js';

/** The index of the state word: LIVE, CANCELED or DEADLINE. */
const STATE = 0;
/** The index of the word holding the cause's CauseKind. */
const CAUSE_KIND = 1;
/** The index of the word holding the cause's length in bytes. */
const CAUSE_LENGTH = 2;
/** The size of the header before the cause: four Int32 words (the last one unused, for alignment). */
const HEADER_BYTES = 16;

/** Room for the cause where buffers cannot grow (engines before ES2024): enough for a typical error. */
const FIXED_CAUSE_BYTES = 4096;

/** How often the state is polled for done(), signal and afterFunc where Atomics.waitAsync is missing. */
const POLL_INTERVAL_MS = 25;

/**
 * sharedMemoryAvailable tells whether a SharedArrayBuffer can be made and posted:
 * false on a browser page that is not cross-origin isolated.
 */
export function sharedMemoryAvailable(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer === 'function' && isolated !== false;
}

/** sharedMemoryTransport makes the sending half over a new shared state with room for maxCauseBytes of cause. */
export function sharedMemoryTransport(maxCauseBytes: number): Transport {
  const state = allocate(maxCauseBytes);
  return {
    send: (done, cause, err) => writeOutcome(state, done, cause, err),
    wire: () => ({ fields: { state }, transfer: [] }),
  };
}

/** sharedMemorySource makes the receiving half over a descriptor's shared state: every poll is one Atomics.load. */
export function sharedMemorySource(buffer: SharedArrayBuffer): Source {
  const view = headerOf(buffer);
  let interval: ReturnType<typeof setInterval> | undefined;
  return {
    poll: (): Outcome | undefined => (Atomics.load(view, STATE) === LIVE ? undefined : readOutcome(buffer, view)),
    watch(onChange) {
      const waitAsync = (Atomics as { waitAsync?: WaitAsync }).waitAsync;
      if (typeof waitAsync !== 'function') {
        interval = setInterval(onChange, POLL_INTERVAL_MS);
        unref(interval);
        return;
      }
      // Resolves on the sender's Atomics.notify; at once if the word is no longer LIVE. It keeps no host alive.
      const result = waitAsync(view, STATE, LIVE);
      if (result.async) void (result.value as Promise<string>).then(onChange);
      else queueMicrotask(onChange);
    },
    close() {
      if (interval !== undefined) clearInterval(interval);
      interval = undefined;
    },
    block: (ms) => void Atomics.wait(view, STATE, LIVE, ms),
  };
}

/** Atomics.waitAsync (ES2024; not in every browser). */
type WaitAsync = (view: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };

function headerOf(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, HEADER_BYTES / 4);
}

/**
 * Records that the context is done, once (later calls do nothing): the cause
 * bytes, their kind and length first, then the state word with Atomics.store,
 * then it wakes every thread waiting on the word. A cause that does not fit is
 * replaced by an UncloneableCauseError saying so, and if even that does not
 * fit, by the error itself.
 */
function writeOutcome(buffer: SharedArrayBuffer, state: DoneState, cause: unknown, err: Error): void {
  const view = headerOf(buffer);
  if (Atomics.load(view, STATE) !== LIVE) return;
  let encoded: EncodedCause = encodeCause(cause, err);
  if (!growTo(buffer, HEADER_BYTES + encoded.bytes.length)) {
    const why = `it takes ${encoded.bytes.length} bytes and the shared state has room for ${roomIn(buffer)} (ShareOptions.maxCauseBytes)`;
    encoded = encodeStandIn(cause, why);
    if (!growTo(buffer, HEADER_BYTES + encoded.bytes.length)) encoded = CAUSE_IS_ERR_ENCODED;
  }
  new Uint8Array(buffer, HEADER_BYTES, encoded.bytes.length).set(encoded.bytes);
  view[CAUSE_KIND] = encoded.kind;
  view[CAUSE_LENGTH] = encoded.bytes.length;
  Atomics.store(view, STATE, state);
  Atomics.notify(view, STATE);
}

/** What the sender recorded; called once the state word is no longer LIVE. */
function readOutcome(buffer: SharedArrayBuffer, view: Int32Array): Outcome {
  const state = Atomics.load(view, STATE) as DoneState;
  // The Atomics.load above orders these plain reads after the sender's writes.
  const bytes = new Uint8Array(buffer, HEADER_BYTES, view[CAUSE_LENGTH]).slice();
  return decodeOutcome(state, view[CAUSE_KIND] as CauseKind, bytes);
}

type GrowableConstructor = new (length: number, options: { maxByteLength: number }) => SharedArrayBuffer;

/**
 * A new shared state: the header, growable by up to maxCauseBytes for the
 * cause, so a context that ends without a cause costs 16 bytes. Engines
 * without growable buffers get a fixed room of at most 4 KiB.
 */
function allocate(maxCauseBytes: number): SharedArrayBuffer {
  const Growable = SharedArrayBuffer as unknown as GrowableConstructor;
  const buffer = new Growable(HEADER_BYTES, { maxByteLength: HEADER_BYTES + maxCauseBytes });
  if ((buffer as { growable?: boolean }).growable === true) return buffer;
  return new SharedArrayBuffer(HEADER_BYTES + Math.min(maxCauseBytes, FIXED_CAUSE_BYTES));
}

/** Grows a shared buffer to at least `length` bytes; false if it cannot. */
function growTo(buffer: SharedArrayBuffer, length: number): boolean {
  if (buffer.byteLength >= length) return true;
  const b = buffer as SharedArrayBuffer & { grow?: (n: number) => void; maxByteLength?: number };
  if (typeof b.grow !== 'function' || b.maxByteLength === undefined || b.maxByteLength < length) return false;
  b.grow(length);
  return true;
}

/** How many cause bytes the buffer can ever hold. */
function roomIn(buffer: SharedArrayBuffer): number {
  const max = (buffer as { maxByteLength?: number }).maxByteLength ?? buffer.byteLength;
  return max - HEADER_BYTES;
}
