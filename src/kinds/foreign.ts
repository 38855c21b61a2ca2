/**
 * Parents not made by this package: any object implementing Context.
 *
 * Each foreign context gets one ForeignParent, a source root made on first use
 * and kept in a WeakMap for as long as the foreign context lives. While any
 * child is attached below it, it listens once to the foreign signal, so however
 * many children a foreign context has it carries a single listener, and
 * cancellation reaches them synchronously when it aborts. Because a foreign
 * context may be done before its signal aborts (one shared with a busy worker
 * is), err() anywhere below it also asks it (tree.ts, invariant 6).
 */
import type { Context } from '../context.js';
import { DeadlineExceeded, DeadlineExceededError, errorForReason } from '../errors.js';
import { SourceNode, cancelTree, type CancelNode } from '../tree.js';

const adapters = new WeakMap<object, ForeignParent>();

/** The root node standing for a foreign context inside the tree. */
class ForeignParent extends SourceNode {
  private readonly _foreign: Context;

  constructor(foreign: Context, input: AbortSignal) {
    super(input);
    this._foreign = foreign;
    this._deadline = deadlineOf(foreign);
  }

  override _pollWhileSubscribed(): boolean {
    return true;
  }
  override _poll(): boolean {
    if (this._err !== undefined) return true;
    if (!this._input.aborted && this._foreign.err() === undefined) return false;
    // Asking may have cancelled this node already: a foreign err() may abort its own signal.
    if (this._err === undefined) cancelTree(this, ...foreignOutcome(this._foreign, this._input));
    return true;
  }
  override _valueAboveRoot(key: unknown): unknown {
    return this._foreign.value(key as {});
  }
  _label(): string {
    return String(this._foreign);
  }
}

/** A foreign context's deadline in epoch ms; undefined for none or an invalid Date. */
function deadlineOf(foreign: Context): number | undefined {
  const ms = foreign.deadline()?.getTime();
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}

/** The error and cause a foreign context reports once done (see cause()). */
function foreignOutcome(foreign: Context, input: AbortSignal): [Error, unknown] {
  const ferr = foreign.err();
  const reason = input.aborted ? input.reason : undefined;
  const err = ferr instanceof DeadlineExceededError ? DeadlineExceeded : errorForReason(reason);
  return [err, reason ?? ferr ?? err];
}

/** The adapter of a foreign context (checked by checkParent), made on first use. */
export function foreignParent(ctx: Context): CancelNode {
  let adapter = adapters.get(ctx);
  if (adapter === undefined) adapters.set(ctx, (adapter = new ForeignParent(ctx, ctx.signal)));
  return adapter;
}
