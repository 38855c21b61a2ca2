/**
 * From a parent argument to the context the tree builds on. Every constructor
 * checks all of its arguments first (checkParent, then the others) and only
 * then calls ownContext, so a rejected call makes and touches nothing.
 */
import { BaseContext } from './base.js';
import type { Context } from './context.js';
import { fail, isContext, isSignalLike } from './internal/check.js';
import { foreignParent } from './kinds/foreign.js';

/** checkParent returns x if it can be a parent: a ctxkit context, or a foreign Context with a real signal. Throws otherwise. */
export function checkParent(fn: string, arg: string, x: unknown): Context {
  if (x instanceof BaseContext) return x;
  if (!isContext(x)) fail(fn, arg, 'a Context', x);
  const signal = x.signal;
  if (!isSignalLike(signal)) fail(fn, `${arg}.signal`, 'an AbortSignal', signal);
  return x;
}

/** parentContext checks a parent and returns the context to build on, for constructors whose only argument it is. */
export function parentContext(fn: string, arg: string, x: unknown): BaseContext {
  return x instanceof BaseContext ? x : foreignParent(checkParent(fn, arg, x));
}

/** ownContext returns the context to build on for a checked parent: itself if ctxkit made it, else its foreign adapter. */
export function ownContext(ctx: Context): BaseContext {
  return ctx instanceof BaseContext ? ctx : foreignParent(ctx);
}
