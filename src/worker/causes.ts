/**
 * Causes between threads: to bytes and back.
 *
 * A cause that is the context's own error (Canceled, DeadlineExceeded) travels
 * as a flag, so the receiver answers with its own singleton and `err() ===
 * Canceled` holds in the worker. Any other value is put in its wire form (an
 * error taken apart, so that it crosses with its name, message, stack, cause
 * chain and own properties such as `code`, and comes back as an instance of
 * its class where this side knows the class) and serialized by the host's
 * structured serializer where there is one (exactly what postMessage would
 * deliver), else by the portable encoding (portable.ts). If it cannot be
 * encoded with its errors' own properties, it is tried without them; if it
 * still cannot, an UncloneableCauseError stands in for it.
 *
 * Structured clone alone (postMessage, v8.serialize) keeps only the standard
 * error names and drops own properties; Node 20 even turns a DOMException, the
 * reason of AbortSignal.timeout(), into an empty object.
 */
import { Canceled, CanceledError, DeadlineExceeded, DeadlineExceededError } from '../index.js';
import { describeArgument } from '../internal/check.js';
import { decodePortable, encodePortable } from './portable.js';
import { DEADLINE, type DoneState } from './protocol.js';

/**
 * UncloneableCauseError is the cause a worker sees when the sender's cause could
 * not be sent: it cannot be structured-cloned (a function, a symbol, an object
 * holding one), it is larger than ShareOptions.maxCauseBytes, or this side
 * cannot decode it. Its message says what the cause was (its type, never its
 * contents) and why it could not cross. `err()` is unaffected.
 */
export class UncloneableCauseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UncloneableCauseError';
  }
}

/** CAUSE_IS_ERR: no cause bytes; the cause is the error itself (Canceled or DeadlineExceeded). */
const CAUSE_IS_ERR = 0;
/** CAUSE_HOST: cause bytes from the host's structured serializer (Node's v8.serialize). */
const CAUSE_HOST = 1;
/** CAUSE_PORTABLE: cause bytes in the portable tagged-JSON encoding (portable.ts), UTF-8. */
const CAUSE_PORTABLE = 2;

/** CauseKind says how the cause bytes are encoded. */
export type CauseKind = typeof CAUSE_IS_ERR | typeof CAUSE_HOST | typeof CAUSE_PORTABLE;

/** EncodedCause is an encoded cause: how it is encoded, and the bytes (empty for CAUSE_IS_ERR). */
export interface EncodedCause {
  readonly kind: CauseKind;
  readonly bytes: Uint8Array;
}

/** Outcome is what a receiver learns once the context is done. */
export interface Outcome {
  readonly err: Error;
  readonly cause: unknown;
}

/** CAUSE_IS_ERR_ENCODED is the encoding of a cause that is the context's own error. */
export const CAUSE_IS_ERR_ENCODED: EncodedCause = { kind: CAUSE_IS_ERR, bytes: new Uint8Array(0) };

/**
 * encodeCause encodes a value for the other side: the cause of a context whose
 * err() is err (sent as a flag when it is err itself), or a worker's error. It
 * never throws.
 */
export function encodeCause(cause: unknown, err?: Error): EncodedCause {
  if (err !== undefined && cause === err) return CAUSE_IS_ERR_ENCODED;
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
  const message = `ctxkit/worker: the cause (${describeArgument(cause)}) could not cross to the other thread: ${why}`;
  return encodeWire({ error: { name: 'UncloneableCauseError', message, dom: false } });
}

/** decodeOutcome rebuilds what a sender reported: the err() for state, and the decoded cause. */
export function decodeOutcome(state: DoneState, kind: CauseKind, bytes: Uint8Array): Outcome {
  const err = state === DEADLINE ? DeadlineExceeded : Canceled;
  return { err, cause: kind === CAUSE_IS_ERR ? err : decodeCause(kind, bytes) };
}

