/**
 * The deadline scheduler: every pending deadline of every context, in one binary
 * min-heap, behind one host timer.
 *
 * One timer for all contexts keeps a deadline context small (no Timeout object
 * and closure each) and makes creating one cheap when others are pending. The
 * host timer is always armed for the earliest deadline (or for 2^31-1 ms ahead,
 * the longest delay hosts accept, when that is further), unreferenced so it never
 * keeps the process alive, and cleared at the end of the turn in which the last
 * pending deadline went away (a context's own entry leaves the heap at once;
 * the shared timer waits for the turn to end, so that code creating and
 * cancelling timeouts one after another does not arm and clear it each time).
 * `setTimeout`, `clearTimeout` and `Date.now` are read at each call, so fake
 * timers installed after this module loaded (jest.useFakeTimers) drive it; a
 * timer armed through one `setTimeout` is re-armed when another is installed.
 *
 * Where timers belong to a request (workerd, see REQUEST_TIMERS), a shared
 * timer armed by one request would die with it, so there each deadline arms
 * its own timer instead, in the request that made it; the heap stays the one
 * place that decides what is due.
 */
import { REQUEST_TIMERS, requestTimer, timerDelay, unref } from './internal/host.js';

/** What the scheduler needs of a context with a deadline. */
export interface Scheduled {
  /** The deadline in epoch ms. */
  readonly _deadline: number;
  /** Index in the heap; -1 when not scheduled. */
  _heapIndex: number;
  /** Called once when the deadline has passed. */
  _expire(): void;
}


const heap: Scheduled[] = [];

/** The armed host timer, the clearTimeout that pairs with it, the setTimeout that made it, and when it wakes. */
let handle: unknown = undefined;
let clearArmed: ((h: unknown) => void) | undefined = undefined;
let armedWith: unknown = undefined;
let armedFor = Infinity;
/** True while expiring contexts: arming waits until the loop is over. */
let expiring = false;
/** True while a check is queued to clear the host timer at the end of this turn. */
let idleCheckQueued = false;

const RESOLVED: Promise<void> = Promise.resolve();

/** Adds a context to the heap, arming the host timer if it is now the earliest. */
export function schedule(n: Scheduled): void {
  n._heapIndex = heap.length;
  heap.push(n);
  siftUp(n._heapIndex);
  if (REQUEST_TIMERS) requestTimer(n._deadline, expireDueDeadlines);
  else if (!expiring && (n._deadline < armedFor || armedWith !== globalThis.setTimeout)) arm();
}

/** Removes a context from the heap if it is there; clears the host timer when nothing is left. */
export function unschedule(n: Scheduled): void {
  const i = n._heapIndex;
  if (i < 0) return;
  n._heapIndex = -1;
  const last = heap.pop()!;
  if (last !== n) {
    heap[i] = last;
    last._heapIndex = i;
    siftDown(i);
    siftUp(last._heapIndex);
  }
  if (heap.length === 0 && !expiring) disarmWhenIdle();
}

/** Clears the host timer at the end of this turn if no deadline is pending by then (a promise job, which fake timers cannot hold back). */
function disarmWhenIdle(): void {
  if (idleCheckQueued || handle === undefined) return;
  idleCheckQueued = true;
  RESOLVED.then(() => {
    idleCheckQueued = false;
    if (heap.length === 0) disarm();
  });
}

/** The number of contexts waiting for their deadline (for tests and diagnostics). */
export function pendingDeadlines(): number {
  return heap.length;
}

function arm(): void {
  disarm();
  if (heap.length === 0) return;
  const now = Date.now();
  const at = heap[0]._deadline;
  const delay = timerDelay(at - now);
  const set = globalThis.setTimeout;
  handle = set(onTimer, delay);
  clearArmed = globalThis.clearTimeout as (h: unknown) => void;
  armedWith = set;
  armedFor = Math.min(at, now + delay);
  unref(handle);
}

function disarm(): void {
  if (clearArmed !== undefined) clearArmed(handle);
  handle = clearArmed = armedWith = undefined;
  armedFor = Infinity;
}

function onTimer(): void {
  handle = clearArmed = armedWith = undefined;
  armedFor = Infinity;
  expireDueDeadlines();
}

/**
 * Expires every context whose deadline has passed, now, then re-arms the host
 * timer. The host timer calls it, and so does err() on a context under a
 * deadline that has passed, so that a loop which never yields to the event
 * loop still sees it. Does nothing when called from within an expiry.
 */
export function expireDueDeadlines(): void {
  if (expiring) return;
  expiring = true;
  try {
    // A host timer may wake a little before Date.now() reaches the deadline;
    // then nothing is due and arm() waits for the remainder. Before stopping,
    // look at the clock again: deadlines that passed while this batch ran are
    // due now, not after another round trip through the host timer.
    let now = Date.now();
    while (heap.length !== 0) {
      if (heap[0]._deadline > now && heap[0]._deadline > (now = Date.now())) break;
      const n = heap[0];
      unschedule(n);
      n._expire();
    }
  } finally {
    expiring = false;
    if (!REQUEST_TIMERS && (handle === undefined || heap.length === 0 || heap[0]._deadline < armedFor)) arm();
  }
}

function siftUp(i: number): void {
  const n = heap[i];
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent];
    if (p._deadline <= n._deadline) break;
    heap[i] = p;
    p._heapIndex = i;
    i = parent;
  }
  heap[i] = n;
  n._heapIndex = i;
}

function siftDown(i: number): void {
  const n = heap[i];
  const size = heap.length;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]._deadline < heap[child]._deadline) child++;
    const c = heap[child];
    if (n._deadline <= c._deadline) break;
    heap[i] = c;
    c._heapIndex = i;
    i = child;
  }
  heap[i] = n;
  n._heapIndex = i;
}
