/**
 * Checks of what goes into HTTP headers (header names, deadline codecs), for
 * ctxkit/propagation and every adapter that sends a deadline or values.
 */
import type { DeadlineCodec } from '../propagation/deadline-codecs.js';
import { fail } from './check.js';

/** TOKEN matches an HTTP token (RFC 9110 `token`): header names, value names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** checkHeaderName checks a header name and returns it in lower case. */
export function checkHeaderName(fn: string, arg: string, x: unknown): string {
  if (typeof x !== 'string' || !TOKEN.test(x)) fail(fn, arg, 'an HTTP header name', x);
  return x.toLowerCase();
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
