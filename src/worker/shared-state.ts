/**
 * Reading and writing the shared state (layout.ts): the one place that knows
 * the order of the stores, which is what makes a reader that sees the state
 * word change see the whole cause too.
 */
import { CAUSE_IS_ERR_ENCODED, encodeCause, encodeStandIn, outcomeOf, type Outcome } from './cause-codec.js';
import { growTo } from './host.js';
import {
  CAUSE_KIND,
  CAUSE_LENGTH,
  HEADER_BYTES,
  LIVE,
  STATE,
  type CauseKind,
  type DoneState,
  type EncodedCause,
} from './layout.js';

/** stateView returns the Int32 view of the header of a shared state. */
export function stateView(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, HEADER_BYTES / 4);
}

/**
 * writeOutcome records that the context is done, once (later calls do nothing):
 * the cause bytes, their kind and length first, then the state word with
 * Atomics.store, then it wakes every thread waiting on the word. A cause that
 * does not fit in the buffer is replaced by an UncloneableCauseError saying so,
 * and if even that does not fit, by the error itself.
 */
export function writeOutcome(buffer: SharedArrayBuffer, state: DoneState, cause: unknown, err: Error): void {
  const view = stateView(buffer);
  if (Atomics.load(view, STATE) !== LIVE) return;
  let encoded: EncodedCause = encodeCause(cause, err);
  if (!growTo(buffer, HEADER_BYTES + encoded.bytes.length)) {
    const room = roomIn(buffer);
    const why = `it takes ${encoded.bytes.length} bytes and the shared state has room for ${room} (ShareOptions.maxCauseBytes)`;
    encoded = encodeStandIn(cause, why);
    if (!growTo(buffer, HEADER_BYTES + encoded.bytes.length)) encoded = CAUSE_IS_ERR_ENCODED;
  }
  new Uint8Array(buffer, HEADER_BYTES, encoded.bytes.length).set(encoded.bytes);
  view[CAUSE_KIND] = encoded.kind;
  view[CAUSE_LENGTH] = encoded.bytes.length;
  Atomics.store(view, STATE, state);
  Atomics.notify(view, STATE);
}

/** readOutcome returns what the sender recorded, or undefined while the state word says LIVE. */
export function readOutcome(buffer: SharedArrayBuffer, view: Int32Array): Outcome | undefined {
  const state = Atomics.load(view, STATE);
  if (state === LIVE) return undefined;
  // The Atomics.load above orders these plain reads after the sender's writes.
  const length = view[CAUSE_LENGTH];
  const bytes = new Uint8Array(buffer, HEADER_BYTES, length).slice();
  return outcomeOf(state as DoneState, view[CAUSE_KIND] as CauseKind, bytes);
}

/** How many cause bytes the buffer can ever hold. */
function roomIn(buffer: SharedArrayBuffer): number {
  const max = (buffer as { maxByteLength?: number }).maxByteLength ?? buffer.byteLength;
  return max - HEADER_BYTES;
}
