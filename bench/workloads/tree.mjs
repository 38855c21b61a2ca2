/**
 * Cancelling whole trees: many children of one context (fan-out) and one deep
 * chain. Figures are per child / per level.
 *
 * ctxkit is shown with unobserved children (nothing reads their done() or
 * signal: they are not attached to the parent, cancel() is O(1) and each child
 * learns it is done on its next err(), at most one walk per node) and with
 * observed children (done() read: attached, cancel() visits every one, as Go
 * always does). Every variant ends by checking that the last child is done.
 *
 * A 'plain objects' reference builds the same shape from one small plain object
 * per child: what V8 charges for allocating and keeping that many objects. At
 * 1e5 the young-generation collector has to promote them all, which costs more
 * per object than at 1e3 whatever the objects are.
 */
import { do_not_optimize } from 'mitata';
import { Canceled, background, withCancel } from 'ctxkit';
import { CANCELED, ListenerChild, anyChild, rootController } from '../lib/native.mjs';

/** Fails loudly if a benchmark variant stopped doing what it claims. */
function check(condition, what) {
  if (!condition) throw new Error(`benchmark self-check failed: ${what}`);
}

/** One small plain object with as many fields as a ctxkit cancel node. */
function plainNode(parent) {
  return { parent, err: undefined, cause: undefined, children: undefined, slot: -1, observers: undefined, seen: null };
}

/** Fan-out variants: n children of one context, then cancel that context. */
function fanOutVariants(n) {
  // Native children and signals cost µs each: at 1e4 and more one call takes 100s of ms.
  const slow = n >= 1e4;
  return [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      perOp: n,
      make() {
        const children = new Array(n);
        return () => {
          const [root, cancelRoot] = withCancel(background());
          for (let i = 0; i < n; i++) [children[i]] = withCancel(root);
          cancelRoot();
          check(children[n - 1].err() === Canceled, 'last child done');
        };
      },
    },
    {
      name: 'ctxkit + done()',
      side: 'ctxkit',
      perOp: n,
      make() {
        const children = new Array(n);
        return () => {
          const [root, cancelRoot] = withCancel(background());
          for (let i = 0; i < n; i++) {
            const [child] = withCancel(root);
            do_not_optimize(child.done());
            children[i] = child;
          }
          cancelRoot();
          check(children[n - 1].err() === Canceled, 'last child done');
        };
      },
    },
    {
      name: 'ctxkit + signal',
      side: 'ctxkit',
      perOp: n,
      heavy: slow,
      make() {
        const children = new Array(n);
        return () => {
          const [root, cancelRoot] = withCancel(background());
          for (let i = 0; i < n; i++) {
            const [child] = withCancel(root);
            do_not_optimize(child.signal);
            children[i] = child;
          }
          cancelRoot();
          check(children[n - 1].signal.aborted, 'last child aborted');
        };
      },
    },
    {
      name: 'AbortSignal.any',
      side: 'native',
      perOp: n,
      heavy: slow,
      make() {
        const children = new Array(n);
        return () => {
          const root = rootController();
          for (let i = 0; i < n; i++) children[i] = anyChild(root.signal);
          root.abort(CANCELED);
          check(children[n - 1].signal.aborted, 'last child aborted');
        };
      },
    },
    {
      name: 'listener',
      side: 'native',
      perOp: n,
      heavy: slow,
      skip: n > 1e4 ? 'not run (quadratic)' : undefined,
      note: n > 1e4
        ? 'addEventListener scans every listener already on the signal, so adding n children is quadratic: measured once at ≈ 8 µs per child at 1e3, 30 µs at 1e4, 780 µs at 1e5 (≈ 80 s for one build)'
        : undefined,
      make() {
        const children = new Array(n);
        return () => {
          const root = rootController();
          for (let i = 0; i < n; i++) children[i] = new ListenerChild(root.signal);
          root.abort(CANCELED);
          check(children[n - 1].signal.aborted, 'last child aborted');
        };
      },
    },
    {
      name: 'plain objects',
      side: 'reference',
      perOp: n,
      make() {
        const children = new Array(n);
        return () => {
          const root = plainNode(null);
          for (let i = 0; i < n; i++) children[i] = plainNode(root);
          do_not_optimize(children[n - 1]);
        };
      },
    },
  ];
}

/** Longest AbortSignal.any chain we build: each level re-lists every source above it, so building is quadratic. */
const NATIVE_ANY_CHAIN_LIMIT = 1e3;

