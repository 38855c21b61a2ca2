/**
 * The error that stands in for a cause that could not cross to a worker.
 */

/**
 * UncloneableCauseError is the cause a worker sees when the sender's cause could
 * not be sent: it cannot be structured-cloned (a function, a symbol, an object
 * holding one), it is larger than ShareOptions.maxCauseBytes, or this side
 * cannot decode it. Its message says what the cause was (its type, never its
 * contents) and why it could not cross. `err()` is unaffected.
 */
export class UncloneableCauseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UncloneableCauseError';
  }
}
