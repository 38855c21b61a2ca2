/**
 * Short descriptions of user values for error messages: types and names only,
 * never contents, so a message cannot leak a request's data.
 */

/**
 * describeValue says what a value is, never its contents: "undefined", "a
 * string", "a function (onAbort)", "an object (Socket)".
 */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  switch (typeof v) {
    case 'function':
      return `a function (${v.name || 'anonymous'})`;
    case 'object': {
      const ctor = (v as { constructor?: { name?: unknown } }).constructor;
      const named = typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '';
      return `an object (${named ? ctor.name : 'Object'})`;
    }
    default:
      return `a ${typeof v}`;
  }
}

/** describeArgument describes an option's bad value for a TypeError: numbers and short strings shown, others by type. */
export function describeArgument(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string' && v.length <= 40) return `a string (${JSON.stringify(v)})`;
  return describeValue(v);
}
