/**
 * Argument checks and their messages, for the core and every subpath.
 *
 * Every bad argument anywhere in ctxkit is reported the same way, before
 * anything has been made, touched or sent:
 *
 *     TypeError: ctxkit.<fn>: <arg> must be <expected>, got <what it was>
 *
 * "What it was" names a type, never a string's or an object's contents, so a
 * message cannot leak a request's data; a context is named as String(ctx).
 */
import type { Context } from '../context.js';

/** fail throws ctxkit's TypeError for a bad argument or option. */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  throw new TypeError(`ctxkit.${fn}: ${arg} must be ${expected}, got ${describeArgument(got)}`);
}

/**
 * describeArgument says what a bad argument was: "undefined", "NaN", "-1",
 * "a string (3 characters)", "a function (onAbort)", "an object (Map)",
 * "a Context (context.Background.WithCancel)".
 */
export function describeArgument(v: unknown): string {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return String(v);
  switch (typeof v) {
    case 'string':
      return `a string (${v.length} character${v.length === 1 ? '' : 's'})`;
    case 'function':
      return `a function (${v.name || 'anonymous'})`;
    case 'object':
      return isContext(v) ? `a Context (${contextName(v)})` : `an object (${typeName(v)})`;
    default:
      return `a ${typeof v}`;
  }
}

/** typeName names an object by its constructor: "Map", "Socket", "Object". */
export function typeName(v: object): string {
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '' ? ctor.name : 'Object';
}

/** A context's String() form when it has its own, else "a foreign context". */
function contextName(ctx: object): string {
  try {
    const s = String(ctx);
    return s === '[object Object]' ? typeName(ctx) : s;
  } catch {
    return typeName(ctx);
  }
}

/**
 * isContext tells whether x can be used as a Context: an object with `done`,
 * `err`, `deadline` and `value` methods and a `signal`, made by ctxkit or not.
 * Every function of ctxkit that takes a context accepts exactly these.
 */
export function isContext(x: unknown): x is Context {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Record<string, unknown>;
  return (
    typeof c.done === 'function' &&
    typeof c.err === 'function' &&
    typeof c.deadline === 'function' &&
    typeof c.value === 'function' &&
    'signal' in c
  );
}

/** checkContext returns x if it is a Context (see isContext), else throws. */
export function checkContext(fn: string, arg: string, x: unknown): Context {
  if (!isContext(x)) fail(fn, arg, 'a Context', x);
  return x;
}

/** isSignalLike tells whether x behaves as an AbortSignal: an instance, or one from another realm. */
export function isSignalLike(x: unknown): x is AbortSignal {
  if (typeof AbortSignal === 'function' && x instanceof AbortSignal) return true;
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  );
}

/** checkSignal returns x if it is an AbortSignal (see isSignalLike), else throws. */
export function checkSignal(fn: string, arg: string, x: unknown): AbortSignal {
  if (!isSignalLike(x)) fail(fn, arg, 'an AbortSignal', x);
  return x;
}

/** checkFunction returns x if it is a function, else throws. */
export function checkFunction<F extends Function>(fn: string, arg: string, x: unknown): F {
  if (typeof x !== 'function') fail(fn, arg, 'a function', x);
  return x as F;
}

/** checkOptionalFunction returns x if it is a function or undefined, else throws. */
export function checkOptionalFunction<F extends Function>(fn: string, arg: string, x: unknown): F | undefined {
  return x === undefined ? undefined : checkFunction<F>(fn, arg, x);
}

/** checkMs returns x if it is a duration in milliseconds (finite, not negative), else throws. */
export function checkMs(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(fn, arg, 'a finite, non-negative number of milliseconds', x);
  return x;
}

/** checkOptionalMs returns x if it is undefined or a duration (see checkMs), else throws. */
export function checkOptionalMs(fn: string, arg: string, x: unknown): number | undefined {
  return x === undefined ? undefined : checkMs(fn, arg, x);
}

/** checkLimit returns x if it is a positive safe integer (a count limit), else throws. */
export function checkLimit(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) fail(fn, arg, 'a positive integer', x);
  return x;
}

/** checkOptions returns x if it is undefined (as {}) or an object of options, else throws. */
export function checkOptions<T extends object>(fn: string, arg: string, x: T | undefined): T | Partial<T> {
  if (x === undefined) return {};
  if (typeof x !== 'object' || x === null) fail(fn, arg, 'an object', x);
  return x;
}
