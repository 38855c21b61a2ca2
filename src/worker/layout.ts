/**
 * The wire contract between the two sides: the descriptor a sender hands to a
 * worker, and the layout of the shared state it points at.
 *
 * Shared state is one SharedArrayBuffer. Its first four Int32 words are the
 * header; the encoded cause follows from byte HEADER_BYTES on. The sender writes
 * the cause bytes, their kind and length with plain stores and only then the
 * state word with Atomics.store; a reader that sees the state word change with
 * Atomics.load therefore sees the cause too (the store/load pair orders them).
 * The state word only ever changes once, from LIVE to CANCELED or DEADLINE.
 */

/** STATE is the index of the state word: LIVE, CANCELED or DEADLINE. */
export const STATE = 0;
/** CAUSE_KIND is the index of the word holding the cause's CauseKind. */
export const CAUSE_KIND = 1;
/** CAUSE_LENGTH is the index of the word holding the cause's length in bytes. */
export const CAUSE_LENGTH = 2;
/** HEADER_BYTES is the size of the header before the cause: four Int32 words (the last one unused, for alignment). */
export const HEADER_BYTES = 16;

/** LIVE: the context is live. */
export const LIVE = 0;
/** CANCELED: the context was cancelled; err() is Canceled. */
export const CANCELED = 1;
/** DEADLINE: the context's deadline passed; err() is DeadlineExceeded. */
export const DEADLINE = 2;

/** DoneState is a context's state word once it is done. */
export type DoneState = typeof CANCELED | typeof DEADLINE;

/** CAUSE_IS_ERR: no cause bytes; the cause is the error itself (Canceled or DeadlineExceeded). */
export const CAUSE_IS_ERR = 0;
/** CAUSE_HOST: cause bytes from the host's structured serializer (Node's v8.serialize). */
export const CAUSE_HOST = 1;
/** CAUSE_PORTABLE: cause bytes in the portable tagged-JSON encoding (portable-codec.ts), UTF-8. */
export const CAUSE_PORTABLE = 2;

/** CauseKind says how the cause bytes are encoded. */
export type CauseKind = typeof CAUSE_IS_ERR | typeof CAUSE_HOST | typeof CAUSE_PORTABLE;

/** EncodedCause is an encoded cause: how it is encoded, and the bytes (empty for CAUSE_IS_ERR). */
export interface EncodedCause {
  readonly kind: CauseKind;
  readonly bytes: Uint8Array;
}

/** OutcomeMessage is what the message transport sends once, when the context is done. */
export interface OutcomeMessage {
  readonly state: DoneState;
  readonly kind: CauseKind;
  readonly bytes: Uint8Array;
}

/** PortLike is the part of a MessagePort this package uses; structural, so it fits Node's and the DOM's. */
export interface PortLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
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
