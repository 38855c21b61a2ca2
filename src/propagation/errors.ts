/**
 * The error a server sees when a caller's deadline header is malformed.
 */

/**
 * MalformedDeadlineError is thrown by `incomingDeadline` when an accepted
 * deadline header does not match its grammar and the policy is "reject". A
 * server answers it with 400 Bad Request. The message names the header but
 * never repeats the caller's value, so logging it cannot inject text; the
 * value is kept in `value` for whoever wants it.
 */
export class MalformedDeadlineError extends Error {
  /** The header's name, in lower case. */
  readonly header: string;
  /** The value as received (repeated headers joined with ", "). */
  readonly value: string;

  constructor(header: string, value: string) {
    super(`malformed ${header} header`);
    this.name = 'MalformedDeadlineError';
    this.header = header;
    this.value = value;
  }
}
