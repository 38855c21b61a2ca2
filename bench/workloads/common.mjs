/**
 * What the workloads share: the parents they run under, in ctxkit and native form.
 */
import { background, withCancel } from 'ctxkit';
import { rootController } from '../lib/native.mjs';

/**
 * A long-lived ctxkit parent, as a server's lifetime context: someone observes
 * it (its signal was read), so it is attached and stays so.
 */
export function longLivedParent() {
  const [parent] = withCancel(background());
  void parent.signal;
  return parent;
}

/** A ctxkit context that is already cancelled. */
export function cancelledParent() {
  const [parent, cancel] = withCancel(background());
  cancel();
  return parent;
}

/** A chain of `depth` withCancel contexts below parent; returns the deepest. */
export function cancelChain(parent, depth) {
  let ctx = parent;
  for (let i = 0; i < depth; i++) [ctx] = withCancel(ctx);
  return ctx;
}

/** The native counterpart of longLivedParent(): a controller nobody aborts. */
export function longLivedSignal() {
  return rootController().signal;
}
