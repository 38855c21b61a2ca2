/**
 * RemoteContext.wait: a worker blocks until the context is done or a timeout
 * passes (Atomics.wait), as .NET's WaitHandle.WaitOne.
 */
import { Worker } from 'node:worker_threads';
import { background, withCancel, withTimeout } from '../../src/index.js';
import { shareContext } from '../../src/worker/index.js';
import { ask, startWorker, stopWorkers } from './helpers.js';

let w: Worker;
beforeEach(() => {
  w = startWorker('observe');
});
afterEach(stopWorkers);

test('wakes when the main thread cancels, long before its timeout', async () => {
  const [ctx, cancel] = withCancel(background());
  const share = shareContext(ctx);
  const reply = ask(w, { action: 'wait', descriptor: share.descriptor, timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 200));
  const cancelledAt = Date.now();
  cancel();
  const r = await reply;
  expect(r).toMatchObject({ result: true, err: 'Canceled' });
  expect(r.endedAt).toBeGreaterThanOrEqual(cancelledAt);
  expect(r.elapsed).toBeLessThan(15_000);
});

test('returns false once the timeout passes on a live context', async () => {
  const [ctx, cancel] = withCancel(background());
  const share = shareContext(ctx);
  const r = await ask(w, { action: 'wait', descriptor: share.descriptor, timeoutMs: 150 });
  expect(r).toMatchObject({ result: false, err: null });
  expect(r.elapsed).toBeGreaterThanOrEqual(140);
  cancel();
});

test('wakes at the deadline without a timeout, even with the main thread silent', async () => {
  const [ctx, cancel] = withTimeout(background(), 300);
  const share = shareContext(ctx);
  const r = await ask(w, { action: 'wait', descriptor: share.descriptor });
  expect(r).toMatchObject({ result: true, err: 'DeadlineExceeded' });
  expect(r.endedAt).toBeGreaterThanOrEqual(ctx.deadline()!.getTime());
  cancel();
});

test('returns true at once for a context already done', async () => {
  const [ctx, cancel] = withCancel(background());
  cancel();
  const share = shareContext(ctx);
  expect(await ask(w, { action: 'wait', descriptor: share.descriptor, timeoutMs: 0 })).toMatchObject({ result: true, err: 'Canceled' });
});

test('needs the shared-memory transport', async () => {
  const [ctx, cancel] = withCancel(background());
  const share = shareContext(ctx, { transport: 'message' });
  await expect(ask(w, { action: 'wait', descriptor: share.descriptor, timeoutMs: 10 }, share.transfer)).rejects.toThrow(
    /TypeError: ctxkit\.RemoteContext\.wait: needs the shared-memory transport/,
  );
  cancel();
});
