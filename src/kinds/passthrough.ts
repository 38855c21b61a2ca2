/**
 * Contexts that add no cancellation of their own: they answer done(), err(),
 * deadline() and signal from their governor, the nearest cancellable node above
 * them, found once at creation so those calls cost O(1) at any depth.
 */
import { BaseContext, NEVER, neverAbortedSignal } from '../base.js';
import type { CancelNode } from '../tree.js';

/** Base of ValueContext and WithoutCancelContext. */
export abstract class PassThroughContext extends BaseContext {
  /** The nearest cancellable node above, or null when nothing above can be cancelled. */
  readonly _node: CancelNode | null;

  constructor(parent: BaseContext | null, node: CancelNode | null) {
    super(parent);
    this._node = node;
  }

  _governor(): CancelNode | null {
    return this._node;
  }
  done(): Promise<void> {
    const n = this._node;
    return n === null ? NEVER : n.done();
  }
  err(): Error | undefined {
    const n = this._node;
    return n === null ? undefined : n.err();
  }
  deadline(): Date | undefined {
    const n = this._node;
    return n === null ? undefined : n.deadline();
  }
  get signal(): AbortSignal {
    const n = this._node;
    return n === null ? neverAbortedSignal() : n.signal;
  }
}
