/**
 * The native baselines ctxkit is compared with, written as a careful user would.
 *
 * (a) "AbortSignal.any": a child is an AbortController of its own combined with
 *     its parent's signal by AbortSignal.any (plus AbortSignal.timeout for a
 *     deadline). This is what users write today.
 * (b) "listener": a child is an AbortController whose listener on the parent's
 *     signal aborts it; the listener is removed when the child is cancelled
 *     (setTimeout / clearTimeout for a deadline). This is the fastest plain
 *     native pattern, and the one that leaks the whole child if cancel is
 *     forgotten.
 *
 * Both abort with a pre-made reason, as ctxkit's cancel functions do with their
 * shared Canceled error: `abort()` without a reason builds a DOMException with a
 * stack trace each time, which would make native look slower than it has to be.
 */
import { setMaxListeners } from 'node:events';

/** The reason native children are aborted with (ctxkit's counterpart is Canceled). */
export const CANCELED = new Error('canceled');
/** The reason native timeouts of the listener variant abort with. */
export const TIMED_OUT = new Error('deadline exceeded');

/**
 * A controller for a parent that many children listen on. Its signal's listener
 * limit is lifted, as a user with many children would do, so Node does not build
 * a MaxListenersExceededWarning (with a stack trace) along the way.
 */
export function rootController() {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** A signal that is already aborted: a cancelled parent. */
export function abortedSignal() {
  return AbortSignal.abort(CANCELED);
}

/** (a) A cancellable child of parentSignal made with AbortSignal.any. */
export function anyChild(parentSignal) {
  const controller = new AbortController();
  const signal = AbortSignal.any([parentSignal, controller.signal]);
  return { controller, signal };
}

/** (a) A child of parentSignal with its own timeout, made with AbortSignal.any and AbortSignal.timeout. */
export function anyTimeoutChild(parentSignal, ms) {
  const controller = new AbortController();
  const signal = AbortSignal.any([parentSignal, controller.signal, AbortSignal.timeout(ms)]);
  return { controller, signal };
}

/**
 * (b) A cancellable child of parentSignal that listens on it. The child is
 * its own listener object (handleEvent), so it needs no closure.
 */
export class ListenerChild {
  constructor(parentSignal) {
    this.controller = new AbortController();
    // Node creates a controller's signal on first read; a native child exists to
    // hand out its signal, so it is made here (as AbortSignal.any makes one).
    this.signal = this.controller.signal;
    this.parentSignal = parentSignal;
    if (parentSignal.aborted) this.controller.abort(parentSignal.reason);
    else parentSignal.addEventListener('abort', this, { once: true });
  }

  /** The parent aborted: abort this child with the parent's reason. */
  handleEvent() {
    this.controller.abort(this.parentSignal.reason);
    this._released();
  }

  /** Cancels this child: stop listening on the parent, then abort. */
  cancel(reason = CANCELED) {
    if (this.signal.aborted) return;
    this.parentSignal.removeEventListener('abort', this);
    this._released();
    this.controller.abort(reason);
  }

  /** Hook for subclasses that hold more than the listener. */
  _released() {}
}

/** (b) A child with its own deadline: a ListenerChild plus a setTimeout cleared on cancel. */
export class ListenerTimeoutChild extends ListenerChild {
  constructor(parentSignal, ms) {
    super(parentSignal);
    this.timer = this.signal.aborted ? undefined : setTimeout(() => this.cancel(TIMED_OUT), ms);
    this.timer?.unref();
  }

  _released() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The least any tree of contexts can do for a child that hands out a signal,
 * and the floor under ctxkit's signal path: the child's own AbortController,
 * and an entry in its parent's list, so that a cancelled parent could reach
 * it, taken out (in O(1)) when the child is cancelled. No cancel function, no
 * state of its own. `parent` is a listParent().
 */
export class ListedChild {
  constructor(parent) {
    this.parent = parent;
    this.controller = new AbortController();
    this.slot = parent.children.length;
    parent.children.push(this);
  }

  get signal() {
    return this.controller.signal;
  }

  /** Leaves the parent's list (the last entry takes this one's slot), then aborts. */
  cancel(reason = CANCELED) {
    const list = this.parent.children;
    const last = list.pop();
    if (last !== this) {
      list[this.slot] = last;
      last.slot = this.slot;
    }
    this.controller.abort(reason);
  }
}

/** A long-lived parent for ListedChild: its list of children, kept for its whole life. */
export function listParent() {
  return { children: [] };
}

/**
 * A ListedChild handed out as API.md's withCancel hands out every context: a
 * `[child, cancel]` pair, cancel bound to the child, pair and function both
 * Disposable. The least any implementation of the API can do for the signal
 * path.
 */
export function listedPair(parent) {
  const child = new ListedChild(parent);
  const cancel = child.cancel.bind(child);
  cancel[Symbol.dispose] = cancel;
  const pair = [child, cancel];
  pair[Symbol.dispose] = cancel;
  return pair;
}

/**
 * A parent-pointer walk over plain `{ parent, key, value }` objects: the least a
 * value lookup can do, the baseline for ctx.value().
 */
export function plainValue(node, key) {
  for (let n = node; n !== null; n = n.parent) {
    if (n.key === key) return n.value;
  }
  return undefined;
}

/**
 * A chain shaped like `depth` withValue contexts over background(): a root node
 * holding no key, then `depth` value nodes; the key of the top one is keys[0].
 * A miss visits every node, root included, as ctx.value() does.
 */
export function plainValueChain(depth, keys) {
  let node = { parent: null, key: undefined, value: undefined };
  for (let i = 0; i < depth; i++) node = { parent: node, key: keys[i], value: i };
  return node;
}
