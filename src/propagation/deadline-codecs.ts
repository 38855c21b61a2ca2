/**
 * Deadline codecs: how a remaining budget is written into, and read from, one
 * request header.
 *
 * Every codec carries the REMAINING time, never an absolute instant: clocks
 * differ between hosts, a duration does not. Parsing accepts the exact grammar
 * and nothing else: a regular expression checks the whole value, then the
 * digits are added up by hand. `Number()` and `parseInt()` never see header
 * text, because they accept " 5 ", "1e3", "0x10", "+5" and "Infinity".
 */
import { checkMs } from '../internal/check.js';

/**
 * DeadlineCodec writes and reads a timeout in one request header. ctxkit ships
 * three ({@link ctxkitTimeoutCodec}, {@link grpcTimeoutCodec},
 * {@link connectTimeoutCodec}); any object of this shape works as a fourth.
 */
export interface DeadlineCodec {
  /** The header's name, in lower case. */
  readonly header: string;
  /**
   * Formats a remaining budget of `ms` milliseconds (finite, not negative) as
   * the header's value, rounding up to the header's resolution (a positive
   * budget never becomes "0") and saturating at the largest value the grammar
   * can express. Throws a TypeError for any other number.
   */
  encode(ms: number): string;
  /**
   * Parses a header value into milliseconds, or returns undefined if the value
   * does not match the grammar exactly. Never throws.
   */
  decode(value: string): number | undefined;
}

/** The value of a string of ASCII digits already checked by a grammar. */
function digitsValue(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** A whole number of milliseconds in at most 10 digits: ctxkit's and Connect's grammar. */
const MS_GRAMMAR = /^[0-9]{1,10}$/;
const MS_MAX = 9_999_999_999;

/** A codec for a header of whole milliseconds with MS_GRAMMAR; `name` is for error messages. */
function millisecondsCodec(header: string, name: string): DeadlineCodec {
  return {
    header,
    encode(ms: number): string {
      return String(Math.min(Math.ceil(checkMs(`${name}.encode`, 'ms', ms)), MS_MAX));
    },
    decode(value: string): number | undefined {
      return MS_GRAMMAR.test(value) ? digitsValue(value, value.length) : undefined;
    },
  };
}

/**
 * ctxkitTimeoutCodec is ctxkit's own header, `ctxkit-timeout-ms`: the
 * remaining budget in whole milliseconds, grammar `^[0-9]{1,10}$` (up to about
 * 115 days). "0" means the deadline has already passed.
 */
export const ctxkitTimeoutCodec: DeadlineCodec = millisecondsCodec('ctxkit-timeout-ms', 'ctxkitTimeoutCodec');

/**
 * connectTimeoutCodec is the Connect protocol's `connect-timeout-ms`: whole
 * milliseconds in at most 10 ASCII digits, the same grammar as ctxkit's header.
 */
export const connectTimeoutCodec: DeadlineCodec = millisecondsCodec('connect-timeout-ms', 'connectTimeoutCodec');

/** gRPC's grammar: 1 to 8 digits, then one unit. */
const GRPC_GRAMMAR = /^[0-9]{1,8}[HMSmun]$/;
const GRPC_MAX = 99_999_999;
/** Each unit's length in milliseconds, as [multiplier, divisor] so that no inexact fraction is involved. */
const GRPC_UNIT_MS: Readonly<Record<string, readonly [number, number]>> = {
  H: [3_600_000, 1],
  M: [60_000, 1],
  S: [1000, 1],
  m: [1, 1],
  u: [1, 1e3],
  n: [1, 1e6],
};

/**
 * grpcTimeoutCodec is gRPC's `grpc-timeout`: 1 to 8 ASCII digits and one unit,
 * `H` (hours), `M` (minutes), `S` (seconds), `m` (milliseconds), `u`
 * (microseconds) or `n` (nanoseconds). Encoding picks the finest unit whose
 * value fits in 8 digits and rounds up to it, as grpc-go does: 99 ms is
 * "99000000n", 100 ms "100000u", 99999999 ms "99999999m", 100000001 ms
 * "100001S". Fractions of a nanosecond are rounded to the nearest one first.
 * Decoding may give fractions of a millisecond.
 */
export const grpcTimeoutCodec: DeadlineCodec = {
  header: 'grpc-timeout',
  encode(ms: number): string {
    checkMs('grpcTimeoutCodec.encode', 'ms', ms);
    // Whole nanoseconds first, so that binary fractions (0.1 ms is not exact)
    // cannot round a value up by one unit; only a positive budget below half
    // a nanosecond is rounded, up to 1n, never down to "0n".
    const ns = Math.max(Math.round(ms * 1e6), ms > 0 ? 1 : 0);
    if (ns <= GRPC_MAX) return `${ns}n`;
    const us = Math.ceil(ns / 1e3);
    if (us <= GRPC_MAX) return `${us}u`;
    const whole = Math.ceil(ns / 1e6);
    if (whole <= GRPC_MAX) return `${whole}m`;
    const s = Math.ceil(ms / 1000);
    if (s <= GRPC_MAX) return `${s}S`;
    const m = Math.ceil(ms / 60_000);
    if (m <= GRPC_MAX) return `${m}M`;
    return `${Math.min(Math.ceil(ms / 3_600_000), GRPC_MAX)}H`;
  },
  decode(value: string): number | undefined {
    if (!GRPC_GRAMMAR.test(value)) return undefined;
    const end = value.length - 1;
    const [multiplier, divisor] = GRPC_UNIT_MS[value[end]];
    return (digitsValue(value, end) * multiplier) / divisor;
  },
};
