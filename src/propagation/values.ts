/**
 * Request values across hops: the few context values a service chooses to
 * send to the next one, in one header.
 *
 * Nothing crosses by default. A value crosses only if its key was listed, with
 * a codec, in a `valuesHeader`; every other value stays in the process. The
 * header's syntax is W3C Baggage's: comma-separated `name=value` members, the
 * value percent-encoded (UTF-8), properties after `;` tolerated and ignored.
 * Its size is bounded as Baggage's: 64 members and 8192 bytes by default.
 */
import { withValue, type Context, type ContextKey } from '../index.js';
import { checkLimit, fail } from '../internal/check.js';
import { TOKEN, checkHeaderName } from '../internal/headers.js';
import { readHeader, type HeadersLike } from './headers.js';

/** ValueCodec turns one kind of value into header text and back. */
export interface ValueCodec<T> {
  /** The value as text; any string (it is percent-encoded on the wire). */
  encode(value: T): string;
  /** The value back from text, or undefined to drop it. May throw: a throw drops the value too. */
  decode(text: string): T | undefined;
}

/** CarriedValue names a context key that crosses hops, and how its value is written. */
export interface CarriedValue<T> extends ValueCodec<T> {
  /** The member's name in the header: an HTTP token, case-sensitive. */
  readonly name: string;
  /** The context key whose value is carried. */
  readonly key: ContextKey<T>;
}

const stringCodec: ValueCodec<string> = {
  encode: (value) => value,
  decode: (text) => text,
};

/**
 * carry declares that the value of `key` crosses hops as header member `name`:
 * as itself for a string key, or through `codec` for any other type. Give the
 * result to {@link valuesHeader}.
 */
export function carry(name: string, key: ContextKey<string>): CarriedValue<string>;
export function carry<T>(name: string, key: ContextKey<T>, codec: ValueCodec<T>): CarriedValue<T>;
export function carry<T>(name: string, key: ContextKey<T>, codec?: ValueCodec<T>): CarriedValue<T> {
  const c = codec ?? (stringCodec as unknown as ValueCodec<T>);
  return { name, key, encode: (value) => c.encode(value), decode: (text) => c.decode(text) };
}

/** ValuesHeaderOptions names the header and bounds its size. */
export interface ValuesHeaderOptions {
  /** The header's name. Default: "ctxkit-values". */
  header?: string;
  /** The most members one header may hold. Default: 64, as W3C Baggage. */
  maxEntries?: number;
  /** The most bytes one header value may hold. Default: 8192, as W3C Baggage. */
  maxBytes?: number;
}

/**
 * ValuesHeader writes the carried values of a context into one header value,
 * and reads them back into a child context on the other side.
 */
export interface ValuesHeader {
  /** The header's name, in lower case. */
  readonly header: string;
  /**
   * The header value for ctx's carried values, or undefined if it has none.
   * Members are written in the order the values were listed; one that would
   * take the header past `maxEntries` or `maxBytes`, or whose text is not
   * well-formed Unicode (a lone surrogate), is dropped, and later, smaller
   * ones may still fit. A codec that throws, or returns a non-string, throws.
   */
  encode(ctx: Context): string | undefined;
  /**
   * A child of parent holding the values read from a header value, or parent
   * itself if there are none. Never throws: a value longer than `maxBytes` or
   * with more than `maxEntries` members is ignored whole; a member that is
   * malformed, not listed, a repeat of an earlier name, or that its codec
   * refuses, is dropped alone.
   */
  decode(parent: Context, value: string | undefined): Context;
  /** decode() of this header's value in `headers` (a Headers or a Node-style object). */
  extract(parent: Context, headers: HeadersLike): Context;
}

const FN = 'valuesHeader';
/** A Baggage value: printable ASCII except space, `"`, `,`, `;` and `\`. */
const BAGGAGE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/**
 * valuesHeader returns the codec of the header that carries `values` across
 * hops. Pass it as the `values` option of fetchWithContext on the sending side
 * and call `extract` on the receiving side. Names must be distinct tokens.
 */
