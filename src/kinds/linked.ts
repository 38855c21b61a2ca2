/**
 * withLinked: .NET's linked token source. A context done when its parent or any
 * of several other contexts is done; the basis of withSignal too.
 */
import type { CancelFunc, Context, ContextPair } from '../context.js';
import { cancelPair } from '../pair.js';
import { checkParent, ownContext } from '../parent.js';
import { CancelNode, pollLinks, unlinkAll, wire, type Link } from '../tree.js';

/**
 * A node with extra owners besides its parent's governor. It stays attached to
 * all of them while live and leaves every one of them when done, so a
 * long-lived owner keeps nothing of it.
 */
export class LinkedContext extends CancelNode {
  /** Links to the extra owners, made by wire; emptied once done. */
  _links: Link[] = [];

  /** Wires node to its parent's governor and to extraOwners, and returns its pair. */
  static pair(node: LinkedContext, extraOwners: Array<CancelNode | null>): ContextPair<CancelFunc> {
    node._links = wire(node, extraOwners);
    return cancelPair(node);
  }

  override _staysAttached(): boolean {
    return true;
  }
  override _poll(): boolean {
    return pollLinks(this, this._links);
  }
  override _onDone(): void {
    const links = this._links;
    this._links = [];
    unlinkAll(links);
  }
  _label(): string {
    return 'WithLinked';
  }
}

/**
 * withLinked returns a child of parent that is done as soon as parent or any of
 * `others` is done, with the error and cause of the first; its values come from
 * parent and its deadline is the earliest of all. Once done or cancelled it
 * detaches from every one of them.
 */
export function withLinked(parent: Context, ...others: Context[]): ContextPair<CancelFunc> {
  const p = checkParent('withLinked', 'parent', parent);
  const checked = others.map((o, i) => checkParent('withLinked', `others[${i}]`, o));
  const extra = checked.map((o) => ownContext(o)._governor());
  return LinkedContext.pair(new LinkedContext(ownContext(p)), extra);
}
