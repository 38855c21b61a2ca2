/**
 * Real servers on loopback and a garbage collector, for the propagation tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** Resolves when the server side of the request closed (finished or torn down). */
  closed: Promise<void>;
}

export interface TestServer {
  /** Base URL, without a trailing slash. */
  url: string;
  /** Every request received so far, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1, port 0; `handler` answers each request. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, closed });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls cond every 10 ms until it holds; fails after timeoutMs (generous: shared machines are slow). */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let gcFn: (() => void) | undefined;

/** Runs full garbage collections, letting finalizers and weak references settle between them. */
export async function collectGarbage(): Promise<void> {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 4; i++) {
    await sleep(20);
    gcFn();
  }
  await sleep(20);
}
