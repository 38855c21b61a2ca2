// The command line of one chain hop (hop.mjs): `--name=B --next=http://127.0.0.1:4001 …`.
// Every option has a default, so `node examples/chain/hop.mjs` alone starts a
// last hop named "hop" on a free port.

/** The defaults; each is also the option's documentation. */
export const DEFAULTS = Object.freeze({
  /** The hop's name in reports and in the `work` query parameter. */
  name: 'hop',
  /** Port to listen on, on 127.0.0.1; 0 picks a free one (reported in the "listening" event). */
  port: 0,
  /** The next hop's base URL; none for the last hop. */
  next: undefined,
  /** The work each request does here, in ms, unless its `work` query parameter says otherwise. */
  workMs: 0,
  /** The server's own budget per request, in ms (fromRequest's timeoutMs). */
  budgetMs: 10_000,
  /** The most a caller's ctxkit-timeout-ms header may ask for, in ms (clamped beyond). */
  maxTimeoutMs: 5_000,
  /** Subtracted from the budget passed to the next hop, in ms (fetchWithContext's marginMs). */
  marginMs: 20,
  /** "http" (node:http and fromRequest) or "express" (Express 5 and expressAdapter). */
  framework: 'http',
  /** Also serve HTTP/2 (cleartext) on a second port, reported as h2Port. */
  h2: false,
  /** Serve GET /_debug/stats: heap after gc, listeners, pending deadlines, live request contexts. */
  debug: false,
  /** How long in-flight requests may finish after SIGTERM, in ms. */
  graceMs: 2_000,
});

const NUMBERS = new Set(['port', 'workMs', 'budgetMs', 'maxTimeoutMs', 'marginMs', 'graceMs']);
const FLAGS = new Set(['h2', 'debug']);

/** parseHopOptions reads `--kebab-name=value` (and bare `--flag`) arguments over the defaults; throws on anything unknown. */
export function parseHopOptions(argv) {
  const options = { ...DEFAULTS };
  for (const arg of argv) {
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    const key = match?.[1].replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
    if (match === null || !(key in DEFAULTS)) throw new Error(`unknown argument ${arg}`);
    const raw = match[2];
    if (FLAGS.has(key)) options[key] = raw === undefined || raw === 'true';
    else if (raw === undefined) throw new Error(`${arg} needs a value`);
    else if (NUMBERS.has(key)) options[key] = toNumber(arg, raw);
    else options[key] = raw === '' ? undefined : raw;
  }
  if (options.framework !== 'http' && options.framework !== 'express') throw new Error(`--framework must be http or express`);
  return options;
}

function toNumber(arg, raw) {
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || n < 0) throw new Error(`${arg}: not a number of milliseconds`);
  return n;
}
