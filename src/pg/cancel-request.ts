/**
 * PostgreSQL's cancel request: a separate connection to the server that sends
 * the backend's process id and secret key (protocol 3.0, "CancelRequest"),
 * the way libpq's PQcancel, pgx and lib/pq stop a running statement. It needs
 * no login, so it works when the server has no connection slot left. It is
 * sent with node-postgres's own Connection class (the one `client.cancel`
 * uses internally), so it goes over the same kind of socket as the client's.
 */

/** node-postgres's protocol connection, as far as a cancel request uses it. */
interface ProtocolConnection {
  connect(portOrPath: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  once(event: 'connect' | 'end', listener: () => void): void;
  stream: { destroy(error?: Error): void };
}

/** The parts of a connected node-postgres client that a cancel request needs. */
export interface Backend {
  host: string;
  port: number;
  processID: number | null;
  secretKey: number | null;
  connection: { constructor: Function };
}

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
    // Plain, whatever the client uses: a cancel request carries no secret but the key, and needs no TLS or login.
    const con = new (backend.connection.constructor as new (config: object) => ProtocolConnection)({});
    const timer = setTimeout(() => con.stream.destroy(new Error('ctxkit/pg: the cancel request got no answer')), CANCEL_TIMEOUT_MS);
    let failure: unknown;
    con.on('error', (error) => (failure ??= error));
    con.once('connect', () => con.cancel(processID, secretKey));
    con.once('end', () => {
      clearTimeout(timer);
      if (failure === undefined) resolve();
      else reject(failure);
    });
    if (host.startsWith('/')) con.connect(`${host}/.s.PGSQL.${port}`);
    else con.connect(port, host);
  });
}
