/**
 * requestError: the error an undici request made under a context reports.
 */
import { cause, type Context } from '../index.js';
import { checkContext } from '../internal/check.js';

/**
 * requestError returns cause(ctx) if ctx is done, else `error` unchanged: use
 * it where `undici.fetch` rejects with `TypeError('fetch failed')` (whose
 * `.cause` is the reason) so that the caller sees exactly cause(ctx):
 * `await fetch(url, { dispatcher }).catch((e) => { throw requestError(ctx, e); })`.
 */
export function requestError(ctx: Context, error: unknown): unknown {
  checkContext('undici.requestError', 'ctx', ctx);
  return ctx.err() === undefined ? error : cause(ctx);
}
