/**
 * Argument checks of the Node adapters. Each throws a TypeError in the core's
 * format, naming the function and the argument, before anything is set up.
 */
import { isContext, type Context } from '../index.js';

/** What a bad argument was, without dumping it: "undefined", "a string", "an object". */
function describe(x: unknown): string {
  if (x === null || x === undefined || typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** fail throws the package's TypeError for a bad argument or option. */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  throw new TypeError(`ctxkit.${fn}: ${arg} must be ${expected}, got ${describe(got)}`);
}

/** checkContext returns x if it is a Context (see the core's isContext), else throws. */
export function checkContext(fn: string, arg: string, x: unknown): Context {
  if (!isContext(x)) fail(fn, arg, 'a Context', x);
  return x;
}

/** checkMs returns x if it is a duration in milliseconds (finite, not negative), else throws. */
export function checkMs(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(fn, arg, 'a finite, non-negative number of milliseconds', x);
  return x;
}

/** checkOptionalFunction returns x if it is a function or undefined, else throws. */
export function checkOptionalFunction<F extends Function>(fn: string, arg: string, x: unknown): F | undefined {
  if (x !== undefined && typeof x !== 'function') fail(fn, arg, 'a function', x);
  return x as F | undefined;
}
