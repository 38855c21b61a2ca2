/**
 * The implicit context: for code that cannot take a `ctx` parameter (a logger
 * called from deep inside a library), the context of the current request,
 * carried by one AsyncLocalStorage.
 *
 * Pass contexts explicitly wherever you can: this costs every asynchronous
 * operation of the process something once the first `run` has happened (see
 * docs/servers.md), and hides a dependency. The storage is created on the
 * first `run`, so a program that never calls it pays nothing. There is no
 * `enterWith`: a context set without a scope would leak into whatever the
 * current asynchronous resource goes on to run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '../index.js';
import { checkContext, checkFunction } from '../internal/check.js';

let storage: AsyncLocalStorage<Context> | undefined;

/**
 * run calls fn with ctx as the implicit context, for fn and every
 * asynchronous operation it starts (promises, timers, callbacks), and returns
 * what fn returns. Runs nest: the innermost wins, and the outer one is back
 * when fn returns.
 */
export function run<R>(ctx: Context, fn: () => R): R {
  checkContext('implicit.run', 'ctx', ctx);
  checkFunction('implicit.run', 'fn', fn);
  return (storage ??= new AsyncLocalStorage<Context>()).run(ctx, fn);
}

/** current returns the implicit context set by the innermost `run` around this code, or undefined outside any. */
export function current(): Context | undefined {
  return storage?.getStore();
}
