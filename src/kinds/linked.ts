/**
 * withLinked: .NET's linked token source. A context done when its parent or any
 * of several other contexts is done; the basis of withSignal too.
 */
import type { BaseContext } from '../base.js';
import type { CancelFunc, Context, ContextPair } from '../context.js';
import { cancelPair } from '../pair.js';
import { CancelNode, Link, addChild, attach, removeChild, settle } from '../tree.js';
import { fail, isContext } from '../internal/check.js';
import { internalContext } from './foreign.js';

/**
 * A node with extra owners besides its parent's governor, each reached through
 * a Link. It stays attached to all of them while live and leaves every one of
 * them when done, so a long-lived owner keeps nothing of it.
 */
export class LinkedContext extends CancelNode {
  /** Links from the extra owners; emptied once done. */
  _links: Link[] = [];
  override _onDone(): void {
    const links = this._links;
    this._links = [];
    for (const link of links) if (link._slot >= 0) removeChild(link.owner, link);
  }
  _label(): string {
    return 'WithLinked';
  }
}

/**
 * Wires a new linked node to its parent's governor and to extraOwners: done at
 * once with the first done owner's error and cause (parent first, then in
 * order), else attached to every owner.
 */
export function linkNode(node: LinkedContext, extraOwners: Array<CancelNode | null>): ContextPair<CancelFunc> {
  const owners = [node._parent!._governor(), ...extraOwners];
  let deadline: number | undefined;
  for (const owner of owners) {
    const d = owner === null ? undefined : owner._deadline;
    if (d !== undefined && (deadline === undefined || d < deadline)) deadline = d;
  }
  node._deadline = deadline;
  const doneOwner = owners.find((owner) => owner !== null && owner.err() !== undefined);
  if (doneOwner) settle(node, doneOwner._err!, doneOwner._cause);
  if (node._err === undefined) {
    attach(node);
    const seen = new Set<CancelNode | null>([owners[0], null]);
    for (const owner of extraOwners) {
      if (seen.has(owner)) continue;
      seen.add(owner);
      attach(owner!);
      const link = new Link(node, owner!);
      addChild(owner!, link);
      node._links.push(link);
    }
  }
  return cancelPair(node);
}

/**
 * withLinked returns a child of parent that is done as soon as parent or any of
 * `others` is done, with the error and cause of the first; its values come from
 * parent and its deadline is the earliest of all. Once done or cancelled it
 * detaches from every one of them.
 */
export function withLinked(parent: Context, ...others: Context[]): ContextPair<CancelFunc> {
  others.forEach((o, i) => {
    if (!(isContext(o))) fail('withLinked', `others[${i}]`, 'a Context', o);
  });
  const base: BaseContext = internalContext('withLinked', 'parent', parent);
  const extra = others.map((o, i) => internalContext('withLinked', `others[${i}]`, o)._governor());
  return linkNode(new LinkedContext(base), extra);
}
