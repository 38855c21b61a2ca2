/**
 * Argument checks of the Node adapters. Each throws a TypeError in the core's
 * format, naming the function and the argument, before anything is set up.
 */
import type { Context } from '../index.js';

/** What a bad argument was, without dumping it: "undefined", "a string", "an object". */
function describe(x: unknown): string {
  if (x === null || x === undefined || typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** fail throws the package's TypeError for a bad argument or option. */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  throw new TypeError(`ctxkit.${fn}: ${arg} must be ${expected}, got ${describe(got)}`);
}

/** checkContext returns x if it is a Context (the Context methods and a signal), else throws. */
export function checkContext(fn: string, arg: string, x: unknown): Context {
  const c = x as Record<string, unknown> | null;
  const ok = typeof c === 'object' && c !== null && typeof c.done === 'function' && typeof c.err === 'function' && typeof c.value === 'function' && 'signal' in c;
  if (!ok) fail(fn, arg, 'a Context', x);
  return x as Context;
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
