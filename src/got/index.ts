/**
 * ctxkit/got: got requests under a context.
 *
 * `got(url, gotOptions(ctx))` sends the context's remaining budget and values
 * on every attempt, cuts got's request timeout to the deadline and stops the
 * request when the context ends; `gotError` gives back cause(ctx), which
 * got's own AbortError drops, and `gotRequest(ctx, (options) => got(url,
 * options))` is the two together. got is an optional peer dependency: ctxkit never loads
 * it, it only hands got options. See docs/rpc.md.
 */
export { gotError, gotOptions, gotRequest, type GotAttempt, type GotContextOptions, type GotContextRequest, type GotOptionsLike } from './options.js';
