/**
 * The client side of the e2e test: HTTP/1 requests to a hop with node:http
 * (exact header values, keep-alive agents, aborting mid-request), each naming
 * its request id in the ctxkit-values header so the hops' reports can be
 * matched to it.
 */
import http from 'node:http';

export interface Reply {
  status: number;
  body: string;
  /** Whether the request went out on a keep-alive connection used before. */
  reusedSocket: boolean;
}

export interface RequestOptions {
  /** The request id every hop reports (sent as `ctxkit-values: request-id=<id>`). */
  id: string;
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: http.Agent;
}

export interface PendingRequest {
  /** The request, to destroy (abort) while it is in flight. */
  req: http.ClientRequest;
  /** The reply; rejects if the request fails or is destroyed. */
  reply: Promise<Reply>;
}

/** Starts a request to 127.0.0.1:port. */
export function startRequest(port: number, path: string, options: RequestOptions): PendingRequest {
  const headers = { ...options.headers, 'ctxkit-values': `request-id=${options.id}` };
  const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: options.agent ?? false });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.end(options.body);
  return { req, reply };
}

/** Sends a request and reads the whole reply. */
export function send(port: number, path: string, options: RequestOptions): Promise<Reply> {
  return startRequest(port, path, options).reply;
}

/** GETs a hop's debug stats (hop started with debug: true). */
export async function hopStats(port: number): Promise<HopStats> {
  const reply = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/_debug/stats', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  return JSON.parse(reply) as HopStats;
}

/** What a hop's /_debug/stats reports (examples/chain/debug.mjs). */
export interface HopStats {
  gc: boolean;
  heapUsed: number;
  contextsTracked: number;
  contextsAlive: number;
  serverSignalListeners: Record<string, number>;
  pendingDeadlines: number;
  activity: { handlers: number; working: number };
  activeResources: string[];
}
