/**
 * PostgreSQL's cancel request: a separate connection to the server that sends
 * the backend's process id and secret key (protocol 3.0, "CancelRequest"),
 * the way libpq's PQcancel, pgx and lib/pq stop a running statement. It needs
 * no login, so it works when the server has no connection slot left.
 */
import net from 'node:net';

/** The parts of a connected node-postgres client that a cancel request needs. */
export interface Backend {
  host: string;
  port: number;
  processID: number | null;
  secretKey: number | null;
}

/** The request code of a CancelRequest: 1234 in the high 16 bits, 5678 in the low. */
const CANCEL_REQUEST_CODE = 80877102;
/** How long a cancel request may take before the connection is given up as unsafe. */
const CANCEL_TIMEOUT_MS = 10_000;

/**
 * sendCancelRequest asks the server to cancel whatever `backend` is running.
 * It resolves once the server has closed the request's connection, which it
 * does after signalling the backend: from then on the cancel cannot arrive
 * later and hit another statement. It rejects if that cannot be confirmed.
 */
export function sendCancelRequest(backend: Backend): Promise<void> {
  const { host, port, processID, secretKey } = backend;
  if (processID === null || secretKey === null) return Promise.reject(new Error('ctxkit/pg: the client has no backend key to cancel with'));
  return new Promise((resolve, reject) => {
    const socket = host.startsWith('/') ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
    const timer = setTimeout(() => socket.destroy(new Error('ctxkit/pg: the cancel request got no answer')), CANCEL_TIMEOUT_MS);
    let failure: unknown;
    socket.once('connect', () => {
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(16, 0);
      packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      packet.writeInt32BE(processID, 8);
      packet.writeInt32BE(secretKey, 12);
      socket.end(packet);
    });
    socket.on('error', (error) => (failure = error));
    socket.once('close', () => {
      clearTimeout(timer);
      if (failure === undefined) resolve();
      else reject(failure);
    });
    socket.resume();
  });
}
