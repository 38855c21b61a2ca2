/**
 * The public types: the Context interface, keys and cancel functions.
 *
 * Conventions, as in Go: a function that needs a context takes it as its first
 * parameter, named `ctx`; a context is never stored in a long-lived object but
 * passed down the call tree; values carry request-scoped data, never optional
 * parameters.
 */

/**
 * Context carries cancellation, a deadline and request-scoped values across API
 * boundaries. Contexts are immutable: every derived context is a new object, and
 * cancelling a context cancels everything derived from it.
 *
 * Any object with these members can be a parent; cancellation propagates from it
 * as soon as its `signal` aborts.
 */
export interface Context {
  /**
   * A promise that resolves (never rejects) once the context is done. The same
   * Promise object on every call. It never settles for a context that can never
   * be cancelled, such as `background()`.
   */
  done(): Promise<void>;
  /**
   * `undefined` while the context is live; afterwards `Canceled` or
   * `DeadlineExceeded`, the same object forever.
   */
  err(): Error | undefined;
  /** The time at which the context will be cancelled, or `undefined` if none. A fresh Date on every call. */
  deadline(): Date | undefined;
  /** The value the nearest `withValue` ancestor (or this context) holds for `key`, or `undefined`. */
  value<T>(key: ContextKey<T>): T | undefined;
  /** The value for a key that is not a typed ContextKey (any non-nullish value, compared by identity). */
  value(key: {}): unknown;
  /**
   * An AbortSignal that aborts when the context is done, with `reason === cause(ctx)`.
   * The same object on every read; pass it to fetch, fs, timers/promises, undici, …
   */
  readonly signal: AbortSignal;
  /** Throws `cause(ctx)` if the context is done; otherwise returns. */
  throwIfDone(): void;
}

declare const valueType: unique symbol;

/**
 * ContextKey is a typed key for `withValue` / `value`, made by `createKey`.
 * Keys are compared by identity, so two keys with the same description differ.
 */
export interface ContextKey<T> {
  /** What the key is for; shown by a context's `toString()`. */
  readonly description: string;
  /** Type-only: ties the key to the type of the value it stores. Never present at run time. */
  readonly [valueType]?: T;
}

/**
 * CancelFunc cancels its context with `Canceled`. Calling it again, or after the
 * context is done, does nothing. It is `Disposable`: `using` cancels at the end
 * of the block, as `defer cancel()` does in Go.
 */
export interface CancelFunc extends Disposable {
  (): void;
}

/**
 * CancelCauseFunc cancels its context with `Canceled` and records `cause`, which
 * `cause(ctx)` then returns. `undefined` and `null` mean "no cause" (Go's nil):
 * the cause is then `Canceled`.
 */
export interface CancelCauseFunc extends Disposable {
  (cause?: unknown): void;
}

/**
 * The `[ctx, cancel]` pair returned by constructors of cancellable contexts.
 * Disposing the pair (`using pair = withTimeout(…)`) calls `cancel`.
 */
export type ContextPair<F extends CancelFunc | CancelCauseFunc = CancelFunc> = [ctx: Context, cancel: F] & Disposable;
