/**
 * The message transport, both halves, for hosts without shared memory (a
 * browser page that is not cross-origin isolated): the descriptor carries one
 * end of a MessageChannel, and the sender posts the outcome on it once. It
 * arrives when the worker's loop turns, so a busy loop does not see it. A port
 * is transferred, so one descriptor serves one receiver. A context that is done
 * before the descriptor is made carries its outcome in the descriptor instead,
 * so that it arrives done.
 */
import { fail } from '../internal/check.js';
import { unref } from '../internal/host.js';
import { decodeOutcome, encodeCause, type CauseKind, type Outcome } from './causes.js';
import type { ContextDescriptor, DoneState, Source, Transport } from './protocol.js';

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

/** messageTransport makes the sending half over a new MessageChannel, or returns undefined where the host has none. */
export function messageTransport(): Transport | undefined {
  type Channel = new () => { port1: PortLike; port2: PortLike };
  const MC = (globalThis as unknown as { MessageChannel?: Channel }).MessageChannel;
  if (typeof MC !== 'function') return undefined;
  const channel = new MC();
  let own: PortLike | undefined = channel.port1;
  let early: OutcomeMessage | undefined;
  let wired = false;
  return {
    send(done, cause, err) {
      if (own === undefined) return;
      const { kind, bytes } = encodeCause(cause, err);
      const message: OutcomeMessage = { state: done, kind, bytes };
      if (wired) {
        // Not closed here: closing at once can drop the message before the
        // receiver has it. The receiver closes the channel once it has read
        // it; a receiver that exits closes its end, which closes this one.
        own.postMessage(message);
      } else {
        early = message;
      }
      own = undefined;
    },
    wire() {
      wired = true;
      if (early !== undefined) return { fields: { outcome: early }, transfer: [] };
      return { fields: { port: channel.port2 }, transfer: [channel.port2] };
    },
  };
}

/** Ports already turned into a source: a port has one receiver. */
const receivedPorts = new WeakSet<object>();

/**
 * messageSource makes the receiving half: the outcome is known once its message
 * is delivered, or from the start when the descriptor carries it. It cannot
 * block.
 */
export function messageSource(descriptor: ContextDescriptor): Source {
  const port = descriptor.port;
  let outcome: Outcome | undefined = descriptor.outcome === undefined ? undefined : decode(descriptor.outcome);
  let onChange: (() => void) | undefined;
  let open: PortLike | undefined;
  const close = (): void => {
    if (open === undefined) return;
    open.onmessage = null;
    open.close();
    open = onChange = undefined;
  };
  if (outcome === undefined) {
    if (receivedPorts.has(port!)) {
      fail('receiveContext', 'descriptor', 'a descriptor not received before (message transport: share once per worker)', descriptor);
    }
    receivedPorts.add(port!);
    open = port!;
    open.onmessage = (event) => {
      const notify = onChange;
      outcome = decode(event.data as OutcomeMessage);
      close();
      notify?.();
    };
    // Node keeps a thread alive while a port listens; the context must not.
    unref(open);
  }
  return {
    poll: () => outcome,
    watch(f) {
      onChange = f;
    },
    close,
    block: undefined,
  };
}

function decode(m: OutcomeMessage): Outcome {
  return decodeOutcome(m.state, m.kind, m.bytes);
}
