/**
 * The server that documentation examples fetch from, and the placeholder
 * origins that are routed to it.
 *
 * Examples write their remote services as origins under the reserved `.example`
 * top-level domain (RFC 2606): `https://api.example`, `http://profiles.example`.
 * Such a name never resolves, so a copied example cannot reach a stranger's
 * server by accident. Before a compiled example runs, every such origin in it is
 * rewritten to this server's `http://127.0.0.1:<port>`: the example then does
 * real network I/O over loopback with the real `fetch`, nothing is mocked.
 *
 * What the server answers, whatever the host was:
 * - `/stream…`: 200 and `hello ` at once, then `world` 20 ms later: a body that
 *   is still arriving when `fetch` resolves.
 * - `/status/<code>…`: that status, body `status <code>`.
 * - `/echo…`: JSON `{ method, path, headers }` of the request.
 * - anything else: 200, `text/plain`, body `hello from <path>`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A placeholder origin: scheme, a host under `.example`, an optional port. */
export const PLACEHOLDER_ORIGIN = /\bhttps?:\/\/(?:[a-z0-9-]+\.)*example(?::\d+)?(?![a-z0-9.-])/gi;

/** Rewrites every placeholder origin in `code` to `origin`. */
export function routeToLoopback(code: string, origin: string): string {
  return code.replace(PLACEHOLDER_ORIGIN, origin);
}

/** A running loopback server for the examples. */
export interface ExampleServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Starts the examples' server on an ephemeral loopback port. */
export async function startExampleServer(): Promise<ExampleServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    req.resume();
    const status = /^\/status\/(\d{3})/.exec(url.pathname);
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end(`status ${status[1]}`);
    } else if (url.pathname.startsWith('/stream')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).write('hello ');
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.end('world');
      }, 20);
      timers.add(timer);
    } else if (url.pathname.startsWith('/echo')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: url.pathname, headers: req.headers }));
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${url.pathname}`);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