/** A chain of `depth` listener children below a new root controller; returns both ends. */
function listenerChain(depth) {
  const root = new AbortController();
  let signal = root.signal;
  for (let i = 0; i < depth; i++) signal = new ListenerChild(signal).signal;
  return { root, leaf: signal };
}

/**
 * Builds and aborts a listener chain once, and rejects with what went wrong:
 * abort() recurses through every level's listener, so a deep chain overflows
 * the stack. EventTarget catches the RangeError and rethrows it from
 * process.nextTick, so it is caught here as an uncaught exception.
 */
async function assertListenerChainAborts(depth) {
  const errors = [];
  const capture = (error) => errors.push(error);
  process.on('uncaughtException', capture);
  try {
    const { root, leaf } = listenerChain(depth);
    root.abort(CANCELED);
    await new Promise((resolve) => setImmediate(resolve));
    if (errors.length > 0) throw errors[0];
    check(leaf.aborted, 'leaf aborted (listener chain)');
  } finally {
    process.off('uncaughtException', capture);
  }
}

/** Chain variants: `depth` nested children, then cancel the top one. */
function chainVariants(depth) {
  return [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      perOp: depth,
      make() {
        return () => {
          const [root, cancelRoot] = withCancel(background());
          let ctx = root;
          for (let i = 0; i < depth; i++) [ctx] = withCancel(ctx);
          cancelRoot();
          check(ctx.err() === Canceled, 'leaf done');
        };
      },
    },
    {
      name: 'ctxkit + leaf done()',
      side: 'ctxkit',
      perOp: depth,
      make() {
        return () => {
          const [root, cancelRoot] = withCancel(background());
          let ctx = root;
          for (let i = 0; i < depth; i++) [ctx] = withCancel(ctx);
          do_not_optimize(ctx.done()); // attaches every level: cancel() must visit them all
          cancelRoot();
          check(ctx.err() === Canceled, 'leaf done');
        };
      },
    },
    {
      name: 'AbortSignal.any',
      side: 'native',
      perOp: depth,
      heavy: true,
      skip: depth > NATIVE_ANY_CHAIN_LIMIT ? 'n/a (cannot build)' : undefined,
      note: depth > NATIVE_ANY_CHAIN_LIMIT
        ? `not run beyond ${NATIVE_ANY_CHAIN_LIMIT} deep: each level's AbortSignal.any lists every source signal above it, so building is quadratic (a 1e4-deep chain does not build in 10 s)`
        : undefined,
      make() {
        return () => {
          const root = new AbortController();
          let signal = root.signal;
          const controllers = new Array(depth);
          for (let i = 0; i < depth; i++) {
            controllers[i] = new AbortController();
            signal = AbortSignal.any([signal, controllers[i].signal]);
          }
          root.abort(CANCELED);
          check(signal.aborted, 'leaf aborted');
        };
      },
    },
    {
      name: 'listener',
      side: 'native',
      perOp: depth,
      note: depth >= 1e5
        ? "abort() runs each level's listener inside the level above (dispatchEvent → listener → abort() → dispatchEvent …), so a deep chain overflows the stack and its leaf is never aborted"
        : undefined,
      async make() {
        await assertListenerChainAborts(depth);
        return () => {
          const { root, leaf } = listenerChain(depth);
          root.abort(CANCELED);
          check(leaf.aborted, 'leaf aborted (listener chain)');
        };
      },
    },
    {
      name: 'plain objects',
      side: 'reference',
      perOp: depth,
      make() {
        return () => {
          let node = plainNode(null);
          for (let i = 0; i < depth; i++) node = plainNode(node);
          do_not_optimize(node);
        };
      },
    },
  ];
}

/** Cancelling a request context with n concurrent sub-calls. Go: BenchmarkCancelTree (breadth instead of depth). */
const fanOuts = [1e3, 1e4, 1e5].map((n) => ({
  id: `fan-out-${n}`,
  title: `fan-out ${n.toExponential().replace('+', '')} children: build + cancel, per child`,
  variants: () => fanOutVariants(n),
}));

/** Deep recursion, each level deriving a context. Go: BenchmarkCancelTree, Root=OpenCanceler, depth=1000. */
const chains = [1e3, 1e5].map((depth) => ({
  id: `chain-${depth}`,
  title: `chain ${depth.toExponential().replace('+', '')} deep: build + cancel, per level`,
  variants: () => chainVariants(depth),
}));

export default [...fanOuts, ...chains];
