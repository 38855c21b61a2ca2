/**
 * The sending half of the two transports. Each delivers a context's outcome
 * once, then holds nothing.
 *
 * - Shared memory: the descriptor carries a SharedArrayBuffer (shared-state.ts).
 *   Any number of workers may receive the same descriptor; none of them costs
 *   the sender anything, so one that exits or crashes changes nothing here.
 * - Messages, where shared memory is unavailable: the descriptor carries one
 *   end of a MessageChannel, which must be transferred, so one descriptor
 *   serves one receiver. The outcome arrives when the worker's loop turns. A
 *   context that is done before the descriptor is made carries its outcome in
 *   the descriptor instead, so that it arrives done.
 */
import { encodeCause } from './cause-codec.js';
import { allocateState, messageChannel } from './host.js';
import type { ContextDescriptor, DoneState, OutcomeMessage, PortLike } from './layout.js';
import { writeOutcome } from './shared-state.js';

/** TransportWire is the transport's part of a descriptor, and what postMessage must transfer with it. */
export interface TransportWire {
  readonly fields: Pick<ContextDescriptor, 'state' | 'port' | 'outcome'>;
  readonly transfer: any[];
}

/** Transport is the sending half: what goes into the descriptor, and how the outcome is sent. */
export interface Transport {
  /** Sends the outcome; only the first call counts. */
  send(state: DoneState, cause: unknown, err: Error): void;
  /** The transport's part of the descriptor; called once, after any send() made while sharing. */
  wire(): TransportWire;
}

/** sharedMemoryTransport makes a transport over a new shared state with room for maxCauseBytes of cause. */
export function sharedMemoryTransport(maxCauseBytes: number): Transport {
  const state = allocateState(maxCauseBytes);
  return {
    send: (done, cause, err) => writeOutcome(state, done, cause, err),
    wire: () => ({ fields: { state }, transfer: [] }),
  };
}

/** messageTransport makes a transport over a new MessageChannel, or returns undefined where the host has none. */
export function messageTransport(): Transport | undefined {
  const channel = messageChannel();
  if (channel === undefined) return undefined;
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
