/**
 * The core's own argument checks (timeouts, deadlines, keys); the checks every
 * subpath shares are in internal/check.ts. Each throws before anything is made.
 */
import { fail } from './internal/check.js';

/** The largest time a Date can hold, in epoch ms (±8.64e15). */
export const MAX_TIME = 8.64e15;

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
