/**
 * The point of ctxkit/worker: a worker spinning in a synchronous loop, which
 * never turns its event loop, sees the main thread's cancel(). The controls
 * show that a transferred AbortSignal, or a context sent over messages, does not.
 */
import { transferableAbortSignal } from 'node:util';
import { background, withCancel, withCancelCause } from '../../src/index.js';
import { shareContext } from '../../src/worker/index.js';
import { nextMessage, startWorker, stopWorkers } from './helpers.js';

afterEach(stopWorkers);

/** How long a worker spins before it gives up: far longer than any cancellation may take. */
const LIMIT_MS = 10_000;
/** How long the control workers spin: long enough that a message has every chance to arrive. */
const CONTROL_MS = 1_500;

interface SpinResult {
  inLoop: { noticed: boolean; at: number; iterations: number; err: string | null; cause: any; thrown: any };
  afterTurn: { noticed: boolean; signalAborted: boolean; reason: any };
}

/** Starts spin.js, waits until it spins, calls cancel, and returns the worker's report with the time cancel was called. */
async function spinAndCancel(workerData: object, transfer: any[], cancel: () => void): Promise<SpinResult & { cancelledAt: number }> {
  const w = startWorker('spin', workerData, transfer);
  await nextMessage(w, (m) => m.type === 'ready');
  const result = nextMessage<SpinResult>(w, (m) => m.type === 'result');
  const cancelledAt = Date.now();
  cancel();
  return { ...(await result), cancelledAt };
}

test.each(['err', 'throwIfDone'])('a worker polling ctx.%s() in a tight loop stops promptly after cancel()', async (mode) => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const r = await spinAndCancel({ mode, limitMs: LIMIT_MS, descriptor: share.descriptor }, share.transfer, () =>
    cancel(new Error('user left')),
  );
  expect(r.inLoop.noticed).toBe(true);
  expect(r.inLoop.err).toBe('Canceled');
  // Noticed after cancel() and long before the loop would have given up; seconds of slack for a loaded machine.
  expect(r.inLoop.at).toBeGreaterThanOrEqual(r.cancelledAt);
  expect(r.inLoop.at - r.cancelledAt).toBeLessThan(3_000);
  const seen = mode === 'err' ? r.inLoop.cause : r.inLoop.thrown;
  expect(seen).toMatchObject({ error: true, name: 'Error', message: 'user left' });
  // Once the loop turns, the signal has aborted with the same cause.
  expect(r.afterTurn).toMatchObject({ signalAborted: true, reason: { message: 'user left' } });
});

test('control: a transferred AbortSignal does not reach a worker spinning in a loop', async () => {
  const controller = new AbortController();
  const signal = transferableAbortSignal(controller.signal);
  const r = await spinAndCancel({ mode: 'signal', limitMs: CONTROL_MS, signal }, [signal], () =>
    controller.abort(new Error('user left')),
  );
  expect(r.inLoop.noticed).toBe(false);
  expect(r.inLoop.at - r.cancelledAt).toBeGreaterThan(500);
  // It was only late: once the loop turned, the signal is aborted.
  expect(r.afterTurn.signalAborted).toBe(true);
});

test('control: the message transport does not reach a worker spinning in a loop either', async () => {
  const [ctx, cancel] = withCancel(background());
  const share = shareContext(ctx, { transport: 'message' });
  const r = await spinAndCancel({ mode: 'err', limitMs: CONTROL_MS, descriptor: share.descriptor }, share.transfer, cancel);
  expect(r.inLoop.noticed).toBe(false);
  expect(r.inLoop.err).toBeNull();
  expect(r.afterTurn).toMatchObject({ noticed: true, signalAborted: true, reason: { singleton: 'Canceled' } });
});

test('a loop that polls only ctx.signal.aborted waits for the event loop (poll err() instead)', async () => {
  const [ctx, cancel] = withCancel(background());
  const share = shareContext(ctx);
  const r = await spinAndCancel({ mode: 'remote-signal', limitMs: CONTROL_MS, descriptor: share.descriptor }, share.transfer, cancel);
  expect(r.inLoop.noticed).toBe(false);
  expect(r.afterTurn).toMatchObject({ noticed: true, signalAborted: true });
});

test('a child made inside the worker with withCancel(shared) sees cancellation in a busy loop, with the cause', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const r = await spinAndCancel({ mode: 'child', limitMs: LIMIT_MS, descriptor: share.descriptor }, share.transfer, () =>
    cancel(Object.assign(new Error('shutting down'), { code: 'E_SHUTDOWN' })),
  );
  expect(r.inLoop.noticed).toBe(true);
  expect(r.inLoop.err).toBe('Canceled');
  expect(r.inLoop.at - r.cancelledAt).toBeLessThan(3_000);
  expect(r.inLoop.cause).toMatchObject({ name: 'Error', message: 'shutting down', code: 'E_SHUTDOWN' });
  expect(r.afterTurn).toMatchObject({ signalAborted: true, reason: { code: 'E_SHUTDOWN' } });
});
