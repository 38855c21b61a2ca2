/**
 * Reading one header from the two shapes servers hand us: a WHATWG `Headers`
 * (fetch, Deno, Bun, service workers) and Node's `IncomingHttpHeaders`, a plain
 * object whose values may be a string, an array of strings, or undefined.
 */

/**
 * HeadersLike is what the incoming functions read headers from: a WHATWG
 * `Headers` (anything with a `get(name)` method), or a plain object such as
 * Node's `req.headers`, whose values may be a string, an array of strings or
 * undefined. Names are matched case-insensitively in both.
 */
export type HeadersLike =
  | { get(name: string): string | null }
  | { readonly [name: string]: string | readonly string[] | undefined };

/**
 * readHeader returns the value of header `name`, or undefined if it is absent.
 *
 * A header sent more than once comes back as its values joined with ", ", as
 * `Headers.get` and Node do, so a grammar that allows one value rejects it.
 * In a plain object every key equal to `name` ignoring case counts, and values
 * that are neither strings nor arrays of strings are ignored.
 */
export function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return typeof v === 'string' ? v : undefined;
  }
  const lower = name.toLowerCase();
  let joined: string | undefined;
  const record = headers as { readonly [name: string]: unknown };
  for (const key in record) {
    if (key.length !== lower.length || !Object.hasOwn(record, key) || key.toLowerCase() !== lower) continue;
    const v = record[key];
    if (typeof v === 'string') joined = joinValue(joined, v);
    else if (Array.isArray(v)) for (const item of v as unknown[]) if (typeof item === 'string') joined = joinValue(joined, item);
  }
  return joined;
}

/** `value` after the values read so far, if any, as a repeated header joins them. */
function joinValue(joined: string | undefined, value: string): string {
  return joined === undefined ? value : `${joined}, ${value}`;
}
