/**
 * ctx.signal works with every API that takes an AbortSignal, for real: each
 * operation below is stopped by cancelling the context, and the reason it
 * reports is cause(ctx).
 */
import { spawn } from 'node:child_process';
import { EventEmitter, getEventListeners, once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { background, Canceled, cause, DeadlineExceeded, runWithTimeout, withCancel, withCancelCause, withTimeout } from '../../src/index.js';

/**
 * The reason an aborted operation reports: the error itself (fetch) or the
 * `cause` of Node's AbortError. Duck-typed: Node's errors come from another
 * realm than Jest's test globals, so `instanceof Error` would be false.
 */
function reasonOf(error: unknown): unknown {
  const e = error as { name?: unknown; cause?: unknown } | null;
  if (typeof e === 'object' && e !== null && e.name === 'AbortError' && 'cause' in e) return e.cause;
  return error;
}

test('ctx.signal is a genuine AbortSignal', () => {
  const [ctx, cancel] = withCancelCause(background());
  const signal = ctx.signal;
  let onabort = 0;
  signal.onabort = () => onabort++;
  expect(signal).toBeInstanceOf(AbortSignal);
  expect(() => signal.throwIfAborted()).not.toThrow();
  cancel('why');
  expect(signal.aborted).toBe(true);
  expect(signal.reason).toBe('why');
  expect(onabort).toBe(1);
  expect(() => signal.throwIfAborted()).toThrow();
});

describe('fetch against a stalled server on loopback', () => {
  let server: Server;
  let url: string;
  const closed: Promise<void>[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      closed.push(new Promise((r) => req.socket.once('close', () => r())));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('cancelling the context aborts the request with cause(ctx), and the connection closes', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('caller gave up');
    const response = fetch(url, { signal: ctx.signal }).then((r) => r.text());
    await delay(50);
    cancel(why);
    await expect(response).rejects.toBe(why);
    // The server's socket closes (runWithTimeout, unlike a Promise.race with a delay, leaves no timer behind).
    await expect(runWithTimeout(background(), 5000, () => closed[closed.length - 1])).resolves.toBeUndefined();
  });

  test('a deadline aborts the request with DeadlineExceeded', async () => {
    const [ctx] = withTimeout(background(), 50);
    await expect(fetch(url, { signal: ctx.signal }).then((r) => r.text())).rejects.toBe(DeadlineExceeded);
    expect(cause(ctx)).toBe(DeadlineExceeded);
  });
});

test('timers/promises setTimeout is cancelled with the cause', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const p = delay(60_000, undefined, { signal: ctx.signal });
  cancel('stop waiting');
  const error = await p.catch((e: unknown) => e);
  expect(reasonOf(error)).toBe('stop waiting');
});

test('events.once stops waiting', async () => {
  const [ctx, cancel] = withCancel(background());
  const emitter = new EventEmitter();
  const p = once(emitter, 'never', { signal: ctx.signal });
  cancel();
  expect(reasonOf(await p.catch((e: unknown) => e))).toBe(Canceled);
  expect(emitter.listenerCount('never')).toBe(0);
});

test('stream.pipeline is torn down', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const source = new PassThrough();
  let destroyed = false;
  const sink = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
    destroy(err, cb) {
      destroyed = true;
      cb(err);
    },
  });
  const p = pipeline(source, sink, { signal: ctx.signal });
  source.write('data');
  cancel('stop streaming');
  expect(reasonOf(await p.catch((e: unknown) => e))).toBe('stop streaming');
  expect(destroyed).toBe(true);
  expect(source.destroyed).toBe(true);
});

test('child_process.spawn kills the child', async () => {
  const [ctx, cancel] = withCancel(background());
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { signal: ctx.signal });
  const errored = once(child, 'error').then(([e]) => e as Error);
  // Not events.once: it would reject on the 'error' event the abort emits first.
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await delay(100);
  cancel();
  expect(reasonOf(await errored)).toBe(Canceled);
  expect(await exited).toBe('SIGTERM');
});

test('fs.promises.readFile is aborted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxkit-fs-'));
  try {
    const file = join(dir, 'big');
    writeFileSync(file, Buffer.alloc(32 * 1024 * 1024));
    const [ctx, cancel] = withCancelCause(background());
    const p = readFile(file, { signal: ctx.signal });
    cancel('enough');
    expect(reasonOf(await p.catch((e: unknown) => e))).toBe('enough');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Readable.from with a signal is destroyed', async () => {
  const [ctx, cancel] = withCancel(background());
  const r = Readable.from(
    (async function* () {
      for (;;) yield await delay(10, 'tick');
    })(),
    { signal: ctx.signal },
  );
  const errored = once(r, 'error').then(([e]) => e);
  r.resume();
  cancel();
  expect(reasonOf(await errored)).toBe(Canceled);
});

test('thousands of children with signals on one long-lived context: no warning, no listener left', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const [parent] = withCancel(background());
    const parentSignal = parent.signal;
    const children = Array.from({ length: 5000 }, () => withCancel(parent));
    for (const [c] of children) c.signal.addEventListener('abort', () => {});
    expect(getEventListeners(parentSignal, 'abort')).toHaveLength(0);
    for (const [, cancel] of children) cancel();
    await delay(10);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(getEventListeners(parentSignal, 'abort')).toHaveLength(0);
  } finally {
    process.off('warning', onWarning);
  }
});
