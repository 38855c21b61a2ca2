/**
 * withValue and createKey: request-scoped values carried down the tree.
 */
import { NO_KEY, type BaseContext } from '../base.js';
import type { Context, ContextKey } from '../context.js';
import { describeKey, describeValue } from '../describe.js';
import { fail } from '../internal/check.js';
import { checkParent, ownContext } from '../parent.js';
import { checkKey } from '../validate.js';
import { PassThroughContext } from './passthrough.js';

/** Any key but a typed one, whose value must then match its type (the first overload). */
type UntypedKey<K> = K extends ContextKey<unknown> ? never : unknown;

/**
 * A context holding one key and its value; everything else comes from its
 * parent. The roots, background() and todo(), are ValueContexts too: no parent,
 * no key, their name as value. They behave as a value context over nothing
 * would (never done, no deadline, no values), and sharing the class keeps the
 * value walk monomorphic from leaf to root: V8 specialises property access by
 * hidden class, and a root of another class made every miss ~5 ns slower.
 */
export class ValueContext extends PassThroughContext {
  override readonly _key: unknown;
  override readonly _value: unknown;

  constructor(parent: BaseContext | null, key: unknown, value: unknown) {
    super(parent, parent === null ? null : parent._governor());
    this._key = key;
    this._value = value;
  }

  /** A root named `name` ("context.Background"). */
  static root(name: string): ValueContext {
    return new ValueContext(null, NO_KEY, name);
  }

  _label(): string {
    if (this._parent === null) return this._value as string;
    return `WithValue(${describeKey(this._key)}, ${describeValue(this._value)})`;
  }
}

/**
 * withValue returns a child of parent in which `value(key)` is `value`. Use it
 * for request-scoped data that crosses API boundaries (request ids, auth,
 * tracing), not for optional parameters. Keys are compared by identity: make
 * them with createKey so packages cannot collide.
 */
export function withValue<T>(parent: Context, key: ContextKey<T>, value: NoInfer<T>): Context;
export function withValue<K extends {}>(parent: Context, key: K & UntypedKey<K>, value: unknown): Context;
export function withValue(parent: Context, key: unknown, value: unknown): Context {
  const p = checkParent('withValue', 'parent', parent);
  checkKey('withValue', key);
  return new ValueContext(ownContext(p), key, value);
}

/** The key objects createKey makes: frozen, compared by identity. */
class Key<T> implements ContextKey<T> {
  readonly description: string;
  constructor(description: string) {
    this.description = description;
    Object.freeze(this);
  }
  toString(): string {
    return `ContextKey(${this.description})`;
  }
}

/**
 * createKey returns a new, unique key for values of type T. `description` names
 * it in a context's toString(); two keys with the same description are distinct.
 */
export function createKey<T>(description: string): ContextKey<T> {
  if (typeof description !== 'string') fail('createKey', 'description', 'a string', description);
  return new Key<T>(description);
}
