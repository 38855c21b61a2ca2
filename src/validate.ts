/**
 * Argument checks shared by every constructor. Each throws a TypeError that names
 * the function and the argument, before anything has been made.
 */
import { describeArgument } from './describe.js';
import type { Context } from './context.js';

/** The largest time a Date can hold, in epoch ms (±8.64e15). */
export const MAX_TIME = 8.64e15;

/** Throws the package's TypeError for a bad argument. */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  throw new TypeError(`ctxkit.${fn}: ${arg} must be ${expected}, got ${describeArgument(got)}`);
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

/** Whether x behaves as an AbortSignal: an instance, or one from another realm. */
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

/** Returns x if it is an AbortSignal (see isSignalLike), else throws. */
export function checkSignal(fn: string, arg: string, x: unknown): AbortSignal {
  if (!isSignalLike(x)) fail(fn, arg, 'an AbortSignal', x);
  return x;
}

/** Returns x if it is a function, else throws. */
export function checkFunction<F extends Function>(fn: string, arg: string, x: unknown): F {
  if (typeof x !== 'function') fail(fn, arg, 'a function', x);
  return x as F;
}

/** A timeout in milliseconds: a finite number (fractions and values <= 0 allowed). */
export function checkTimeout(fn: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail(fn, 'ms', 'a finite number of milliseconds', x);
  return x;
}

/** A deadline: a valid Date or finite epoch milliseconds within the range of Date. Returns epoch ms. */
export function checkDeadline(fn: string, x: unknown): number {
  let ms: number;
  if (Object.prototype.toString.call(x) === '[object Date]') ms = (x as Date).getTime();
  else if (typeof x === 'number') ms = x;
  else return fail(fn, 'd', 'a Date or epoch milliseconds', x);
  if (!(Math.abs(ms) <= MAX_TIME)) fail(fn, 'd', 'a valid Date within the range of Date', x);
  return ms;
}

/** A value key: anything but null and undefined. */
export function checkKey(fn: string, x: unknown): {} {
  if (x === null || x === undefined) fail(fn, 'key', 'a non-null value (use createKey)', x);
  return x;
}
