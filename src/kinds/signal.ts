/**
 * withSignal: a context that is also done when an AbortSignal aborts.
 *
 * Every signal gets one SignalHub, a root node that listens to it once for all
 * the contexts made from it, and stops listening when none of them is live.
 */
import type { BaseContext } from '../base.js';
import type { CancelFunc, Context, ContextPair } from '../context.js';
import { Canceled, errorForReason } from '../errors.js';
import { CancelNode, settle } from '../tree.js';
import { checkSignal } from '../internal/check.js';
import { internalContext } from './foreign.js';
import { LinkedContext, linkNode } from './linked.js';

const hubs = new WeakMap<AbortSignal, SignalHub>();

/** The node standing for one AbortSignal; subscribed only while a live context links to it. */
class SignalHub extends CancelNode {
  private readonly _input: AbortSignal;
  private _listening = false;
  private readonly _onAbort = (): void => this._cancel(...outcomeOf(this._input));

  constructor(input: AbortSignal) {
    super(null);
    this._input = input;
  }

  /** Answers from the signal itself while not subscribed. */
  override err(): Error | undefined {
    if (this._err === undefined && !this._listening && this._input.aborted) settle(this, ...outcomeOf(this._input));
    return this._err;
  }
  override _releasable(): boolean {
    return true;
  }
  override _attachRoot(): void {
    super._attachRoot();
    this._listening = true;
    this._input.addEventListener('abort', this._onAbort);
  }
  override _detachRoot(): boolean {
    this._listening = false;
    this._input.removeEventListener('abort', this._onAbort);
    return true;
  }
  override _onDone(): void {
    this._detachRoot();
  }
  _label(): string {
    return 'AbortSignal';
  }
}

/** A signal's abort as a context outcome: DeadlineExceeded for timeouts, cause = reason. */
function outcomeOf(input: AbortSignal): [Error, unknown] {
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
  const base: BaseContext = internalContext('withSignal', 'parent', parent);
  checkSignal('withSignal', 'signal', signal);
  let hub = hubs.get(signal);
  if (hub === undefined) hubs.set(signal, (hub = new SignalHub(signal)));
  return linkNode(new SignalContext(base), [hub]);
}
