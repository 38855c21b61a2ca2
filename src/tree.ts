/**
 * The cancellation tree: every link between contexts, and the algorithms on it.
 *
 * Each context that can be cancelled is a CancelNode. Value and without-cancel
 * contexts are pass-through: they point at their nearest cancellable ancestor
 * (their *governor*) and add no node. A node's *owner* is the governor of its
 * parent: the nearest cancellable node above it, or null for a root. Linked and
 * signal nodes have extra owners, reached through Link entries.
 *
 * Invariants
 *
 * 1. `_err` is set once, by the first cancellation that reaches the node, and
 *    never changes; `_cause` is set with it. They are the node's whole outcome.
 * 2. A node is ATTACHED when every owner will push a cancellation to it: it sits
 *    in each owner's `_children`, and each owner is attached in turn. Roots are
 *    attached by definition (nothing above them can cancel them).
 * 3. A live node is attached only while it is *observed*: something holds its
 *    `done()` promise or `signal`, an afterFunc is registered on it, or an
 *    attached child needs it. Timer, linked and signal nodes count as observed
 *    for their whole live life (a deadline or an extra owner must reach them).
 *    When the last observation goes away (`stop()`, a child detaching), the node
 *    detaches from its owner again (`release`).
 * 4. Consequently an owner references only attached children. A child that
 *    nobody observes is referenced by no one but its holder: dropped, cancelled
 *    or not, it is garbage. Nothing is pinned that no one can observe.
 * 5. An unattached node learns about its ancestors by *pulling*: `err()` walks
 *    up to the nearest node whose answer is authoritative (done, attached, or
 *    verified in the current epoch) and records the answer on every node it
 *    passed. `epoch` is a fresh token after every cancellation anywhere, so a
 *    node whose `_seen` still holds the current token is live without a walk:
 *    `err()` costs O(1) however deep the chain, and a walk happens at most once
 *    per node per cancellation. `_seen` is ATTACHED or the current epoch only
 *    for a live node without a deadline: one comparison answers err() for it.
 *    A node under a deadline uses TIMED and the timed epoch instead, so that
 *    its err() always goes past invariant 8's clock check first.
 *    The exception is a subtree under a foreign parent (kinds/foreign.ts): a
 *    foreign context may be done before its signal aborts (a context shared
 *    with a busy worker thread is), so its nodes are attached as POLLED, never
 *    cached in an epoch, and every `err()` below it polls the foreign context.
 * 6. Cancellation runs in two phases. Phase 1 marks the whole attached subtree
 *    (`_err`, `_cause`) and consumes the children lists; no user code runs, so
 *    when user code runs every descendant's `err()` is already set. Phase 2
 *    visits the nodes deepest first (post-order, correct for the DAG that
 *    linked nodes form): it detaches each from its remaining owners, releases
 *    its timer or subscription, aborts its signal, resolves its done() promise
 *    and queues its afterFunc callbacks. A listener that throws is reported by
 *    the signal and never escapes cancel().
 * 7. Both phases and every walk are iterative: depth is bounded by memory only.
 * 8. `_deadline` is fixed when a node is made (deadlines never change): its own,
 *    or the earliest above it. A node under a deadline reads the clock in err():
 *    once the deadline has passed, due deadlines expire right there, as if the
 *    host timer had fired, so a synchronous loop polling err() sees the
 *    deadline although the event loop never turns (Go's timers fire on another
 *    goroutine; ours cannot). Nodes without a deadline never read the clock.
 */
import { BaseContext } from './base.js';
import { expireDueDeadlines } from './scheduler.js';

/** A token naming one period between two cancellations (invariant 5). */
class Epoch {}

/** `_seen` of an attached node without a deadline: its state is pushed to it (invariant 2). */
const ATTACHED = new Epoch();
/** `_seen` of an attached node under a deadline, which must still look at the clock (invariant 8). */
const TIMED = new Epoch();
/** `_seen` of an attached node under a foreign root, which must still poll it (invariant 5). */
const POLLED = new Epoch();
/** `_seen` of a done node, or of an unattached one that must walk up before answering. */
const STALE = null;

/** The current epoch: replaced on every cancellation. */
let epoch = new Epoch();
/** The current epoch for nodes under a deadline (invariant 5); made on first use in each epoch. */
let timedEpoch: Epoch | null = null;

/** Starts a new epoch: every cached walk becomes stale. */
function newEpoch(): void {
  epoch = new Epoch();
  timedEpoch = null;
}

