/**
 * BaseContext: what every context made by ctxkit shares, whatever its kind.
 *
 * Each kind is a small subclass (background, cancel, timer, value, …). They link
 * to their parent through `_parent`, and to the node that can cancel them
 * through `_governor()`; the cancellation machinery itself lives in tree.ts.
 */
import type { Context, ContextKey } from './context.js';
import type { CancelNode } from './tree.js';

/** A promise that never settles: `done()` of contexts that can never be cancelled. */
export const NEVER: Promise<void> = new Promise<void>(() => {});

let neverAborted: AbortSignal | undefined;

/** One shared signal that never aborts: `signal` of contexts that can never be cancelled. */
export function neverAbortedSignal(): AbortSignal {
  return (neverAborted ??= new AbortController().signal);
}

/** The internal base class of every context made by this package. */
export abstract class BaseContext implements Context {
  /** The context this one was derived from; null for roots (background, todo, adapters for foreign parents). */
  _parent: BaseContext | null;
  /**
   * The key this context holds a value for. Only ValueContext sets it; every other kind
   * inherits NO_KEY from the prototype, so the value walk needs no type test per step.
   */
  declare readonly _key: unknown;
  /** The value for `_key` (ValueContext only). */
  declare readonly _value: unknown;

  constructor(parent: BaseContext | null) {
    this._parent = parent;
  }

  /** The nearest context at or above this one that can be cancelled (its cancellation node), or null if none can. */
  abstract _governor(): CancelNode | null;
  /** This context's own step in `toString()`, such as "WithCancel". */
  abstract _label(): string;
  abstract done(): Promise<void>;
  abstract err(): Error | undefined;
  abstract deadline(): Date | undefined;
  abstract readonly signal: AbortSignal;

  value<T>(key: ContextKey<T>): T | undefined;
  value(key: {}): unknown;
  value(key: unknown): unknown {
    // Iterative: chains of any depth are safe. Only roots have no parent, and
    // roots hold no value, so the parent is looked at first.
    let c: BaseContext = this;
    for (;;) {
      const p = c._parent;
      if (p === null) return c._valueAboveRoot(key);
      if (c._key === key) return c._value;
      c = p;
    }
  }

  /** Where the value walk goes past a root: nowhere, except for the adapter of a foreign parent. */
  _valueAboveRoot(_key: unknown): unknown {
    return undefined;
  }

  throwIfDone(): void {
    const node = this._governor();
    if (node !== null && node.err() !== undefined) throw node._cause;
  }

  /** A readable path from the root, as in Go: `context.Background.WithCancel.WithValue(requestId, "r-1")`. */
  toString(): string {
    const labels: string[] = [];
    let c: BaseContext | null = this;
    for (; c !== null; c = c._parent) labels.push(c._label());
    return labels.reverse().join('.');
  }

  /** Node's util.inspect and console.log show the path and the state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const err = this.err();
    return `Context<${this.toString()}>${err === undefined ? '' : ` (${err.message})`}`;
  }
}

/** Marks "no key here" on every kind but ValueContext, and on the roots; never equal to a user's key. */
export const NO_KEY: unique symbol = Symbol('ctxkit.noKey');
Object.defineProperty(BaseContext.prototype, '_key', { value: NO_KEY, writable: true });
