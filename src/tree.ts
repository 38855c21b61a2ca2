/**
 * The cancellation tree: every link between contexts, and every algorithm on it.
 * The kinds in kinds/ are small types that differ only in the hooks of
 * CancelNode; they never link, attach, settle or poll by themselves.
 *
 * Each context that can be cancelled is a CancelNode. Value and without-cancel
 * contexts are pass-through: they point at their nearest cancellable ancestor
 * (their *governor*) and add no node. A node's *owner* is the governor of its
 * parent: the nearest cancellable node above it, or null for a root. Linked
 * nodes have extra owners, reached through Link entries. A *source* is a root
 * whose state comes from outside: an AbortSignal (withSignal) or a context not
 * made by ctxkit (a foreign parent).
 *
 * Where to look: `wire` and `wirePlain` are how a new node joins the tree
 * (Go's propagateCancel); `cancelTree` is how a cancellation propagates; `attach` and
 * `release` keep invariant 3; `pull` answers err() for a node nothing pushes to.
 *
 * Invariants
 *
 * 1. `_err` is set once, by the first cancellation that reaches the node, and
 *    never changes; `_cause` is set with it. They are the node's whole outcome.
 * 2. A node is ATTACHED when every owner will push a cancellation to it: it sits
 *    in each owner's `_children`, and each owner is attached in turn. A root is
 *    attached from birth (nothing above it can cancel it), except a source,
 *    which is attached while it is subscribed to its outside source.
 * 3. A live node is attached only while it is *observed*: something holds its
 *    `done()` promise or `signal`, an afterFunc is registered on it, or an
 *    attached child needs it. Timer and linked nodes count as observed for
 *    their whole live life (a deadline or an extra owner must reach them).
 *    When the last observation goes away (`stop()`, a child detaching), the node
 *    detaches from its owner again (`release`); a source unsubscribes.
 * 4. Consequently an owner references only attached children. A child that
 *    nobody observes is referenced by no one but its holder: dropped, cancelled
 *    or not, it is garbage. Nothing is pinned that no one can observe.
 * 5. An unattached node learns about its ancestors by *pulling*: `err()` walks
 *    up to the nearest node whose answer is authoritative (done, attached, or
 *    verified in the current epoch) and records the answer on every node it
 *    passed. `epoch` is a fresh token after every cancellation anywhere, so a
 *    node whose `_seen` still holds the current token is live without a walk:
 *    `err()` costs O(1) however deep the chain, and a walk happens at most once
 *    per node per cancellation. The `_seen` marks are listed below; only the
 *    `mark…` functions write them.
 * 6. A foreign context may be done before its signal aborts (one shared with a
 *    busy worker thread is), so nodes under a foreign source are POLLED, never
 *    cached in an epoch: every `err()` below it asks the foreign context. A
 *    linked node with a polled extra owner is polled too, and asks its owners.
 *    An unsubscribed source is asked on every `err()` that reaches it.
 * 7. Cancellation runs in two phases. Phase 1 marks the whole attached subtree
 *    (`_err`, `_cause`) and consumes the children lists; no user code runs, so
 *    when user code runs every descendant's `err()` is already set. Phase 2
 *    visits the nodes deepest first (post-order, correct for the DAG that
 *    linked nodes form): it detaches each from its remaining owners, releases
 *    its timer or subscription, queues its afterFunc callbacks, resolves its
 *    done() promise and aborts its signal. A cancellation that user code starts
 *    during phase 2 marks its subtree at once and queues its phase 2 behind the
 *    nodes already waiting, so signals still abort deepest first and every one
 *    has aborted when the outermost cancel() returns. A listener that throws is
 *    reported by the signal and never escapes cancel().
 * 8. Both phases and every walk are iterative: depth is bounded by memory only.
 * 9. `_deadline` is fixed when a node is wired (deadlines never change): its
 *    own, or the earliest of its owners'. A node under a deadline reads the
 *    clock in err(): once the deadline has passed, due deadlines expire right
 *    there, as if the host timer had fired, so a synchronous loop polling err()
 *    sees the deadline although the event loop never turns (Go's timers fire on
 *    another goroutine; ours cannot). Nodes without a deadline never read the clock.
 */
