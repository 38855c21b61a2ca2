/**
 * Memory workloads: what contexts keep alive. Each variant runs in a process of
 * its own under --expose-gc (bench/memory.mjs), measured as the memory tests
 * do (test/core/memory.test.ts).
 *
 * - kind 'live': bytes per live context. `create(parent, keep, i)` stores what a user
 *   would hold (a context and its cancel function, or a controller and its
 *   signal) in keep[2i] and keep[2i + 1]; `release(parent, keep, i)` ends it again.
 * - kind 'leak': bytes left behind per iteration of `iterate(parent, i)` once its
 *   results are dropped: nothing should stay.
 *
 * `setup()` runs once per process and returns the parent the variant works
 * under; `n` is the number of contexts per round (native ones are slow to
 * create, so they use fewer: the figure is per context either way).
 */
import { background, withCancel, withTimeout, withValue } from 'ctxkit';
import { CANCELED, ListenerChild, ListenerTimeoutChild, anyChild, anyTimeoutChild } from '../lib/native.mjs';
import { longLivedParent, longLivedSignal } from './common.mjs';

const MINUTE = 60_000;
const KEY = { name: 'request-id' };

/** Stores a [ctx, cancel] pair the way a user holds it. */
function keepPair(keep, i, [ctx, cancel]) {
  keep[2 * i] = ctx;
  keep[2 * i + 1] = cancel;
}

/** Cancels a pair kept by keepPair. */
function cancelKept(keep, i) {
  keep[2 * i + 1]();
}

const liveCancel = {
  id: 'live-cancel',
  kind: 'live',
  title: 'retained per live context: withCancel (+ its cancel function)',
  variants: [
    { name: 'ctxkit', side: 'ctxkit', n: 1e5, setup: longLivedParent, create: (p, keep, i) => keepPair(keep, i, withCancel(p)), release: (p, keep, i) => cancelKept(keep, i) },
    {
      name: 'ctxkit + signal',
      side: 'ctxkit',
      n: 2e4,
      setup: longLivedParent,
      create(p, keep, i) {
        keepPair(keep, i, withCancel(p));
        void keep[2 * i].signal;
      },
      release: (p, keep, i) => cancelKept(keep, i),
    },
    {
      name: 'AbortSignal.any',
      side: 'native',
      n: 2e4,
      setup: longLivedSignal,
      create(p, keep, i) {
        const child = anyChild(p);
        keep[2 * i] = child.controller;
        keep[2 * i + 1] = child.signal;
      },
      release: (p, keep, i) => keep[2 * i].abort(CANCELED),
    },
    { name: 'listener', side: 'native', n: 2e4, setup: longLivedSignal, create: (p, keep, i) => (keep[2 * i] = new ListenerChild(p)), release: (p, keep, i) => keep[2 * i].cancel() },
  ],
};

const liveValue = {
  id: 'live-value',
  kind: 'live',
  title: 'retained per live context: withValue',
  variants: [
    { name: 'ctxkit', side: 'ctxkit', n: 1e5, setup: longLivedParent, create: (p, keep, i) => (keep[2 * i] = withValue(p, KEY, i)) },
    { name: 'plain object', side: 'native', n: 1e5, setup: () => ({ parent: null, key: null, value: null }), create: (p, keep, i) => (keep[2 * i] = { parent: p, key: KEY, value: i }) },
  ],
};

const liveTimeout = {
  id: 'live-timeout',
  kind: 'live',
  title: 'retained per live context: withTimeout (+ cancel function, scheduler entry)',
  variants: [
    { name: 'ctxkit', side: 'ctxkit', n: 1e5, setup: longLivedParent, create: (p, keep, i) => keepPair(keep, i, withTimeout(p, MINUTE + i)), release: (p, keep, i) => cancelKept(keep, i) },
    {
      name: 'AbortSignal.timeout + any',
      side: 'native',
      n: 2e4,
      setup: longLivedSignal,
      create(p, keep, i) {
        const child = anyTimeoutChild(p, MINUTE + i);
        keep[2 * i] = child.controller;
        keep[2 * i + 1] = child.signal;
      },
      release: (p, keep, i) => keep[2 * i].abort(CANCELED),
    },
    {
      name: 'listener + setTimeout',
      side: 'native',
      n: 2e4,
      setup: longLivedSignal,
      create: (p, keep, i) => (keep[2 * i] = new ListenerTimeoutChild(p, MINUTE + i)),
      release: (p, keep, i) => keep[2 * i].cancel(),
    },
  ],
};

/** 1e5 live timeouts, each on its own (no parent to combine with): ctxkit against AbortSignal.timeout alone. */
const liveTimeouts = {
  id: 'timeouts-memory',
  kind: 'live',
  title: '1e5 live timeouts: bytes per timeout',
  variants: [
    { name: 'ctxkit', side: 'ctxkit', n: 1e5, setup: background, create: (p, keep, i) => keepPair(keep, i, withTimeout(p, MINUTE + i)), release: (p, keep, i) => cancelKept(keep, i) },
    { name: 'AbortSignal.timeout', side: 'native', n: 1e5, setup: () => null, create: (p, keep, i) => (keep[2 * i] = AbortSignal.timeout(MINUTE + i)) },
  ],
};

/** Requests under a server-lifetime context, each cancelled when done. Go: children of a long-lived parent leave nothing. */
const leakCancelled = {
  id: 'leak-cancelled',
  kind: 'leak',
  title: 'children of a long-lived parent, created and cancelled: bytes left per child',
  variants: [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      n: 1e6,
      setup: longLivedParent,
      iterate(p) {
        const [, cancel] = withCancel(p);
        cancel();
      },
    },
    {
      name: 'ctxkit + signal',
      side: 'ctxkit',
      n: 1e5,
      setup: longLivedParent,
      iterate(p) {
        const [ctx, cancel] = withCancel(p);
        void ctx.signal;
        cancel();
      },
    },
    { name: 'AbortSignal.any', side: 'native', n: 1e5, setup: longLivedSignal, iterate: (p) => anyChild(p).controller.abort(CANCELED) },
    { name: 'listener', side: 'native', n: 1e5, setup: longLivedSignal, iterate: (p) => new ListenerChild(p).cancel() },
  ],
};

/**
 * A forgotten cancel: children made and dropped without cancel, nobody
 * observing them. Go keeps each (104 B) until the parent ends.
 */
const leakDropped = {
  id: 'leak-dropped',
  kind: 'leak',
  title: 'children of a long-lived parent, never cancelled, dropped: bytes left per child',
  variants: [
    { name: 'ctxkit', side: 'ctxkit', n: 1e6, setup: longLivedParent, iterate: (p) => withCancel(p) },
    { name: 'AbortSignal.any', side: 'native', n: 1e5, setup: longLivedSignal, iterate: (p) => anyChild(p) },
    // The parent's listener keeps the whole child: this one really leaks, and
    // adding listeners to one signal is quadratic, so fewer.
    { name: 'listener', side: 'native', n: 1e4, setup: longLivedSignal, iterate: (p) => new ListenerChild(p) },
  ],
};

export const MEMORY_WORKLOADS = [liveCancel, liveValue, liveTimeout, liveTimeouts, leakCancelled, leakDropped];
