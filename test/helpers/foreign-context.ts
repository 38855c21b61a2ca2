/**
 * A Context implementation that is not made by ctxkit, as a user or another
 * library would write it: an AbortController, an error, a deadline and a map.
 */
import type { Context, ContextKey } from '../../src/index.js';

export class ForeignContext implements Context {
  readonly controller = new AbortController();
  private error: Error | undefined;
  /** How many times err() was called: shows that ctxkit polls foreign parents. */
  errCalls = 0;
  readonly values = new Map<unknown, unknown>();
  private readonly donePromise: Promise<void>;

  private readonly parent: Context | undefined;
  private readonly deadlineAt: Date | undefined;

  /** A root, or a wrapper that follows `parent` (cancelled with its error and reason, reading its values). */
  constructor(options: { parent?: Context; deadline?: Date } = {}) {
    this.parent = options.parent;
    this.deadlineAt = options.deadline ?? this.parent?.deadline();
    this.donePromise = new Promise((resolve) =>
      this.controller.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    const parent = this.parent;
    if (parent) {
      const follow = () => this.cancel(parent.err()!, parent.signal.reason);
      if (parent.signal.aborted) follow();
      else parent.signal.addEventListener('abort', follow, { once: true });
    }
  }

  /** Cancels the way a foreign implementation would: state first, then the signal. */
  cancel(error: Error, reason: unknown = error): void {
    if (this.error) return;
    this.error = error;
    this.controller.abort(reason);
  }

  /** Sets the error without aborting the signal (a context whose signal lags, like one shared with a busy worker). */
  setErrWithoutSignal(error: Error): void {
    this.error = error;
  }

  done(): Promise<void> {
    return this.donePromise;
  }
  err(): Error | undefined {
    this.errCalls++;
    return this.error;
  }
  deadline(): Date | undefined {
    return this.deadlineAt;
  }
  value<T>(key: ContextKey<T>): T | undefined;
  value(key: {}): unknown;
  value(key: unknown): unknown {
    if (this.values.has(key)) return this.values.get(key);
    return this.parent?.value(key as {});
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  throwIfDone(): void {
    if (this.error) throw this.controller.signal.reason ?? this.error;
  }
  toString(): string {
    return 'Foreign';
  }
}