/** decodeCause rebuilds a value encoded by encodeCause (not CAUSE_IS_ERR); what cannot be decoded becomes an UncloneableCauseError. */
export function decodeCause(kind: CauseKind, bytes: Uint8Array): unknown {
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

function encodeWire(w: Wire): EncodedCause {
  const host = hostSerializer();
  if (host !== null) return { kind: CAUSE_HOST, bytes: host.serialize(w) };
  return { kind: CAUSE_PORTABLE, bytes: new TextEncoder().encode(encodePortable(w)) };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// --- The host's structured serializer ---------------------------------------

/** A structured serializer to bytes and back: Node's `v8.serialize` / `v8.deserialize`. */
interface Serializer {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

let serializer: Serializer | null | undefined;

/**
 * Node's v8 serializer where `process.getBuiltinModule` offers it (Node 20.16+
 * and 22.3+, Deno, Bun), or null (browsers, older Node). Detected at run time,
 * so this folder has no static `node:` import.
 */
function hostSerializer(): Serializer | null {
  if (serializer === undefined) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 =
      typeof proc?.getBuiltinModule === 'function'
        ? (proc.getBuiltinModule('node:v8') as Partial<Serializer> | undefined)
        : undefined;
    const usable = typeof v8?.serialize === 'function' && typeof v8.deserialize === 'function';
    serializer = usable ? (v8 as Serializer) : null;
  }
  return serializer;
}

// --- The wire form -----------------------------------------------------------

/** A cause on the wire: an error taken apart, or any other value as it is. */
type Wire = { readonly error: ErrorWire } | { readonly value: unknown };

/** An error taken apart. `cause` is present only when the error has one. */
interface ErrorWire {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** True for a DOMException, rebuilt as one where the receiver has the class. */
  readonly dom: boolean;
  /** Own enumerable properties other than the standard ones. */
  readonly props?: Record<string, unknown>;
  readonly cause?: Wire;
}

/** A cause chain longer than this is cut (the rest travels as structured clone would send it). */
const MAX_CHAIN = 32;

const STANDARD_KEYS = new Set(['name', 'message', 'stack', 'cause']);

const CLASSES = new Map<string, new (message: string) => Error>([
  ['Error', Error],
  ['EvalError', EvalError],
  ['RangeError', RangeError],
  ['ReferenceError', ReferenceError],
  ['SyntaxError', SyntaxError],
  ['TypeError', TypeError],
  ['URIError', URIError],
  ['CanceledError', CanceledError],
  ['DeadlineExceededError', DeadlineExceededError],
  ['UncloneableCauseError', UncloneableCauseError],
]);

/** The wire form of value. With `withProps` false, errors leave their own properties behind. */
function toWire(value: unknown, withProps: boolean, depth = 0): Wire {
  if (!isErrorLike(value) || depth >= MAX_CHAIN) return { value };
  const w: { -readonly [K in keyof ErrorWire]: ErrorWire[K] } = {
    name: String(value.name),
    message: String(value.message),
    dom: isDomException(value),
  };
  if (typeof value.stack === 'string') w.stack = value.stack;
  if ('cause' in value) w.cause = toWire(value.cause, withProps, depth + 1);
  if (withProps) {
    const props = Object.entries(value).filter(([k]) => !STANDARD_KEYS.has(k));
    if (props.length !== 0) w.props = Object.fromEntries(props);
  }
  return { error: w };
}

/** The value a wire form describes. */
function fromWire(w: Wire): unknown {
  return 'error' in w ? buildError(w.error) : w.value;
}

function buildError(w: ErrorWire): Error {
  const DOMEx = (globalThis as { DOMException?: new (message: string, name: string) => Error }).DOMException;
  const Class = CLASSES.get(w.name);
  const e = w.dom && DOMEx !== undefined ? new DOMEx(w.message, w.name) : new (Class ?? Error)(w.message);
  if (e.name !== w.name) define(e, 'name', w.name);
  if (w.stack !== undefined) define(e, 'stack', w.stack);
  if (w.cause !== undefined) define(e, 'cause', fromWire(w.cause));
  if (w.props !== undefined) Object.assign(e, w.props);
  return e;
}

/** Sets an own, non-enumerable property, as the engine's own `stack` and `cause` are. */
function define(e: Error, key: string, value: unknown): void {
  Object.defineProperty(e, key, { value, writable: true, configurable: true, enumerable: false });
}

function isErrorLike(v: unknown): v is Error {
  return v instanceof Error || isDomException(v);
}

function isDomException(v: unknown): boolean {
  const DOMEx = (globalThis as { DOMException?: abstract new (...args: never[]) => unknown }).DOMException;
  return DOMEx !== undefined && v instanceof DOMEx;
}
