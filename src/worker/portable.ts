/**
 * The portable cause encoding, for hosts without a structured serializer
 * (browsers, Node before 20.16): JSON in which every value JSON lacks is a
 * one-key tagged object. It covers what causes are made of: strings, booleans,
 * numbers (with NaN, ±Infinity and -0), undefined, bigint, arrays, plain objects
 * (and class instances, as structured clone copies them: own enumerable
 * properties), Date, RegExp, Map and Set. Anything else (functions, symbols,
 * typed arrays, nested errors, cycles) throws a TypeError, and the sender sends
 * a stand-in instead. Errors at the top of a cause and along its cause chain are
 * already plain data here (causes.ts).
 */

/** encodePortable returns the portable encoding of value, or throws a TypeError if it has no encoding. */
export function encodePortable(value: unknown): string {
  return JSON.stringify(encode(value, new Set()));
}

/** decodePortable reverses encodePortable. */
export function decodePortable(text: string): unknown {
  return decode(JSON.parse(text));
}

type Tagged = { readonly [tag: string]: unknown };

function encode(v: unknown, path: Set<object>): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { n: Object.is(v, -0) ? '-0' : String(v) };
    case 'undefined':
      return { u: 0 };
    case 'bigint':
      return { b: v.toString() };
    case 'object':
      if (v === null) return null;
      if (path.has(v)) throw new TypeError('a cyclic value has no portable encoding');
      path.add(v);
      try {
        return encodeObject(v, path);
      } finally {
        path.delete(v);
      }
    default:
      throw new TypeError(`a ${typeof v} has no portable encoding`);
  }
}

function encodeObject(v: object, path: Set<object>): Tagged {
  if (Array.isArray(v)) return { a: Array.from(v, (x) => encode(x, path)) };
  if (v instanceof Date) return { d: encode(v.getTime(), path) };
  if (v instanceof RegExp) return { r: [v.source, v.flags] };
  if (v instanceof Map) return { m: Array.from(v, ([k, x]) => [encode(k, path), encode(x, path)]) };
  if (v instanceof Set) return { s: Array.from(v, (x) => encode(x, path)) };
  const kind = Object.prototype.toString.call(v);
  if (kind !== '[object Object]') throw new TypeError(`${kind.slice(8, -1)} has no portable encoding`);
  return { o: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x, path)])) };
}

function decode(x: unknown): unknown {
  if (typeof x !== 'object' || x === null) return x;
  const [tag] = Object.keys(x);
  const p = (x as Tagged)[tag];
  switch (tag) {
    case 'n':
      return Number(p);
    case 'u':
      return undefined;
    case 'b':
      return BigInt(p as string);
    case 'a':
      return (p as unknown[]).map(decode);
    case 'o':
      return Object.fromEntries(Object.entries(p as object).map(([k, v]) => [k, decode(v)]));
    case 'd':
      return new Date(decode(p) as number);
    case 'r':
      return new RegExp((p as string[])[0], (p as string[])[1]);
    case 'm':
      return new Map((p as Array<[unknown, unknown]>).map(([k, v]) => [decode(k), decode(v)]));
    case 's':
      return new Set((p as unknown[]).map(decode));
    default:
      throw new TypeError(`unknown tag ${JSON.stringify(tag)} in a portable encoding`);
  }
}
