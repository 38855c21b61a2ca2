/**
 * Checks of the arguments and options given to the propagation functions. Each
 * throws a TypeError naming the function and the option, in the core's
 * format, before anything has been made or sent.
 */
import { isContext, type Context } from '../index.js';
import type { DeadlineCodec } from './deadline-codecs.js';

/** fail throws the package's TypeError for a bad argument or option. */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  const what =
    typeof got === 'string'
      ? `a string (${JSON.stringify(got.slice(0, 64))})`
      : typeof got === 'function'
        ? 'a function'
        : typeof got === 'object' && got !== null
          ? 'an object'
          : String(got);
  throw new TypeError(`ctxkit.${fn}: ${arg} must be ${expected}, got ${what}`);
}

/** checkMs checks a duration in milliseconds: a finite number that is not negative. */
export function checkMs(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(fn, arg, 'a finite, non-negative number of milliseconds', x);
  return x;
}

/** checkOptionalMs checks an optional duration: undefined, or as checkMs. */
export function checkOptionalMs(fn: string, arg: string, x: unknown): number | undefined {
  return x === undefined ? undefined : checkMs(fn, arg, x);
}

/** checkLimit checks a count limit: a positive safe integer. */
export function checkLimit(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) fail(fn, arg, 'a positive integer', x);
  return x;
}

/** TOKEN matches an HTTP token (RFC 9110 `token`): header names, value names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** checkHeaderName checks a header name and returns it in lower case. */
export function checkHeaderName(fn: string, arg: string, x: unknown): string {
  if (typeof x !== 'string' || !TOKEN.test(x)) fail(fn, arg, 'an HTTP header name', x);
  return x.toLowerCase();
}

/** checkContext returns x if it is a Context (see the core's isContext), else throws. */
export function checkContext(fn: string, arg: string, x: unknown): Context {
  if (!isContext(x)) fail(fn, arg, 'a Context', x);
  return x;
}

/** checkCodecs checks a list of deadline codecs, each with a header name and encode and decode functions. */
export function checkCodecs(fn: string, arg: string, x: unknown): readonly DeadlineCodec[] {
  if (!Array.isArray(x)) fail(fn, arg, 'an array of DeadlineCodec', x);
  x.forEach((c: Partial<DeadlineCodec> | null, i) => {
    const ok =
      typeof c === 'object' &&
      c !== null &&
      typeof c.header === 'string' &&
      TOKEN.test(c.header) &&
      typeof c.encode === 'function' &&
      typeof c.decode === 'function';
    if (!ok) fail(fn, `${arg}[${i}]`, 'a DeadlineCodec (a header name, encode and decode)', c);
  });
  return x;
}