import { BaseContext } from './base.js';
import { DeadlineExceeded } from './errors.js';
import { onAbort } from './internal/host.js';
import { expireDueDeadlines } from './scheduler.js';

/** A token naming one period between two cancellations (invariant 5). */
class Epoch {}

// The `_seen` marks. A live node holds exactly one; a done node holds STALE.
/** Attached, no deadline: its state is pushed to it, so err() is one comparison. */
const ATTACHED = new Epoch();
/** Attached, under a deadline: err() still looks at the clock (invariant 9). */
const TIMED = new Epoch();
/** Attached under a source that must be asked (invariant 6). */
const POLLED = new Epoch();
/** Done, or unattached and not verified in this epoch: err() must walk up. */
const STALE = null;
// Otherwise `epoch` or `timedEpoch`: unattached, verified live in the current epoch.

/** The current epoch: replaced on every cancellation. */
let epoch = new Epoch();
/** The current epoch for nodes under a deadline (invariant 9); made on first use in each epoch. */
let timedEpoch: Epoch | null = null;

/** Starts a new epoch: every cached walk becomes stale. */
function newEpoch(): void {
  epoch = new Epoch();
  timedEpoch = null;
}

/** Whether a node with this mark is attached (invariant 2). */
function isAttachedMark(s: Epoch | null): boolean {
  return s === ATTACHED || s === TIMED || s === POLLED;
}

/**
 * Whether a mark proves its node live now, once invariant 9's clock check is
 * behind (a node under a deadline is never proved live by its own mark alone:
 * its err() looks at the clock first; a child inherits the deadline).
 */
function isKnownLive(s: Epoch | null): boolean {
  return s === ATTACHED || s === TIMED || s === epoch || (s !== null && s === timedEpoch);
}

/** Marks a live node attached: polled under a source that must be asked, else pushed to. */
function markAttached(n: CancelNode, polled: boolean): void {
  n._seen = polled ? POLLED : n._deadline === undefined ? ATTACHED : TIMED;
}

/** Marks an unattached live node as verified in the current epoch. */
function markVerified(n: CancelNode): void {
  n._seen = n._deadline === undefined ? epoch : (timedEpoch ??= new Epoch());
}

