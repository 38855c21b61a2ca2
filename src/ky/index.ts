/**
 * ctxkit/ky: ky requests under a context.
 *
 * `ky(url, kyOptions(ctx))` sends the context's remaining budget and values on
 * every attempt, cuts ky's timeout to the deadline and stops the request (and
 * the reading of its body) when the context ends, rejecting with cause(ctx);
 * `kyRequest(ctx, (options) => ky(url, options).json())` also turns ky's
 * TimeoutError into DeadlineExceeded, as `kyError` does for code that calls
 * ky itself. ky is an
 * optional peer dependency: ctxkit never loads it, it only hands ky options.
 * See docs/rpc.md.
 */
export { kyError, kyOptions, kyRequest, type KyAttempt, type KyContextOptions, type KyContextRequest, type KyOptionsLike } from './options.js';
