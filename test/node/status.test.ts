/**
 * errorStatus: the status for each kind of error a request context produces,
 * on a real request, and 499 for anything once the client is gone.
 */
import http from 'node:http';
import { Canceled, DeadlineExceeded, background, cause, withTimeoutCause } from '../../src/index.js';
import { ClientDisconnected, ServerShutdown, answerContextError, clientGone, errorStatus, fromRequest } from '../../src/node/index.js';
import { MalformedDeadlineError } from '../../src/propagation/index.js';
import { close, deferred, listen, send } from './servers.js';

let server: http.Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

/** Runs `inspect` inside a real handler, then answers. */
async function during<T>(inspect: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<T> | T): Promise<T> {
  const result = deferred<T>();
  server = http.createServer(async (req, res) => {
    result.resolve(await inspect(req, res));
    res.end();
  });
  await send(await listen(server), '/');
  return result.promise;
}

test('each kind of error maps to its status; others to undefined', async () => {
  const statuses = await during((req, res) => {
    fromRequest(req, res);
    const table: Array<[string, unknown]> = [
      ['DeadlineExceeded', DeadlineExceeded],
      ['an AbortError caused by DeadlineExceeded', Object.assign(new Error('aborted'), { name: 'AbortError', cause: DeadlineExceeded })],
      ['a wrapper two causes deep', new Error('outer', { cause: new Error('inner', { cause: DeadlineExceeded }) })],
      ['ServerShutdown', ServerShutdown],
      ['MalformedDeadlineError', new MalformedDeadlineError('ctxkit-timeout-ms', 'x')],
      ['ClientDisconnected', ClientDisconnected],
      ['Canceled', Canceled],
      ['a plain Error', new Error('boom')],
      ['a string', 'boom'],
      ['a cause cycle', (() => {
        const e = new Error('loop') as Error & { cause?: unknown };
        e.cause = e;
        return e;
      })()],
    ];
    return Object.fromEntries(table.map(([name, error]) => [name, errorStatus(error, req, res)]));
  });
  expect(statuses).toEqual({
    DeadlineExceeded: 504,
    'an AbortError caused by DeadlineExceeded': 504,
    'a wrapper two causes deep': 504,
    ServerShutdown: 503,
    MalformedDeadlineError: 400,
    ClientDisconnected: 499,
    Canceled: undefined,
    'a plain Error': undefined,
    'a string': undefined,
    'a cause cycle': undefined,
  });
});

test("a custom deadline cause above the request (withTimeoutCause) is 504 once the request's deadline passed", async () => {
  const budget = new Error('upstream budget spent');
  const status = await during(async (req, res) => {
    // Made here, not before the request: on a busy machine 30 ms may pass before it arrives.
    const [parent] = withTimeoutCause(background(), 30, budget);
    const [ctx] = fromRequest(req, res, { parent });
    const before = errorStatus(budget, req, res);
    await ctx.done();
    return [before, cause(ctx) === budget, errorStatus(budget, req, res)];
  });
  expect(status).toEqual([undefined, true, 504]);
});

test('once the client is gone every error is 499, whatever it is', async () => {
  const statuses = deferred<Array<number | undefined>>();
  const started = deferred();
  const gone = deferred<boolean[]>();
  server = http.createServer(async (req, res) => {
    fromRequest(req, res);
    const before = clientGone(res);
    started.resolve();
    await new Promise((r) => res.once('close', r));
    gone.resolve([before, clientGone(res)]);
    statuses.resolve([errorStatus(new Error('boom'), req, res), errorStatus(DeadlineExceeded, req, res)]);
  });
  const port = await listen(server);
  const abort = new AbortController();
  const client = fetch(`http://127.0.0.1:${port}/`, { signal: abort.signal }).catch(() => undefined);
  await started.promise;
  abort.abort();
  await client;
  expect(await statuses.promise).toEqual([499, 499]);
  expect(await gone.promise).toEqual([false, true]);
});

describe('answerContextError', () => {
  /** Serves one request with `handle`, and reports what the client saw: a reply, or the error that cut it short. */
  async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): Promise<{ status?: number; body?: string; error?: string }> {
    server = http.createServer((req, res) => void handle(req, res));
    const port = await listen(server);
    return new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', (e) => resolve({ status: res.statusCode, body, error: e.message }));
      });
      req.on('error', (e) => resolve({ error: e.message }));
      req.end();
    });
  }

  test('answers a deadline with 504 and its status text, and returns the status', async () => {
    const returned = deferred<unknown>();
    const reply = await serve(async (req, res) => {
      fromRequest(req, res);
      returned.resolve(answerContextError(DeadlineExceeded, req, res));
    });
    expect(await returned.promise).toBe(504);
    expect(reply).toEqual({ status: 504, body: 'Gateway Timeout' });
  });

  test('cuts short a response already under way instead of ending it as if it were whole', async () => {
    const reply = await serve(async (req, res) => {
      fromRequest(req, res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      await new Promise((r) => setTimeout(r, 20));
      answerContextError(DeadlineExceeded, req, res);
    });
    expect(reply.status).toBe(200);
    expect(reply.error).toBe('aborted'); // not a clean end: a partial body cannot pass for a whole one
  });

  test('leaves any other error to the caller: answers nothing, returns undefined', async () => {
    const returned = deferred<unknown>();
    const reply = await serve(async (req, res) => {
      fromRequest(req, res);
      returned.resolve(answerContextError(new Error('bug'), req, res));
      if (!res.headersSent) res.writeHead(500).end('mine');
    });
    expect(await returned.promise).toBeUndefined();
    expect(reply).toEqual({ status: 500, body: 'mine' });
  });

  test('sends nothing to a client that went away, and returns 499', async () => {
    const returned = deferred<unknown>();
    server = http.createServer(async (req, res) => {
      fromRequest(req, res);
      await new Promise((r) => res.once('close', r));
      const wrote: unknown[] = [];
      const end = res.end.bind(res);
      res.end = ((...args: unknown[]) => (wrote.push(args), end(...(args as [])))) as typeof res.end;
      returned.resolve([answerContextError(DeadlineExceeded, req, res), wrote.length]);
    });
    const port = await listen(server);
    const client = http.request({ host: '127.0.0.1', port, path: '/', agent: false });
    client.on('error', () => {});
    client.end();
    setTimeout(() => client.destroy(), 50);
    expect(await returned.promise).toEqual([499, 0]);
  });
});