/** Marks a node whose state is unknown until it walks up (detached, or done). */
function markStale(n: CancelNode): void {
  n._seen = STALE;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** One callback registered with afterFunc, in its node's list until it is queued or stopped. */
export class AfterEntry {
  fn: () => void;
  /** The node it waits on; undefined once it was stopped or has been queued. */
  node: CancelNode | undefined;
  prev: AfterEntry | undefined = undefined;
  next: AfterEntry | undefined = undefined;
  constructor(fn: () => void, node: CancelNode) {
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

/** An extra edge from a secondary owner to a linked node. */
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
   * The cause once done. While live it is unused, except by a node with a
   * deadline of its own, which parks there the cause its deadline will report.
   */
  _cause: unknown = undefined;
  /** Attached children and links; undefined when there are none. */
  _children: Child[] | undefined = undefined;
  /** Index in the owner's `_children` while attached there; -1 otherwise (roots, detached nodes). */
  _slot = -1;
  /** Observers, made on first use; kept after done so done() and signal stay the same objects. */
  _obs: Observers | undefined = undefined;
  /** The deadline in epoch ms, the node's own or the earliest of its owners'; undefined for none (invariant 9). */
  _deadline: number | undefined = undefined;
  /** One of the marks above (invariant 5); written only by the mark… functions. */
  _seen: Epoch | null = STALE;

  _governor(): CancelNode {
    return this;
  }

  // Hooks. The defaults are those of a plain cancellable node.

  /**
   * Whether the node stays attached for its whole live life (timer and linked
   * nodes: a deadline or an extra owner must reach them); other nodes attach
   * only while observed (invariant 3).
   */
  _staysAttached(): boolean {
    return false;
  }
  /** Runs once after a live node was wired attached: a timer node schedules its deadline here. */
  _onWired(): void {}
  /** Releases what the node holds outside the tree (timer, links, subscription) once it is done. */
  _onDone(): void {}
  /**
   * For a source or a polled linked node: asks the outside (or the extra
   * owners) and, if done, cancels the node; returns whether the node is done.
   */
  _poll(): boolean {
    return this._err !== undefined;
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

/**
 * A root whose state comes from outside: an AbortSignal (withSignal) or a
 * context not made by ctxkit. It listens to its input signal, through a
 * subscription no other listener can suppress, while anything below it is
 * attached, and is asked (`_poll`) by err() whenever it is not (invariant 6).
 */
export abstract class SourceNode extends CancelNode {
  /** The signal that tells when the outside source is done. */
  readonly _input: AbortSignal;
  private _stopListening: (() => void) | undefined = undefined;

  constructor(input: AbortSignal) {
    super(null);
    this._input = input;
  }

  /** Whether err() below must still ask the source while subscribed (its signal may lag behind it). */
  abstract _pollWhileSubscribed(): boolean;

  /** Starts listening; returns whether the nodes attached below must be polled. */
  _subscribe(): boolean {
    this._stopListening ??= onAbort(this._input, () => void this._poll());
    return this._pollWhileSubscribed();
  }
  _unsubscribe(): void {
    this._stopListening?.();
    this._stopListening = undefined;
  }
  override _onDone(): void {
    this._unsubscribe();
  }
}

/** The nearest cancellable node above n, or null if n is a root. */
function ownerOf(n: CancelNode): CancelNode | null {
  const p = n._parent;
  return p === null ? null : p._governor();
}

const NO_OWNERS: readonly (CancelNode | null)[] = [];
/** The links of a node that has none (shared: wire allocates nothing for a plain node). */
const NO_LINKS: Link[] = [];

/**
 * wire and wirePlain join a new node to the tree: every kind calls one of them
 * (they are Go's propagateCancel). A node's owners are the governor of its
 * parent and, for a linked node, extraOwners.
 *
 * wire is for a node that stays attached (timer, linked). Its kind has set its
 * own deadline (and the cause that deadline reports) before; wire gives it the
 * earliest of its owners' deadlines if that is sooner. The node is done at
 * once with the outcome of the first done owner (its parent's governor first,
 * then extraOwners in order), or with DeadlineExceeded if its own deadline is
 * at or before `now` (the time the kind computed it from; the clock if not
 * given); otherwise it is attached to every owner, its _onWired hook runs, and
 * its links to the extra owners are returned.
 */
export function wire(n: CancelNode, extraOwners: readonly (CancelNode | null)[] = NO_OWNERS, now?: number): Link[] {
  const owner = ownerOf(n);
  const own = n._deadline;
  n._deadline = earliestDeadline(own, owner, extraOwners);
  // err() first: it also expires an owner whose own deadline has passed.
  const doneOwner = firstDone(owner, extraOwners);
  if (doneOwner !== null) {
    settle(n, doneOwner._err!, doneOwner._cause);
    return NO_LINKS;
  }
  if (own !== undefined && own <= (now ?? Date.now())) {
    settle(n, DeadlineExceeded, n._cause);
    return NO_LINKS;
  }
  attach(n);
  const links = linkExtraOwners(n, owner, extraOwners);
  n._onWired();
  return links;
}

/**
 * wirePlain is for a plain node, attached only while observed (invariant 3):
 * it starts done if its owner is known to be done, verified live if its owner
 * is known live now, and otherwise unknown until its first err(). (A routine
 * of its own, not a branch of wire: the hottest path in the package stays
 * monomorphic however many kinds an application uses.)
 */
export function wirePlain(n: CancelNode): void {
  adoptOwnerState(n, ownerOf(n));
}

/** Gives a plain node its starting state from its owner, without attaching it. */
function adoptOwnerState(n: CancelNode, owner: CancelNode | null): void {
  if (owner === null) {
    markAttached(n, false);
    return;
  }
  n._deadline = owner._deadline;
  const e = owner._err;
  if (e !== undefined) settle(n, e, owner._cause);
  else if (isKnownLive(owner._seen)) markVerified(n);
}

function earliestDeadline(own: number | undefined, owner: CancelNode | null, extra: readonly (CancelNode | null)[]): number | undefined {
  let d = own;
  for (let i = -1; i < extra.length; i++) {
    const o = i < 0 ? owner : extra[i];
    const od = o === null ? undefined : o._deadline;
    if (od !== undefined && (d === undefined || od < d)) d = od;
  }
  return d;
}

function firstDone(owner: CancelNode | null, extra: readonly (CancelNode | null)[]): CancelNode | null {
  for (let i = -1; i < extra.length; i++) {
    const o = i < 0 ? owner : extra[i];
    if (o !== null && o.err() !== undefined) return o;
  }
  return null;
}

/** Links an attached node to each distinct extra owner; a polled extra owner makes the node polled (invariant 6). */
function linkExtraOwners(n: CancelNode, owner: CancelNode | null, extra: readonly (CancelNode | null)[]): Link[] {
  if (extra.length === 0) return NO_LINKS;
  const links: Link[] = [];
  for (const o of extra) {
    if (o === null || o === owner || links.some((l) => l.owner === o)) continue;
    attach(o);
    const link = new Link(n, o);
    addChild(o, link);
    links.push(link);
    if (o._seen === POLLED) markAttached(n, true);
  }
  return links;
}

/** For a polled linked node's _poll: asks each extra owner, whose cancellation reaches the node through its link. */
export function pollLinks(n: CancelNode, links: readonly Link[]): boolean {
  for (let i = 0; i < links.length && n._err === undefined; i++) links[i].owner.err();
  return n._err !== undefined;
}

/** For a linked node's _onDone: leaves every extra owner still holding a link to it. */
export function unlinkAll(links: readonly Link[]): void {
  for (const link of links) if (link._slot >= 0) removeChild(link.owner, link);
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
function settle(n: CancelNode, err: Error, cause: unknown): void {
  n._err = err;
  n._cause = cause;
  markStale(n);
}

/** Whether anything still observes n (invariant 3, timers and links aside). */
function isObserved(n: CancelNode): boolean {
  const o = n._obs;
  return o !== undefined && (o.promise !== undefined || o.controller !== undefined || o.first !== undefined);
}

/** Attaches a live node and returns its observers. The caller has checked err(). */
function observe(n: CancelNode): Observers {
  attach(n);
  return (n._obs ??= new Observers());
}

/**
 * Attaches a live node, and every unattached owner above it (invariant 2).
 * The caller has checked err(), which verified the whole chain live.
 */
function attach(n: CancelNode): void {
  // First find the nearest attached node above, to learn whether the chain is
  // pushed to or polled; then link every node below it.
  let top = n;
  while (!isAttachedMark(top._seen)) {
    const owner = ownerOf(top);
    if (owner === null) {
      markAttached(top, top instanceof SourceNode && top._subscribe());
      break;
    }
    top = owner;
  }
  const polled = top._seen === POLLED;
  for (let c = n; c !== top; ) {
    const owner = ownerOf(c)!;
    addChild(owner, c);
    markAttached(c, polled);
    c = owner;
  }
}

/** Adds a child or link to a live, attached-or-attaching owner. */
function addChild(owner: CancelNode, child: Child): void {
  const list = owner._children;
  if (list === undefined) {
    // Made holding its first child: an empty list grown by push costs a
    // second allocation, paid again each time a one-child list empties.
    child._slot = 0;
    owner._children = [child];
    return;
  }
  child._slot = list.length;
  list.push(child);
}

/** Removes a child or link from its owner's list, then releases the owner if nothing observes it now. */
function removeChild(owner: CancelNode, child: Child): void {
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
function release(n: CancelNode): void {
  while (n._err === undefined && n._children === undefined && !n._staysAttached() && !isObserved(n)) {
    const owner = ownerOf(n);
    if (owner === null) {
      // A plain root stays attached; a source stops listening.
      if (n instanceof SourceNode) {
        n._unsubscribe();
        markStale(n);
      }
      return;
    }
    if (n._slot < 0) return;
    unlink(owner, n);
    markStale(n);
    n = owner;
  }
}

/** Answers err() for a node that is not known live, by walking up (invariant 5). */
function pull(n: CancelNode): Error | undefined {
  let cacheable = true;
  let m = n;
  // Find the authority: the first node up from n that is done, known live, or the root.
  for (;;) {
    const above = ownerOf(m);
    if (m._seen === POLLED || (above === null && m instanceof SourceNode)) {
      cacheable = false;
      if (m._poll()) break;
    }
    if (above === null) break;
    m = above;
    if (m._err !== undefined || isKnownLive(m._seen)) break;
  }
  // Record the answer on the unattached nodes below it: nothing observes them,
  // so becoming done needs no further work (attached ones were pushed to).
  const err = m._err;
  for (let c = n; c !== m; c = ownerOf(c)!) {
    if (c._slot >= 0 || c._err !== undefined) continue;
    if (err !== undefined) settle(c, err, m._cause);
    else if (cacheable) markVerified(c);
  }
  return n._err;
}

/** Nodes marked done by a cancellation whose observers are still to be told (phase 2, invariant 7). */
let phase2: CancelNode[] | null = null;
/** True while phase 2 runs: a cancellation started by user code then queues behind it. */
let inPhase2 = false;

/** Cancels a live node and everything attached below it (invariant 7). */
export function cancelTree(root: CancelNode, err: Error, cause: unknown): void {
  newEpoch();
  settle(root, err, cause);
  if (root._children === undefined && !inPhase2) {
    // One node: whatever its listeners cancel can only come after it anyway.
    finish(root);
    return;
  }
  if (inPhase2) {
    const queue = (phase2 ??= []);
    if (root._children === undefined) queue.push(root);
    else for (const n of markSubtree(root, err, cause)) queue.push(n);
    return;
  }
  inPhase2 = true;
  try {
    const order = markSubtree(root, err, cause);
    for (let i = 0; i < order.length; i++) finish(order[i]);
    const queued = phase2;
    if (queued !== null) for (let i = 0; i < queued.length; i++) finish(queued[i]);
  } finally {
    inPhase2 = false;
    phase2 = null;
  }
}

/** Phase 1: marks the attached subtree done; returns it in post-order (deepest first). */
function markSubtree(root: CancelNode, err: Error, cause: unknown): CancelNode[] {
  const order: CancelNode[] = [];
  // The walk's stacks are shared by every call: markSubtree runs no user code,
  // so it never re-enters, and each walk leaves them empty (no node kept alive).
  const nodes = walkNodes;
  const lists = walkLists;
  const cursors = walkCursors;
  nodes.push(root);
  lists.push(takeChildren(root));
  cursors.push(0);
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
const walkNodes: CancelNode[] = [];
const walkLists: Array<Child[] | undefined> = [];
const walkCursors: number[] = [];

function takeChildren(n: CancelNode): Child[] | undefined {
  const list = n._children;
  n._children = undefined;
  return list;
}

/**
 * Phase 2 for one node: detach, release, then tell its observers. The
 * afterFunc callbacks are queued first, so one registered by an abort listener
 * runs after them (registration order).
 */
function finish(n: CancelNode): void {
  if (n._slot >= 0) removeChild(ownerOf(n)!, n);
  n._onDone();
  const obs = n._obs;
  if (obs === undefined) return;
  let entry = obs.first;
  obs.first = obs.last = undefined;
  for (; entry !== undefined; entry = entry.next) {
    entry.node = undefined;
    runSoon(entry.fn);
  }
  const resolve = obs.resolve;
  if (resolve !== undefined) {
    obs.resolve = undefined;
    resolve();
  }
  obs.controller?.abort(n._cause);
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

/**
 * Registers an afterFunc callback on a node: appended to its list while the
 * node is live, or done but still waiting for phase 2 with callbacks queued
 * before it (registration order); run soon if the node is done and told.
 * Returns whether it was appended (false: it was run, and can no longer be stopped).
 */
export function addAfterEntry(n: CancelNode, entry: AfterEntry): boolean {
  let obs: Observers;
  if (n.err() === undefined) obs = observe(n);
  else if (n._obs !== undefined && n._obs.first !== undefined) obs = n._obs;
  else {
    entry.node = undefined;
    runSoon(entry.fn);
    return false;
  }
  entry.prev = obs.last;
  if (obs.last === undefined) obs.first = entry;
  else obs.last.next = entry;
  obs.last = entry;
  return true;
}

/** Takes a pending afterFunc entry out of its live node's list; releases the node if that was its last observer. */
export function removeAfterEntry(n: CancelNode, entry: AfterEntry): void {
  const obs = n._obs!;
  if (entry.prev === undefined) obs.first = entry.next;
  else entry.prev.next = entry.next;
  if (entry.next === undefined) obs.last = entry.prev;
  else entry.next.prev = entry.prev;
  entry.prev = entry.next = undefined;
  release(n);
}
