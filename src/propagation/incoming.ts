/**
 * incomingDeadline: the deadline a server applies to one request, from its own
 * budget and the caller's header.
 */
import { withCancel, withTimeout, type CancelFunc, type Context } from '../index.js';
import { checkContext, checkOptionalMs, fail } from '../internal/check.js';
import { checkCodecs } from '../internal/headers.js';
import { ctxkitTimeoutCodec, type DeadlineCodec } from './deadline-codecs.js';
import { MalformedDeadlineError } from './errors.js';
import { readHeader, type HeadersLike } from './headers.js';

/** IncomingDeadlineOptions says which deadline headers a server honours, from whom, and within what limit. */
export interface IncomingDeadlineOptions {
  /**
   * The headers read, as codecs. Default: `[ctxkitTimeoutCodec]`. When several
   * are present and valid, the shortest wins.
   */
  codecs?: readonly DeadlineCodec[];
  /**
   * The server's own budget per request, in milliseconds: the request's
   * context never gets more, header or not. A header asking for more is
   * clamped to it (`clamped: true`). Default: none (only the parent's deadline).
   */
  maxTimeoutMs?: number;
  /**
   * What a header that breaks its grammar does: "reject" (the default) throws a
   * MalformedDeadlineError, which a server answers with 400; "ignore" treats
   * the header as absent and lists it in `ignored`.
   */
  malformed?: 'reject' | 'ignore';
  /**
   * Whether this caller may set a deadline at all: a boolean, or a function of
   * the request's headers that returns true to trust it. When not trusted the
   * headers are not read, so they can neither shorten the budget nor be
   * rejected. Default: true.
   */
  trust?: boolean | ((headers: HeadersLike) => boolean);
}

/** IncomingDeadline is the request's context and what decided its deadline, for logs and status codes. */
export interface IncomingDeadline {
  /** A child of the parent, with the applied deadline; done at once if the caller sent 0. */
  readonly ctx: Context;
  /** Cancels ctx and releases its timer: call it when the request ends. */
  readonly cancel: CancelFunc;
  /** Whether the caller was allowed to set a deadline (the `trust` option). */
  readonly trusted: boolean;
  /** The header whose value was used (the shortest valid one), or undefined if none. */
  readonly header: string | undefined;
  /** The timeout the caller asked for, in milliseconds, or undefined if none was used. */
  readonly requestedMs: number | undefined;
  /**
   * The timeout applied to ctx, in milliseconds: the request's, capped by
   * `maxTimeoutMs`; undefined when neither applies. The parent's deadline
   * applies in any case, so ctx may end sooner.
   */
  readonly timeoutMs: number | undefined;
  /** Whether the caller asked for more than `maxTimeoutMs` and was cut to it. */
  readonly clamped: boolean;
  /** Names of malformed headers that were ignored (policy "ignore"). */
  readonly ignored: readonly string[];
}

const DEFAULT_CODECS: readonly DeadlineCodec[] = [ctxkitTimeoutCodec];
const FN = 'incomingDeadline';
/** `ignored` when nothing was: one shared array, not one per request. */
const NONE_IGNORED: readonly string[] = Object.freeze([]);

/**
 * incomingDeadline returns a child of parent whose deadline is the earliest of
 * parent's deadline, `maxTimeoutMs` from now, and the caller's timeout header
 * from now: a header can only shorten the server's budget, never extend it.
 * A header of 0 gives a context already done with DeadlineExceeded. A
 * malformed header throws a MalformedDeadlineError (policy "reject") or is
 * ignored. Call `cancel` when the request ends.
 *
 * `headers` is a WHATWG `Headers` or a Node-style headers object.
 */
export function incomingDeadline(parent: Context, headers: HeadersLike, options: IncomingDeadlineOptions = {}): IncomingDeadline {
  checkContext(FN, 'parent', parent);
  if (typeof headers !== 'object' || headers === null) fail(FN, 'headers', 'a Headers or a headers object', headers);
  const codecs = checkCodecs(FN, 'options.codecs', options.codecs ?? DEFAULT_CODECS);
  const max = checkOptionalMs(FN, 'options.maxTimeoutMs', options.maxTimeoutMs);
  const policy = options.malformed ?? 'reject';
  if (policy !== 'reject' && policy !== 'ignore') fail(FN, 'options.malformed', '"reject" or "ignore"', policy);
  const trust = options.trust ?? true;
  if (typeof trust !== 'boolean' && typeof trust !== 'function') fail(FN, 'options.trust', 'a boolean or a function', trust);

  const trusted = typeof trust === 'boolean' ? trust : trust(headers) === true;
  let header: string | undefined;
  let requestedMs: number | undefined;
  let ignored: string[] | undefined;
  if (trusted) {
    for (const codec of codecs) {
      const value = readHeader(headers, codec.header);
      if (value === undefined) continue;
      const ms = codec.decode(value);
      // A custom codec's answer is checked too: only a duration counts.
      if (typeof ms !== 'number' || !(ms >= 0 && ms < Infinity)) {
        if (policy === 'reject') throw new MalformedDeadlineError(codec.header, value);
        (ignored ??= []).push(codec.header);
      } else if (requestedMs === undefined || ms < requestedMs) {
        header = codec.header;
        requestedMs = ms;
      }
    }
  }
  const clamped = requestedMs !== undefined && max !== undefined && requestedMs > max;
  const timeoutMs = requestedMs === undefined || clamped ? max : requestedMs;
  const [ctx, cancel] = timeoutMs === undefined ? withCancel(parent) : withTimeout(parent, timeoutMs);
  return { ctx, cancel, trusted, header, requestedMs, timeoutMs, clamped, ignored: ignored ?? NONE_IGNORED };
}
