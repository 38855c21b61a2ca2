/**
 * KILL QUERY for mysql2: stops the statement a connection is running, from a
 * separate connection opened with the same settings (mysql2 has no cancel of
 * its own), closed again once the server has answered.
 */

/** The parts of mysql2's core connection used here. */
export interface CoreConnection {
  threadId: number | null;
  config: unknown;
  constructor: Function;
  _pool?: unknown;
  _handshakePacket?: { serverVersion?: string } | null;
}

/** A core connection made with the callback API: enough to send KILL QUERY. */
interface Killer {
  query(sql: string, callback: (error: Error | null) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  end(): void;
  destroy(): void;
}

/**
 * killQuery resolves once the server has run `KILL QUERY <thread id>` for
 * core's thread: the kill flag is set before the server answers, and a thread
 * that has already finished its statement clears it when its next command
 * starts, so from then on it cannot hit a later statement. Rejects if that
 * cannot be confirmed.
 */
export function killQuery(core: CoreConnection): Promise<void> {
  const threadId = core.threadId;
  if (threadId === null) return Promise.reject(new Error('ctxkit/mysql: the connection has no thread id to kill'));
  // mysql2's Connection class: a PoolConnection's parent class, or the connection's own.
  const ConnectionClass = (core._pool === undefined ? core.constructor : Object.getPrototypeOf(core.constructor)) as new (options: { config: unknown }) => Killer;
  return new Promise((resolve, reject) => {
    const killer = new ConnectionClass({ config: core.config });
    killer.on('error', () => undefined);
    killer.query(`KILL QUERY ${Number(threadId)}`, (error) => {
      killer.end();
      // Unknown thread: it is gone, so nothing can be hit.
      if (error === null || (error as { errno?: number }).errno === 1094) resolve();
      else reject(error);
    });
  });
}
