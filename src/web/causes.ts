/**
 * The causes a request context ends with, on every server: the client went
 * away, the response is complete, the server is shutting down. They are
 * shared by ctxkit/web, ctxkit/node and the RPC servers (one singleton each),
 * so that one `errorStatus` maps them wherever they came from.
 *
 * Each is a CanceledError (its `err()` is still `Canceled`), so code that tests
 * `instanceof CanceledError` on a rejection keeps working, and code that wants
 * the reason tests the subclass or compares with the singleton.
 */
import { CanceledError } from '../index.js';

/**
 * ClientDisconnectedError is the class of {@link ClientDisconnected}: the client
 * went away (closed the connection, reset its HTTP/2 stream) before the
 * response was complete.
 */
export class ClientDisconnectedError extends CanceledError {
  constructor() {
    super('client disconnected');
    this.name = 'ClientDisconnectedError';
  }
}

/** ClientDisconnected is the cause of a request context whose client went away before the response was complete. */
export const ClientDisconnected: ClientDisconnectedError = new ClientDisconnectedError();

/** ResponseFinishedError is the class of {@link ResponseFinished}: the response was complete. */
export class ResponseFinishedError extends CanceledError {
  constructor() {
    super('response finished');
    this.name = 'ResponseFinishedError';
  }
}

/**
 * ResponseFinished is the cause of a request context once its response is
 * complete, as Go cancels a request's context when the handler returns: work
 * still running for that request is no longer wanted.
 */
export const ResponseFinished: ResponseFinishedError = new ResponseFinishedError();

/** ServerShutdownError is the class of {@link ServerShutdown}: the server is shutting down. */
export class ServerShutdownError extends CanceledError {
  constructor() {
    super('server shutting down');
    this.name = 'ServerShutdownError';
  }
}

/**
 * ServerShutdown is the cause `shutdown()` cancels the server-lifetime context
 * with, and so every request context still running when the grace period ends.
 */
export const ServerShutdown: ServerShutdownError = new ServerShutdownError();
