/**
 * Helpers shared by the database suites: an HTTP server whose handler runs a
 * statement under the request's context, and timing a condition seen from the
 * database server's side.
 */
import http from 'node:http';
import type { Context } from '../../src/index';
import { fromRequest } from '../../src/node/index';
import { close, listen } from '../node/servers';

/** Polls `check` until it is true; resolves with the milliseconds it took, rejects after timeoutMs. */
export async function timeUntil(check: () => Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - start;
}

/** A server whose every request runs `work(ctx)` under the request's context; the outcome of each call is recorded. */
export async function handlerServer(work: (ctx: Context) => Promise<unknown>): Promise<{ port: number; outcomes: unknown[]; close(): Promise<void> }> {
  const outcomes: unknown[] = [];
  const server = http.createServer((req, res) => {
    const [ctx, cancel] = fromRequest(req, res);
    work(ctx).then(
      (value) => {
        outcomes.push({ value });
        res.end('ok');
      },
      (reason: unknown) => {
        outcomes.push({ reason });
        res.destroy();
      },
    ).finally(() => cancel());
  });
  const port = await listen(server);
  return { port, outcomes, close: () => close(server) };
}

/** Sends a request and destroys it once `whenRunning()` is true; resolves with the time of the disconnect. */
export async function disconnectWhile(port: number, whenRunning: () => Promise<boolean>): Promise<number> {
  const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false });
  req.on('error', () => undefined);
  req.end();
  await timeUntil(whenRunning, 15_000, 'the statement to start');
  req.destroy();
  return performance.now();
}
