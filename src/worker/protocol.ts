/**
 * The contract between the two sides, whichever transport carries it: the
 * descriptor a sender hands to a worker, the report a worker sends back when
 * its work fails, the states a shared context goes through, and the two
 * halves every transport implements (Transport on the sending side, Source on
 * the receiving side).
 */
import { DeadlineExceeded, DeadlineExceededError } from '../index.js';
import type { EncodedCause, Outcome } from './causes.js';
import type { OutcomeMessage, PortLike } from './message.js';

/** LIVE: the context is live. */
export const LIVE = 0;
/** CANCELED: the context was cancelled; err() is Canceled. */
export const CANCELED = 1;
/** DEADLINE: the context's deadline passed; err() is DeadlineExceeded. */
export const DEADLINE = 2;

/** DoneState is a context's state once it is done. */
export type DoneState = typeof CANCELED | typeof DEADLINE;

/** stateFor is the done state a context's err() stands for. */
export function stateFor(err: Error): DoneState {
  return err === DeadlineExceeded || err instanceof DeadlineExceededError ? DEADLINE : CANCELED;
}

/**
 * ContextDescriptor is what shareContext makes and receiveContext reads: a plain,
 * structured-cloneable object to pass in `workerData` or `postMessage`, with the
 * `transfer` list of its ContextShare. Treat it as opaque.
 */
export interface ContextDescriptor {
  /** Marks the object as a descriptor of this version of the protocol. */
  readonly ctxkit: 'worker-context/1';
  /** The shared state (shared-memory transport); absent with the message transport. */
  readonly state?: SharedArrayBuffer;
  /** The port the outcome arrives on (message transport, context live when shared). */
  readonly port?: PortLike;
  /** The outcome of a context already done when shared (message transport). */
  readonly outcome?: OutcomeMessage;
  /** The sender's deadline in epoch ms, if it has one. */
  readonly deadline?: number;
  /** The values chosen with ShareOptions.values, by name: nothing else of the sender's crosses. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** DESCRIPTOR_MARK is the marker every descriptor carries. */
export const DESCRIPTOR_MARK = 'worker-context/1';

/**
 * WorkerFailure is what encodeFailure makes in a worker and
 * ContextShare.decodeFailure reads on the sending side: a plain,
 * structured-cloneable object to post back. Treat it as opaque.
 */
export interface WorkerFailure {
  /** Marks the object as a failure report of this version of the protocol. */
  readonly ctxkit: 'worker-failure/1';
  /** How the shared context had ended when the work failed because it did; LIVE for any other failure. */
  readonly ended: typeof LIVE | DoneState;
  /** The worker's error (encoded as causes are), when ended is LIVE. */
  readonly error?: EncodedCause;
}

/** FAILURE_MARK is the marker every failure report carries. */
export const FAILURE_MARK = 'worker-failure/1';

/** Transport is the sending half of a transport: what goes into the descriptor, and how the outcome is sent. */
export interface Transport {
  /** Sends the outcome; only the first call counts. */
  send(state: DoneState, cause: unknown, err: Error): void;
  /**
   * The transport's part of the descriptor, and what postMessage must transfer
   * with it; called once, after any send() made while sharing.
   */
  wire(): { readonly fields: Pick<ContextDescriptor, 'state' | 'port' | 'outcome'>; readonly transfer: any[] };
}

/** Source is the receiving half of a transport: where a RemoteContext learns the sender's outcome. */
export interface Source {
  /** The outcome once the sender has reported one, else undefined. Called by every err(): cheap while live. */
  poll(): Outcome | undefined;
  /** Calls onChange, asynchronously, when the outcome may have arrived (more than once is harmless). */
  watch(onChange: () => void): void;
  /** Stops watching and lets go of what the source holds; poll() keeps answering. */
  close(): void;
  /** Blocks the thread until the outcome may have arrived or ms pass; undefined where the transport cannot. */
  readonly block: ((ms: number) => void) | undefined;
}
