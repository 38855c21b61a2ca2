/**
 * The causes the Node adapters cancel contexts with. The request causes
 * (ClientDisconnected, ResponseFinished, ServerShutdown) are ctxkit/web's, the
 * same objects on every server; ProcessSignalError is Node's own.
 */
import { CanceledError } from '../index.js';

export { ClientDisconnected, ClientDisconnectedError, ResponseFinished, ResponseFinishedError, ServerShutdown, ServerShutdownError } from '../web/index.js';

/**
 * ProcessSignalError is the cause of a `withProcessSignals` context: the
 * process received `signal`.
 */
export class ProcessSignalError extends CanceledError {
  /** The signal received, such as "SIGTERM". */
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`${signal} received`);
    this.name = 'ProcessSignalError';
    this.signal = signal;
  }
}
