/**
 * Causes cross to the worker intact where they can be cloned (errors keep their
 * class, name, own properties and cause chain), and as an UncloneableCauseError
 * that says what they were where they cannot. Both transports.
 */
import { Worker } from 'node:worker_threads';
import { DeadlineExceeded, background, withCancelCause, withValue, createKey } from '../../src/index.js';
import { shareContext, type WorkerTransport } from '../../src/worker/index.js';
import { ask, startWorker, stopWorkers } from './helpers.js';

let w: Worker;
beforeAll(() => {
  w = startWorker('observe');
});
afterAll(stopWorkers);

/** Shares a context, cancels it with cause once the worker waits on done(), and returns the worker's report. */
async function crossing(cause: unknown, transport: WorkerTransport = 'auto', maxCauseBytes?: number): Promise<any> {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx, { transport, maxCauseBytes });
  const reply = ask(w, { action: 'done', descriptor: share.descriptor }, share.transfer);
  setTimeout(() => cancel(cause), 50);
  return reply;
}

const transports: WorkerTransport[] = ['shared-memory', 'message'];

describe.each(transports)('over %s', (transport) => {
  test('an Error keeps its message, stack and own properties such as code', async () => {
    const r = await crossing(Object.assign(new Error('disk full'), { code: 'ENOSPC', errno: -28 }), transport);
    expect(r.err).toBe('Canceled');
    expect(r.cause).toMatchObject({ error: true, ctor: 'Error', message: 'disk full', code: 'ENOSPC', hasStack: true });
    expect(r.signalAborted).toBe(true);
    expect(r.reasonIsCause).toBe(true);
  });

  test('standard and custom error classes keep their name; the chain of causes crosses', async () => {
    class QuotaError extends Error {
      constructor(message: string, options?: ErrorOptions) {
        super(message, options);
        this.name = 'QuotaError';
      }
    }
    const r = await crossing(new QuotaError('over quota', { cause: new TypeError('bad input') }), transport);
    expect(r.cause).toMatchObject({ ctor: 'Error', name: 'QuotaError', message: 'over quota' });
    expect(r.cause.cause).toMatchObject({ ctor: 'TypeError', name: 'TypeError', message: 'bad input' });
  });

  test("AbortSignal.timeout()'s DOMException arrives as a DOMException named TimeoutError", async () => {
    const r = await crossing(new DOMException('The operation timed out.', 'TimeoutError'), transport);
    expect(r.cause).toMatchObject({ isDOMException: true, name: 'TimeoutError', message: 'The operation timed out.' });
  });

  test('plain data crosses as structured clone sends it', async () => {
    const cause = { reason: 'shutdown', at: 1234, tags: ['a', 'b'], nested: { ok: false } };
    expect((await crossing(cause, transport)).cause).toEqual({ value: cause });
    expect((await crossing('just a string', transport)).cause).toEqual({ value: 'just a string' });
  });

  test('no cause: the worker sees its own Canceled singleton', async () => {
    const r = await crossing(undefined, transport);
    expect(r.err).toBe('Canceled');
    expect(r.cause).toEqual({ singleton: 'Canceled' });
  });

  test("ctxkit's errors come back as instances of the worker's classes", async () => {
    const r = await crossing(DeadlineExceeded, transport); // Canceled context whose cause is the other singleton
    expect(r.err).toBe('Canceled');
    expect(r.cause).toMatchObject({ ctor: 'DeadlineExceededError', message: 'context deadline exceeded' });
  });

  test('a cause that cannot be cloned arrives as an UncloneableCauseError saying what it was', async () => {
    const r = await crossing(function onAbort() {}, transport);
    expect(r.err).toBe('Canceled');
    expect(r.cause).toMatchObject({ isUncloneable: true, name: 'UncloneableCauseError' });
    expect(r.cause.message).toMatch(/a function \(onAbort\)/);
    const r2 = await crossing({ socket: { write() {} } }, transport);
    expect(r2.cause.isUncloneable).toBe(true);
    expect(r2.cause.message).toMatch(/an object \(Object\)/);
  });

  test('an error with a property that cannot be cloned crosses without its own properties', async () => {
    const r = await crossing(Object.assign(new Error('with a handle'), { code: 'E_X', handle: () => 1 }), transport);
    expect(r.cause).toMatchObject({ isUncloneable: false, message: 'with a handle', code: undefined });
  });
});

test('a cause larger than maxCauseBytes arrives as an UncloneableCauseError naming the limit', async () => {
  const r = await crossing(new Error('x'.repeat(5_000)), 'shared-memory', 1_000);
  expect(r.cause.isUncloneable).toBe(true);
  expect(r.cause.message).toMatch(/maxCauseBytes/);
  const fits = await crossing(new Error('x'.repeat(5_000)), 'shared-memory', 100_000);
  expect(fits.cause.message).toBe('x'.repeat(5_000));
});

test('with maxCauseBytes 0 even the stand-in does not fit: the cause is the error itself', async () => {
  const r = await crossing(new Error('big'), 'shared-memory', 0);
  expect(r.err).toBe('Canceled');
  expect(r.cause).toEqual({ singleton: 'Canceled' });
});

test('chosen values cross by name and under the worker’s own keys; others do not', async () => {
  const requestId = createKey<string>('requestId');
  const secret = createKey<string>('secret');
  const ctx = withValue(withValue(background(), requestId, 'r-42'), secret, 'hunter2');
  const share = shareContext(ctx, { values: { requestId } });
  expect(Object.keys(share.descriptor.values)).toEqual(['requestId']);
  await ask(w, { action: 'receive', key: 'v', descriptor: share.descriptor });
  const r = await ask(w, { action: 'report', key: 'v' });
  expect(r.requestId).toBe('r-42');
  expect(r.byName).toBe('r-42');
  expect(r.text).toBe('Remote'); // nothing of the sender's path, which would show the secret
  expect(JSON.stringify(share.descriptor.values)).not.toMatch(/hunter2/);
  share.release();
});
