/**
 * Parents not made by this package: any object implementing Context.
 *
 * Each foreign context gets one ForeignParent, made on first use and kept in a
 * WeakMap for as long as the foreign context lives. It subscribes once to the
 * foreign signal, so however many children a foreign context has, it carries a
 * single listener, and cancellation reaches them synchronously when it aborts.
 * Because a foreign context may be done before its signal aborts (one shared
 * with a busy worker is), err() anywhere below it also polls it (tree.ts,
 * invariant 5): a listener that stops the abort event cannot hide it either.
 */
import { BaseContext } from '../base.js';
import type { Context } from '../context.js';
import { DeadlineExceeded, DeadlineExceededError, errorForReason } from '../errors.js';
import { CancelNode, attachPolledRoot, cancelTree, settle } from '../tree.js';
import { fail, isContext, isSignalLike } from '../internal/check.js';

const adapters = new WeakMap<object, ForeignParent>();

/** The root node standing for a foreign context inside the tree. */
class ForeignParent extends CancelNode {
  private readonly _foreign: Context;
  private readonly _input: AbortSignal;
  private readonly _onAbort = (): void => void this._pollSource();

  constructor(foreign: Context, input: AbortSignal) {
    super(null);
    this._foreign = foreign;
    this._input = input;
    this._deadline = deadlineOf(foreign);
    this._attachRoot();
    if (this._foreignDone()) {
      settle(this, ...outcomeOf(foreign, input));
    } else {
      input.addEventListener('abort', this._onAbort);
    }
  }

  override _attachRoot(): void {
    attachPolledRoot(this);
  }
  /** The foreign context may be done before its signal aborts: look at it directly. */
  override err(): Error | undefined {
    if (this._err === undefined) this._pollSource();
    return this._err;
  }
  override _pollSource(): boolean {
    if (this._err !== undefined) return true;
    if (!this._foreignDone()) return false;
    // Asking may have run _onAbort already: a foreign err() may abort its own signal.
    if (this._err === undefined) cancelTree(this, ...outcomeOf(this._foreign, this._input));
    return true;
  }
  private _foreignDone(): boolean {
    return this._input.aborted || this._foreign.err() !== undefined;
  }
  override _onDone(): void {
    this._input.removeEventListener('abort', this._onAbort);
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
function outcomeOf(foreign: Context, input: AbortSignal): [Error, unknown] {
  const ferr = foreign.err();
  const reason = input.aborted ? input.reason : undefined;
  const err =
    ferr === DeadlineExceeded || ferr instanceof DeadlineExceededError ? DeadlineExceeded : errorForReason(reason);
  return [err, reason ?? ferr ?? err];
}

/**
 * The context to build on for a parent argument: the parent itself when it is
 * ours, else the adapter of a foreign one. Throws a TypeError naming fn and arg
 * when it is not a Context at all.
 */
export function internalContext(fn: string, arg: string, ctx: unknown): BaseContext {
  if (ctx instanceof BaseContext) return ctx;
  if (!isContext(ctx)) return fail(fn, arg, 'a Context', ctx);
  let adapter = adapters.get(ctx);
  if (adapter === undefined) {
    const input = ctx.signal;
    if (!isSignalLike(input)) fail(fn, `${arg}.signal`, 'an AbortSignal', input);
    adapter = new ForeignParent(ctx, input);
    adapters.set(ctx, adapter);
  }
  return adapter;
}