export function valuesHeader(values: readonly CarriedValue<unknown>[], options: ValuesHeaderOptions = {}): ValuesHeader {
  if (!Array.isArray(values)) fail(FN, 'values', 'an array of CarriedValue', values);
  const header = checkHeaderName(FN, 'options.header', options.header ?? 'ctxkit-values');
  const maxEntries = checkLimit(FN, 'options.maxEntries', options.maxEntries ?? 64);
  const maxBytes = checkLimit(FN, 'options.maxBytes', options.maxBytes ?? 8192);
  const byName = new Map<string, CarriedValue<unknown>>();
  values.forEach((v, i) => {
    const at = `values[${i}]`;
    if (typeof v !== 'object' || v === null) fail(FN, at, 'a CarriedValue', v);
    if (typeof v.name !== 'string' || !TOKEN.test(v.name)) fail(FN, `${at}.name`, 'an HTTP token', v.name);
    if (byName.has(v.name)) fail(FN, `${at}.name`, 'unique', v.name);
    if (v.key === null || v.key === undefined) fail(FN, `${at}.key`, 'a context key', v.key);
    if (typeof v.encode !== 'function' || typeof v.decode !== 'function') fail(FN, at, 'a CarriedValue with encode and decode', v);
    byName.set(v.name, v);
  });
  const carried = [...byName.values()];

  const decode = (parent: Context, value: string | undefined): Context => {
    if (typeof value !== 'string' || value.length > maxBytes) return parent;
    const members = value.split(',').map(trimOws).filter((m) => m !== '');
    if (members.length > maxEntries) return parent;
    let ctx = parent;
    const seen = new Set<string>();
    for (const member of members) {
      const entry = parseMember(member);
      if (entry === undefined || seen.has(entry.name)) continue;
      const v = byName.get(entry.name);
      if (v === undefined) continue;
      seen.add(entry.name);
      const decoded = safeDecode(v, entry.text);
      if (decoded !== undefined) ctx = withValue(ctx, v.key, decoded);
    }
    return ctx;
  };

  return {
    header,
    encode(ctx: Context): string | undefined {
      let out = '';
      let entries = 0;
      for (const v of carried) {
        if (entries === maxEntries) break;
        const value = ctx.value(v.key);
        if (value === undefined) continue;
        const text = v.encode(value);
        if (typeof text !== 'string') fail(`${FN}.encode`, `the encoding of "${v.name}"`, 'a string', text);
        const encoded = percentEncode(text);
        if (encoded === undefined) continue;
        const member = `${out === '' ? '' : ','}${v.name}=${encoded}`;
        if (out.length + member.length > maxBytes) continue;
        out += member;
        entries++;
      }
      return out === '' ? undefined : out;
    },
    decode,
    extract: (parent, headers) => decode(parent, readHeader(headers, header)),
  };
}

/** Drops leading and trailing spaces and tabs (HTTP's OWS) without a backtracking regex. */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === ' ' || s[start] === '\t')) start++;
  while (end > start && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return s.slice(start, end);
}

/** One `name=value[;properties]` member, its value percent-decoded; undefined if malformed. */
function parseMember(member: string): { name: string; text: string } | undefined {
  const semicolon = member.indexOf(';');
  const pair = semicolon < 0 ? member : member.slice(0, semicolon);
  const eq = pair.indexOf('=');
  if (eq < 0) return undefined;
  const name = trimOws(pair.slice(0, eq));
  const raw = trimOws(pair.slice(eq + 1));
  if (!TOKEN.test(name) || !BAGGAGE_VALUE.test(raw)) return undefined;
  try {
    return { name, text: decodeURIComponent(raw) };
  } catch {
    return undefined;
  }
}

/** UTF-8 percent-encoding, or undefined for text that is not well-formed Unicode. */
function percentEncode(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A codec's decode, with a throw counted as a refusal. */
function safeDecode(v: CarriedValue<unknown>, text: string): unknown {
  try {
    return v.decode(text);
  } catch {
    return undefined;
  }
}
