/**
 * The receiving half of the two transports (see transport.ts): where a
 * RemoteContext learns the sender's outcome.
 */
import { outcomeOf, type Outcome } from './cause-codec.js';
import { atomicsWaitAsync, unref } from './host.js';
import { LIVE, STATE, type ContextDescriptor, type OutcomeMessage, type PortLike } from './layout.js';
import { readOutcome, stateView } from './shared-state.js';

/** Source is where a RemoteContext learns the sender's outcome. */
export interface Source {
  /** The outcome once the sender has reported one, else undefined. Called by every err(): cheap while live. */
  poll(): Outcome | undefined;
  /** Calls onChange, asynchronously, when the outcome may have arrived (more than once is harmless). */
  watch(onChange: () => void): void;
  /** Stops watching and lets go of what the source holds; poll() keeps answering. */
  close(): void;
  /** Whether block() can wait for the outcome. */
  readonly canBlock: boolean;
  /** Blocks the thread until the outcome may have arrived or ms pass. */
  block(ms: number): void;
}

/** How often the shared state is polled for done(), signal and afterFunc where Atomics.waitAsync is missing. */
const POLL_INTERVAL_MS = 25;

/** The shared-memory source: every poll is one Atomics.load. */
class SharedSource implements Source {
  readonly canBlock = true;
  private readonly _buffer: SharedArrayBuffer;
  private readonly _view: Int32Array;
  /** The polling timer where Atomics.waitAsync is missing. */
  private _interval: unknown = undefined;

  constructor(buffer: SharedArrayBuffer) {
    this._buffer = buffer;
    this._view = stateView(buffer);
  }

  poll(): Outcome | undefined {
    return Atomics.load(this._view, STATE) === LIVE ? undefined : readOutcome(this._buffer, this._view);
  }

  watch(onChange: () => void): void {
    const waitAsync = atomicsWaitAsync();
    if (waitAsync === undefined) {
      this._interval = setInterval(onChange, POLL_INTERVAL_MS);
      unref(this._interval);
      return;
    }
    // Resolves on the sender's Atomics.notify; at once if the word is no longer LIVE. It keeps no host alive.
    const result = waitAsync(this._view, STATE, LIVE);
    if (result.async) void (result.value as Promise<string>).then(onChange);
    else queueMicrotask(onChange);
  }

  close(): void {
    if (this._interval !== undefined) clearInterval(this._interval as ReturnType<typeof setInterval>);
    this._interval = undefined;
  }

  block(ms: number): void {
    Atomics.wait(this._view, STATE, LIVE, ms);
  }
}

/** Ports already turned into a source: a port has one receiver. */
const receivedPorts = new WeakSet<object>();

/**
 * The message source: the outcome is known once its message is delivered, when
 * the loop turns, or from the start when the descriptor carries it.
 */
class MessageSource implements Source {
  readonly canBlock = false;
  private _port: PortLike | undefined = undefined;
  private _outcome: Outcome | undefined = undefined;
  private _onChange: (() => void) | undefined = undefined;

  constructor(port: PortLike | undefined, outcome: OutcomeMessage | undefined) {
    if (outcome !== undefined) {
      this._outcome = decode(outcome);
      return;
    }
    if (receivedPorts.has(port!)) {
      throw new TypeError('ctxkit/worker.receiveContext: this descriptor (message transport) was already received; share once per worker');
    }
    receivedPorts.add(port!);
    this._port = port;
    port!.onmessage = (event) => {
      const onChange = this._onChange;
      this._outcome = decode(event.data as OutcomeMessage);
      this.close();
      onChange?.();
    };
    // Node keeps a thread alive while a port listens; the context must not.
    unref(port);
  }

  poll(): Outcome | undefined {
    return this._outcome;
  }

  watch(onChange: () => void): void {
    this._onChange = onChange;
  }

  close(): void {
    const port = this._port;
    if (port === undefined) return;
    this._port = this._onChange = undefined;
    port.onmessage = null;
    port.close();
  }

  block(): void {
    throw new TypeError('ctxkit/worker: wait() needs the shared-memory transport');
  }
}

/** sourceFor returns the source a descriptor's transport calls for. The caller has checked the descriptor. */
export function sourceFor(d: ContextDescriptor): Source {
  return d.state !== undefined ? new SharedSource(d.state) : new MessageSource(d.port, d.outcome);
}

function decode(m: OutcomeMessage): Outcome {
  return outcomeOf(m.state, m.kind, m.bytes);
}
