/**
 * The connections and HTTP/2 sessions of a server, for `shutdown`: Node lists
 * neither (it has no list of a server's sessions, and on Node 20 to 24
 * `closeIdleConnections` leaves a connection that has not sent its first
 * request). A server is watched from the moment ctxkit first sees it: its
 * first request through `fromRequest`, `runService`, or `shutdown` itself.
 */
import type { Http2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** What shutdown needs to know of one server. */
export interface Watched {
  /**
   * The server's accepted sockets (for HTTPS, the TLS socket as well as the
   * TCP one beneath it), each until it closes. One that has read no byte has
   * not sent a request.
   */
  readonly sockets: Set<Socket>;
  /** The server's HTTP/2 sessions, each until it closes. */
  readonly sessions: Set<Http2Session>;
}

const watched = new WeakMap<object, Watched>();

/** Per HTTP/2 session seen by a request: its server, so that the next request finds it with one lookup. */
const sessionServers = new WeakMap<Http2Session, object>();

/** Lists `socket` under `w` until it closes. */
function addSocket(w: Watched, socket: Socket): void {
  if (w.sockets.has(socket)) return;
  w.sockets.add(socket);
  socket.once('close', () => w.sockets.delete(socket));
}

/** Lists `session` under `w` until it closes. */
function addSession(w: Watched, session: Http2Session): void {
  if (w.sessions.has(session)) return;
  w.sessions.add(session);
  session.once('close', () => w.sessions.delete(session));
}

/**
 * watchServer starts listing the connections and HTTP/2 sessions `server`
 * accepts from now on (once per server), and returns the lists.
 */
export function watchServer(server: NodeJS.EventEmitter): Watched {
  let w = watched.get(server);
  if (w !== undefined) return w;
  const lists: Watched = { sockets: new Set(), sessions: new Set() };
  watched.set(server, lists);
  const onSocket = (socket: Socket): void => addSocket(lists, socket);
  server.on('connection', onSocket);
  server.on('secureConnection', onSocket);
  server.on('session', (session: Http2Session) => addSession(lists, session));
  return lists;
}

/**
 * serverOfSession returns the server of an HTTP/2 session that carried a
 * request, and lists the session under it: `socket.server` is read once per
 * session (through the compatibility API's socket proxy, which is slow), then
 * remembered. Undefined if the session has no socket any more.
 */
export function serverOfSession(session: Http2Session): object | undefined {
  const known = sessionServers.get(session);
  if (known !== undefined) return known;
  let server: unknown;
  try {
    server = (session.socket as unknown as { server?: unknown } | null | undefined)?.server;
  } catch {
    return undefined; // ERR_HTTP2_SOCKET_UNBOUND: the session lost its socket (it is closing)
  }
  if (typeof server !== 'object' || server === null) return undefined;
  sessionServers.set(session, server);
  addSession(watchServer(server as NodeJS.EventEmitter), session);
  return server;
}
