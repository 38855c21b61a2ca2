/**
 * The two errors a context can report, as in Go's `context` package.
 *
 * `err()` returns exactly one of the two singletons, {@link Canceled} or
 * {@link DeadlineExceeded}, so `ctx.err() === Canceled` is the idiomatic test.
 * The classes are exported for `instanceof` checks and for errors that mean the
 * same thing but were made elsewhere.
 */

/** CanceledError is the class of {@link Canceled}: the context was cancelled. */
export class CanceledError extends Error {
  constructor(message = 'context canceled') {
    super(message);
    this.name = 'CanceledError';
  }
}

/**
 * DeadlineExceededError is the class of {@link DeadlineExceeded}: the context's
 * deadline passed. As in Go it is not a {@link CanceledError}.
 */
export class DeadlineExceededError extends Error {
  /** Always true: lets code that checks `err.timeout` (as Go's `Timeout()`) recognise it. */
  get timeout(): true {
    return true;
  }
  constructor(message = 'context deadline exceeded') {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Gives a shared error a stack of its name and message only: the place where
 * ctxkit's module happened to make it says nothing about any cancellation, so
 * printing it reads like Go's error ("context canceled"), not like a crash.
 */
function withoutStack<E extends Error>(error: E): E {
  Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}`, writable: true, configurable: true });
  return error;
}

/** Canceled is the error `err()` reports once a context has been cancelled. */
export const Canceled: CanceledError = withoutStack(new CanceledError());

/** DeadlineExceeded is the error `err()` reports once a context's deadline has passed. */
export const DeadlineExceeded: DeadlineExceededError = withoutStack(new DeadlineExceededError());

/**
 * Maps an abort reason from outside ctxkit to the error a context reports:
 * DeadlineExceeded for a timeout (`AbortSignal.timeout`'s "TimeoutError", or a
 * DeadlineExceededError), Canceled for anything else.
 */
export function errorForReason(reason: unknown): CanceledError | DeadlineExceededError {
  if (reason instanceof DeadlineExceededError) return DeadlineExceeded;
  if (typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError') {
    return DeadlineExceeded;
  }
  return Canceled;
}
