/**
 * ctxkit/undici: a context applied to every request of an undici dispatcher.
 *
 * `agent.compose(contextInterceptor(options))` sends each request's remaining
 * budget and values, and aborts it with cause(ctx) when the context ends; the
 * context is `options.context`, or the implicit context of `ctxkit/node`, so
 * that every outgoing request of a handler is bounded without passing `ctx`
 * by hand. `requestError` gives back cause(ctx) where `undici.fetch` wraps it.
 * undici is an optional peer dependency, used only through the dispatcher you
 * compose. See docs/rpc.md.
 */
export { contextInterceptor, type UndiciContextOptions } from './interceptor.js';
export { requestError } from './errors.js';
