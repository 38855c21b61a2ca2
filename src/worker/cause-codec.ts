/**
 * Causes to bytes and back, and the outcome a receiver rebuilds from them.
 *
 * A cause that is the context's own error (Canceled, DeadlineExceeded) travels
 * as a flag, so the receiver answers with its own singleton and `err() ===
 * Canceled` holds in the worker. Any other cause is put in its wire form
 * (wire.ts) and serialized by the host's structured serializer where there is
 * one (exactly what postMessage would deliver), else by the portable encoding.
 * If it cannot be encoded with its errors' own properties, it is tried without
 * them; if it still cannot, an UncloneableCauseError stands in for it.
 */
import { Canceled, DeadlineExceeded } from '../index.js';
import { UncloneableCauseError } from './errors.js';
import { hostSerializer } from './host.js';
import {
  CAUSE_HOST,
  CAUSE_IS_ERR,
  CAUSE_PORTABLE,
  DEADLINE,
  type CauseKind,
  type DoneState,
  type EncodedCause,
} from './layout.js';
import { decodePortable, encodePortable } from './portable-codec.js';
import { fromWire, standInWire, toWire, type Wire } from './wire.js';

/** Outcome is what a receiver learns once the context is done. */
export interface Outcome {
  readonly err: Error;
  readonly cause: unknown;
}

/** CAUSE_IS_ERR_ENCODED is the encoding of a cause that is the context's own error. */
export const CAUSE_IS_ERR_ENCODED: EncodedCause = { kind: CAUSE_IS_ERR, bytes: new Uint8Array(0) };

/** encodeCause encodes the cause of a context whose err() is err. It never throws. */
export function encodeCause(cause: unknown, err: Error): EncodedCause {
  if (cause === err) return CAUSE_IS_ERR_ENCODED;
  try {
    return encodeWire(toWire(cause, true));
  } catch (first) {
    try {
      return encodeWire(toWire(cause, false));
    } catch {
      return encodeStandIn(cause, messageOf(first));
    }
  }
}

/** encodeStandIn encodes the UncloneableCauseError that replaces cause, saying why. */
export function encodeStandIn(cause: unknown, why: string): EncodedCause {
  return encodeWire(standInWire(cause, why));
}

/** outcomeOf rebuilds what a sender reported: the err() for state, and the decoded cause. */
export function outcomeOf(state: DoneState, kind: CauseKind, bytes: Uint8Array): Outcome {
  const err = state === DEADLINE ? DeadlineExceeded : Canceled;
  return { err, cause: decodeCause(kind, bytes, err) };
}

function encodeWire(w: Wire): EncodedCause {
  const host = hostSerializer();
  if (host !== null) return { kind: CAUSE_HOST, bytes: host.serialize(w) };
  return { kind: CAUSE_PORTABLE, bytes: new TextEncoder().encode(encodePortable(w)) };
}

function decodeCause(kind: CauseKind, bytes: Uint8Array, err: Error): unknown {
  if (kind === CAUSE_IS_ERR) return err;
  try {
    if (kind === CAUSE_PORTABLE) return fromWire(decodePortable(new TextDecoder().decode(bytes)) as Wire);
    const host = hostSerializer();
    if (kind !== CAUSE_HOST) throw new TypeError(`unknown cause encoding ${kind}`);
    if (host === null) throw new TypeError('it was encoded by a structured serializer this side does not have');
    return fromWire(host.deserialize(bytes) as Wire);
  } catch (e) {
    return new UncloneableCauseError(`ctxkit/worker: the cause (${bytes.length} bytes) could not be decoded: ${messageOf(e)}`);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
