/**
 * withSignal: a context that is also done when an AbortSignal aborts.
 *
 * Every signal gets one SignalHub, a source root that listens to it once for
 * all the contexts made from it (a subscription no other listener can
 * suppress), and stops listening when none of them is live.
 */
import type { CancelFunc, Context, ContextPair } from '../context.js';
import { Canceled, errorForReason } from '../errors.js';
import { checkSignal } from '../internal/check.js';
import { checkParent, ownContext } from '../parent.js';
import { SourceNode, cancelTree } from '../tree.js';
import { LinkedContext } from './linked.js';

const hubs = new WeakMap<AbortSignal, SignalHub>();

/** The source root standing for one AbortSignal; subscribed only while a live context links to it. */
class SignalHub extends SourceNode {
  /** Once subscribed, the abort is pushed and nothing can suppress it: no polling needed. */
  override _pollWhileSubscribed(): boolean {
    return false;
  }
  override _poll(): boolean {
    if (this._err === undefined && this._input.aborted) cancelTree(this, ...abortOutcome(this._input));
    return this._err !== undefined;
  }
  _label(): string {
    return 'AbortSignal';
  }
}

/** A signal's abort as a context outcome: DeadlineExceeded for timeouts, cause = reason. */
function abortOutcome(input: AbortSignal): [Error, unknown] {
  const reason: unknown = input.reason;
  return [errorForReason(reason), reason ?? Canceled];
}

class SignalContext extends LinkedContext {
  override _label(): string {
    return 'WithSignal';
  }
}

/**
 * withSignal returns a child of parent that is also done, synchronously, when
 * `signal` aborts (at once if it already has). Its cause is the signal's reason
 * (Canceled if that is undefined or null); err() is DeadlineExceeded if the
 * reason is a "TimeoutError" (AbortSignal.timeout) or DeadlineExceeded, else
 * Canceled. All contexts made from one signal share one listener on it.
 */
export function withSignal(parent: Context, signal: AbortSignal): ContextPair<CancelFunc> {
  const p = checkParent('withSignal', 'parent', parent);
  checkSignal('withSignal', 'signal', signal);
  let hub = hubs.get(signal);
  if (hub === undefined) hubs.set(signal, (hub = new SignalHub(signal)));
  return LinkedContext.pair(new SignalContext(ownContext(p)), [hub]);
}
