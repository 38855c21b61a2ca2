/**
 * afterFunc: run a callback once a context is done, with a way to take it back.
 */
import type { Context } from './context.js';
import { checkParent, ownContext } from './parent.js';
import { AfterEntry, addAfterEntry, removeAfterEntry } from './tree.js';
import { checkFunction } from './internal/check.js';

/** stop() of a callback that can no longer be stopped. */
const alreadyStarted = (): boolean => false;

function stop(this: AfterEntry): boolean {
  const node = this.node;
  // As in Go, fn counts as started as soon as the context is done.
  if (node === undefined || node._err !== undefined) return false;
  this.node = undefined;
  removeAfterEntry(node, this);
  return true;
}

/**
 * afterFunc arranges for fn to run once, in a microtask of its own, after ctx
 * is done; never inside cancel() or afterFunc() itself. Callbacks on one context
 * run in registration order; one that throws does not stop the others, and its
 * error surfaces as an uncaught exception.
 *
 * The returned stop() unregisters fn: it returns true if that stopped fn from
 * running, false if fn was already started (the context is done) or stopped.
 */
export function afterFunc(ctx: Context, fn: () => void): () => boolean {
  const parent = checkParent('afterFunc', 'ctx', ctx);
  checkFunction('afterFunc', 'fn', fn);
  const node = ownContext(parent)._governor();
  if (node === null) {
    // ctx can never be done: fn never runs; stop() succeeds once.
    let pending = true;
    return () => {
      const stopped = pending;
      pending = false;
      return stopped;
    };
  }
  const entry = new AfterEntry(fn, node);
  return addAfterEntry(node, entry) ? stop.bind(entry) : alreadyStarted;
}