/** The marks a walk leaves on a live node it verified, and a chain leaves on an attached node. */
function verifiedMark(n: CancelNode): Epoch {
  return n._deadline === undefined ? epoch : (timedEpoch ??= new Epoch());
}
function attachedMark(n: CancelNode): Epoch {
  return n._deadline === undefined ? ATTACHED : TIMED;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** One callback registered with afterFunc, in its node's list until it runs or is stopped. */
export class AfterEntry {
  fn: () => void;
  /** The node it waits on; undefined once it was stopped or has been queued. */
  node: CancelNode | undefined;
  prev: AfterEntry | undefined = undefined;
  next: AfterEntry | undefined = undefined;
  constructor(fn: () => void, node: CancelNode | undefined) {
    this.fn = fn;
    this.node = node;
  }
}

/** What observes a node: created on the first done(), signal or afterFunc. */
class Observers {
  promise: Promise<void> | undefined = undefined;
  resolve: (() => void) | undefined = undefined;
  controller: AbortController | undefined = undefined;
  first: AfterEntry | undefined = undefined;
  last: AfterEntry | undefined = undefined;
}

/** An extra edge from a secondary owner to a linked node (withLinked, withSignal). */
export class Link {
  readonly node: CancelNode;
  readonly owner: CancelNode;
  /** Index in `owner._children`; -1 once it left the list. */
  _slot = -1;
  constructor(node: CancelNode, owner: CancelNode) {
    this.node = node;
    this.owner = owner;
  }
}

type Child = CancelNode | Link;

/** A context that can be cancelled. Kinds differ only in the hooks below. */
export abstract class CancelNode extends BaseContext {
  /** Canceled or DeadlineExceeded once done; undefined while live (invariant 1). */
  _err: Error | undefined = undefined;
  /**
   * The cause once done. While live it is unused, except by TimerContext, which
   * parks there the cause its deadline will report.
   */
  _cause: unknown = undefined;
  /** Attached children and links; undefined when there are none. */
  _children: Child[] | undefined = undefined;
  /** Index in the owner's `_children` while attached there; -1 otherwise. */
  _slot = -1;
  /** Observers, made on first use; kept after done so done() and signal stay the same objects. */
  _obs: Observers | undefined = undefined;
  /** The deadline in epoch ms, the node's own or the earliest above it; undefined for none (invariant 8). */
  _deadline: number | undefined = undefined;
  /**
   * ATTACHED, TIMED or POLLED while attached; otherwise the (timed) epoch in
   * which a walk last found every ancestor live; STALE when done or unknown
   * (invariant 5).
   */
  _seen: Epoch | null = STALE;

  _governor(): CancelNode {
    return this;
  }

  /** May this node detach when nothing observes it? Plain cancel nodes and signal hubs (invariant 3). */
  _releasable(): boolean {
    return false;
  }
  /** Attaches a node that has no owner. Roots are born attached; signal hubs subscribe here. */
  _attachRoot(): void {
    this._seen = attachedMark(this);
  }
  /** Detaches a root that nothing observes any more; returns whether it did (only signal hubs can). */
  _detachRoot(): boolean {
    return false;
  }
  /** Releases what the node holds outside the tree (timer, links, subscription) once it is done. */
  _onDone(): void {}
  /** For a POLLED root: checks the outside source and cancels the node if it is done; returns whether it is. */
  _pollSource(): boolean {
    return false;
  }

  err(): Error | undefined {
    const s = this._seen;
    if (s === epoch || s === ATTACHED) return undefined;
    return slowErr(this);
  }

  done(): Promise<void> {
    const o = this._obs;
    if (o !== undefined && o.promise !== undefined) return o.promise;
    if (this.err() !== undefined) return RESOLVED;
    const obs = observe(this);
    return (obs.promise = new Promise<void>((resolve) => (obs.resolve = resolve)));
  }

  get signal(): AbortSignal {
    const o = this._obs;
    if (o !== undefined && o.controller !== undefined) return o.controller.signal;
    const controller = new AbortController();
    if (this.err() !== undefined) {
      controller.abort(this._cause);
      (this._obs ??= new Observers()).controller = controller;
    } else {
      observe(this).controller = controller;
    }
    return controller.signal;
  }

  deadline(): Date | undefined {
    const ms = this._deadline;
    return ms === undefined ? undefined : new Date(ms);
  }

  /** Cancels this node and its subtree with err and cause, unless it is already done. */
  _cancel(err: Error, cause: unknown): void {
    if (this.err() === undefined) cancelTree(this, err, cause);
  }
}

/** The nearest cancellable node above n, or null if n is a root. */
function ownerOf(n: CancelNode): CancelNode | null {
  const p = n._parent;
  return p === null ? null : p._governor();
}

/**
 * Gives a newly made node its starting state from its owner, without attaching
 * it: done if the owner is done, verified live if the owner is known live now.
 */
export function adoptOwnerState(n: CancelNode, owner: CancelNode | null): void {
  if (owner === null) {
    n._attachRoot();
    return;
  }
  n._deadline = owner._deadline;
  const e = owner._err;
  if (e !== undefined) settle(n, e, owner._cause);
  else if (isKnownLive(owner._seen)) n._seen = verifiedMark(n);
}

/**
 * Whether a `_seen` mark proves its node live now, once invariant 8's clock
 * check is behind (a node under a deadline is never proved live by its own
 * mark alone: its err() looks at the clock first; a child inherits the deadline).
 */
function isKnownLive(s: Epoch | null): boolean {
  return s === ATTACHED || s === TIMED || s === epoch || (s !== null && s === timedEpoch);
}

/** err() for a node not proved live by its mark: done, under a deadline, polled or unknown. */
function slowErr(n: CancelNode): Error | undefined {
  const e = n._err;
  if (e !== undefined) return e;
  const d = n._deadline;
  if (d !== undefined && d <= Date.now()) {
    expireDueDeadlines();
    if (n._err !== undefined) return n._err;
  }
  const s = n._seen;
  if (s === TIMED || (s !== null && s === timedEpoch)) return undefined;
  return pull(n);
}

/**
 * Records a node's outcome and nothing else. Callers either know nothing
 * observes the node (a context made already done, an unattached node found done
 * by a walk) or tell its observers themselves (phase 2 of cancelTree).
 */
export function settle(n: CancelNode, err: Error, cause: unknown): void {
  n._err = err;
  n._cause = cause;
  n._seen = STALE;
}

/** Whether anything still observes n (invariant 3, timers and links aside). */
function isObserved(n: CancelNode): boolean {
  const o = n._obs;
  return o !== undefined && (o.promise !== undefined || o.controller !== undefined || o.first !== undefined);
}

/** Attaches a live node and returns its observers. The caller has checked err(). */
export function observe(n: CancelNode): Observers {
  attach(n);
  return (n._obs ??= new Observers());
}

/**
 * Attaches a live node, and every unattached owner above it (invariant 2).
 * The caller has checked err(), which verified the whole chain live.
 */
export function attach(n: CancelNode): void {
  // First find the nearest attached node above, to learn whether the chain is
  // attached or polled; then link every node below it.
  let top = n;
  while (!isAttached(top)) {
    const owner = ownerOf(top);
    if (owner === null) {
      top._attachRoot();
      break;
    }
    top = owner;
  }
  const polled = top._seen === POLLED;
  for (let c = n; c !== top; ) {
    const owner = ownerOf(c)!;
    addChild(owner, c);
    c._seen = polled ? POLLED : attachedMark(c);
    c = owner;
  }
}

function isAttached(n: CancelNode): boolean {
  const s = n._seen;
  return s === ATTACHED || s === TIMED || s === POLLED;
}

/** Makes a root whose state comes from outside and must be polled (a foreign parent's adapter). */
export function attachPolledRoot(n: CancelNode): void {
  n._seen = POLLED;
}

/** Adds a child or link to a live, attached-or-attaching owner. */
export function addChild(owner: CancelNode, child: Child): void {
  let list = owner._children;
  if (list === undefined) owner._children = list = [];
  child._slot = list.length;
  list.push(child);
}

/** Removes a child or link from its owner's list, then releases the owner if nothing observes it now. */
export function removeChild(owner: CancelNode, child: Child): void {
  unlink(owner, child);
  release(owner);
}

function unlink(owner: CancelNode, child: Child): void {
  const list = owner._children!;
  const last = list.pop()!;
  if (last !== child) {
    list[child._slot] = last;
    last._slot = child._slot;
  }
  child._slot = -1;
  if (list.length === 0) owner._children = undefined;
}

/** Detaches n, and then each owner above it, for as long as nothing observes them (invariant 3). */
export function release(n: CancelNode): void {
  while (n._err === undefined && n._children === undefined && n._releasable() && !isObserved(n)) {
    const owner = ownerOf(n);
    if (owner === null) {
      if (n._detachRoot()) n._seen = STALE;
      return;
    }
    if (n._slot < 0) return;
    unlink(owner, n);
    n._seen = STALE;
    n = owner;
  }
}

/** Answers err() for a node that is not known live, by walking up (invariant 5). */
function pull(n: CancelNode): Error | undefined {
  let top = n;
  let above: CancelNode | null;
  let cacheable = true;
  for (;;) {
    above = ownerOf(top);
    if (above === null || above._err !== undefined) break;
    const s = above._seen;
    if (isKnownLive(s)) break;
    if (s === POLLED) {
      cacheable = false;
      if (above._pollSource()) break;
    }
    top = above;
  }
  const err = above === null ? undefined : above._err;
  // Record the answer on the unattached nodes passed: nothing observes them, so
  // becoming done needs no further work. (Polled nodes were reached by the push.)
  for (let m: CancelNode = n; ; m = ownerOf(m)!) {
    if (m._slot < 0 && m._err === undefined) {
      if (err !== undefined) settle(m, err, above!._cause);
      else if (cacheable) m._seen = verifiedMark(m);
    }
    if (m === top) break;
  }
  return n._err;
}

/** Cancels a live node and everything attached below it (invariant 6). */
export function cancelTree(root: CancelNode, err: Error, cause: unknown): void {
  newEpoch();
  settle(root, err, cause);
  if (root._children === undefined) {
    finish(root);
    return;
  }
  const order = markSubtree(root, err, cause);
  for (let i = 0; i < order.length; i++) finish(order[i]);
}

/** Phase 1: marks the attached subtree done; returns it in post-order (deepest first). */
function markSubtree(root: CancelNode, err: Error, cause: unknown): CancelNode[] {
  const order: CancelNode[] = [];
  const nodes: CancelNode[] = [root];
  const lists: Array<Child[] | undefined> = [takeChildren(root)];
  const cursors: number[] = [0];
  while (nodes.length !== 0) {
    const top = nodes.length - 1;
    const list = lists[top];
    let next: CancelNode | undefined;
    if (list !== undefined) {
      let i = cursors[top];
      while (i < list.length) {
        const entry = list[i++];
        entry._slot = -1;
        const node = entry instanceof Link ? entry.node : entry;
        if (node._err === undefined) {
          next = node;
          break;
        }
      }
      cursors[top] = i;
    }
    if (next === undefined) {
      order.push(nodes.pop()!);
      lists.pop();
      cursors.pop();
    } else {
      settle(next, err, cause);
      nodes.push(next);
      lists.push(takeChildren(next));
      cursors.push(0);
    }
  }
  return order;
}

function takeChildren(n: CancelNode): Child[] | undefined {
  const list = n._children;
  n._children = undefined;
  return list;
}

/** Phase 2 for one node: detach, release, then tell its observers. */
function finish(n: CancelNode): void {
  if (n._slot >= 0) removeChild(ownerOf(n)!, n);
  n._onDone();
  const obs = n._obs;
  if (obs === undefined) return;
  obs.controller?.abort(n._cause);
  const resolve = obs.resolve;
  if (resolve !== undefined) {
    obs.resolve = undefined;
    resolve();
  }
  let entry = obs.first;
  obs.first = obs.last = undefined;
  for (; entry !== undefined; entry = entry.next) {
    entry.node = undefined;
    runSoon(entry.fn);
  }
}

/**
 * Runs fn in a microtask of its own. A promise job, not queueMicrotask: test
 * runners' fake timers replace queueMicrotask, and a callback must not wait for
 * a fake clock to move when a context is cancelled by hand. An error fn throws
 * is re-thrown from a microtask of its own, so it surfaces as uncaught.
 */
export function runSoon(fn: () => void): void {
  RESOLVED.then(() => {
    try {
      fn();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  });
}

/** Appends an afterFunc entry to a live node's observers (attaching the node). */
export function addAfterEntry(n: CancelNode, entry: AfterEntry): void {
  const obs = observe(n);
  entry.prev = obs.last;
  if (obs.last === undefined) obs.first = entry;
  else obs.last.next = entry;
  obs.last = entry;
}

/** Takes a pending afterFunc entry out of its node's list; releases the node if that was its last observer. */
export function removeAfterEntry(n: CancelNode, entry: AfterEntry): void {
  const obs = n._obs!;
  if (entry.prev === undefined) obs.first = entry.next;
  else entry.prev.next = entry.next;
  if (entry.next === undefined) obs.last = entry.prev;
  else entry.next.prev = entry.prev;
  entry.prev = entry.next = undefined;
  release(n);
}
