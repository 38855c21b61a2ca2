/**
 * Creating and cancelling one context: the cost paid on every request and call.
 */
import { do_not_optimize } from 'mitata';
import { background, withCancel, withTimeout } from 'ctxkit';
import { CANCELED, ListedChild, ListenerChild, ListenerTimeoutChild, abortedSignal, anyChild, anyTimeoutChild, listParent, listedPair } from '../lib/native.mjs';
import { cancelledParent, longLivedParent, longLivedSignal } from './common.mjs';

const MINUTE = 60_000;

/**
 * A request context derived from a server-lifetime context and cancelled when
 * the request ends. Go: BenchmarkCommonParentCancel.
 */
const childCancel = {
  id: 'child-cancel',
  title: 'child of long-lived parent: create + cancel',
  variants: () => [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      make() {
        const parent = longLivedParent();
        return () => {
          const [ctx, cancel] = withCancel(parent);
          cancel();
          do_not_optimize(ctx);
        };
      },
    },
    {
      name: 'ctxkit + signal',
      side: 'ctxkit',
      make() {
        const parent = longLivedParent();
        return () => {
          const [ctx, cancel] = withCancel(parent);
          do_not_optimize(ctx.signal);
          cancel();
        };
      },
    },
    {
      name: 'AbortSignal.any',
      side: 'native',
      make() {
        const parent = longLivedSignal();
        return () => {
          const child = anyChild(parent);
          child.controller.abort(CANCELED);
          do_not_optimize(child.signal);
        };
      },
    },
    {
      name: 'listener',
      side: 'native',
      make() {
        const parent = longLivedSignal();
        return () => {
          const child = new ListenerChild(parent);
          child.cancel();
          do_not_optimize(child);
        };
      },
    },
  ],
};

/**
 * A call with a 60 s timeout that returns long before it: the timer must be
 * released on cancel. Go: BenchmarkWithTimeout.
 */
const timeoutCancel = {
  id: 'timeout-cancel',
  title: 'timeout child (60 s): create + early cancel',
  variants: () => [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      make() {
        const parent = longLivedParent();
        return () => {
          const [ctx, cancel] = withTimeout(parent, MINUTE);
          cancel();
          do_not_optimize(ctx);
        };
      },
    },
    {
      name: 'ctxkit + signal',
      side: 'ctxkit',
      make() {
        const parent = longLivedParent();
        return () => {
          const [ctx, cancel] = withTimeout(parent, MINUTE);
          do_not_optimize(ctx.signal);
          cancel();
        };
      },
    },
    {
      // AbortSignal.timeout cannot be cleared: its timer stays pending until it
      // fires or its signal is collected. That is the native cost.
      name: 'AbortSignal.any',
      side: 'native',
      make() {
        const parent = longLivedSignal();
        return () => {
          const child = anyTimeoutChild(parent, MINUTE);
          child.controller.abort(CANCELED);
          do_not_optimize(child.signal);
        };
      },
    },
    {
      name: 'listener',
      side: 'native',
      make() {
        const parent = longLivedSignal();
        return () => {
          const child = new ListenerTimeoutChild(parent, MINUTE);
          child.cancel();
          do_not_optimize(child);
        };
      },
    },
  ],
};

/**
 * Work started under a request that is already over: the child must be done at
 * once, cheaply. Go: BenchmarkCancelTree, Root=ClosedCanceler.
 */
const cancelledParentChild = {
  id: 'cancelled-parent',
  title: 'child of a cancelled parent: create (+ err check, cancel)',
  variants: () => [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      make() {
        const parent = cancelledParent();
        return () => {
          const [ctx, cancel] = withCancel(parent);
          do_not_optimize(ctx.err());
          cancel();
        };
      },
    },
    {
      name: 'ctxkit + signal',
      side: 'ctxkit',
      make() {
        const parent = cancelledParent();
        return () => {
          const [ctx, cancel] = withCancel(parent);
          do_not_optimize(ctx.signal.aborted);
          cancel();
        };
      },
    },
    {
      name: 'AbortSignal.any',
      side: 'native',
      make() {
        const parent = abortedSignal();
        return () => {
          const child = anyChild(parent);
          do_not_optimize(child.signal.aborted);
          child.controller.abort(CANCELED);
        };
      },
    },
    {
      name: 'listener',
      side: 'native',
      make() {
        const parent = abortedSignal();
        return () => {
          const child = new ListenerChild(parent);
          do_not_optimize(child.signal.aborted);
          child.cancel();
        };
      },
    },
  ],
};

/**
 * The signal path a request pays when it hands its signal to fetch or a
 * driver: a context, its signal read, then cancelled; against the least native
 * code can do, one AbortController, its signal read, abort(reason). The goal
 * (≤ 1.1× the bare controller) is judged on the child of a long-lived parent,
 * a request's shape; the child of background() is shown beside it. The
 * controller held in a parent's list is the floor of any context tree; handed
 * out as a [ctx, cancel] pair, the floor of any implementation of the API.
 */
const signalCancel = {
  id: 'signal-cancel',
  title: 'signal path: create + read signal + cancel',
  variants: () => [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      make() {
        const parent = longLivedParent();
        return () => {
          const [ctx, cancel] = withCancel(parent);
          do_not_optimize(ctx.signal);
          cancel();
        };
      },
    },
    {
      name: 'ctxkit, child of background()',
      side: 'ctxkit',
      make() {
        const parent = background();
        return () => {
          const [ctx, cancel] = withCancel(parent);
          do_not_optimize(ctx.signal);
          cancel();
        };
      },
    },
    {
      name: 'AbortController',
      side: 'native',
      make() {
        return () => {
          const controller = new AbortController();
          do_not_optimize(controller.signal);
          controller.abort(CANCELED);
        };
      },
    },
    {
      name: 'AbortController in a parent list',
      side: 'native',
      make() {
        const parent = listParent();
        return () => {
          const child = new ListedChild(parent);
          do_not_optimize(child.signal);
          child.cancel();
        };
      },
    },
    {
      name: 'the same as a [ctx, cancel] pair',
      side: 'native',
      make() {
        const parent = listParent();
        return () => {
          const [child, cancel] = listedPair(parent);
          do_not_optimize(child.signal);
          cancel();
        };
      },
    },
  ],
};

export default [childCancel, timeoutCancel, cancelledParentChild, signalCancel];
