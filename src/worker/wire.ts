/**
 * The wire form of a cause: what is serialized, so that an error crosses with
 * its name, message, stack, cause chain and own properties (such as `code`),
 * and comes back as an instance of its class where this side knows the class:
 * the standard errors, DOMException, ctxkit's CanceledError and
 * DeadlineExceededError, UncloneableCauseError.
 *
 * Structured clone alone (postMessage, v8.serialize) keeps only the standard
 * error names and drops own properties; Node 20 even turns a DOMException, the
 * reason of AbortSignal.timeout(), into an empty object.
 */
import { CanceledError, DeadlineExceededError } from '../index.js';
import { describeValue } from './describe.js';
import { UncloneableCauseError } from './errors.js';

/** A cause on the wire: an error taken apart, or any other value as it is. */
export type Wire = { readonly error: ErrorWire } | { readonly value: unknown };

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

/**
 * toWire returns the wire form of value. With `withProps` false, errors leave
 * their own properties behind (the fallback when one of them cannot be cloned).
 */
export function toWire(value: unknown, withProps: boolean, depth = 0): Wire {
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

/** fromWire rebuilds the cause a wire form describes. */
export function fromWire(w: Wire): unknown {
  return 'error' in w ? buildError(w.error) : w.value;
}

/** standInWire is the wire form of the UncloneableCauseError that replaces cause, saying why. */
export function standInWire(cause: unknown, why: string): Wire {
  const message = `ctxkit/worker: the cause (${describeValue(cause)}) could not cross to the worker: ${why}`;
  return { error: { name: 'UncloneableCauseError', message, dom: false } };
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
