/**
 * One context shared with many workers; a context already done when shared;
 * children made inside a worker.
 */
import { background, withCancelCause, withTimeoutCause } from '../../src/index.js';
import { shareContext } from '../../src/worker/index.js';
import { ask, nextMessage, startWorker, stopWorkers } from './helpers.js';

afterEach(stopWorkers);

test('many workers spinning on one shared descriptor all stop after one cancel()', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const workers = Array.from({ length: 4 }, (_, i) =>
    startWorker('spin', { mode: i % 2 === 0 ? 'err' : 'child', limitMs: 15_000, descriptor: share.descriptor }, share.transfer),
  );
  await Promise.all(workers.map((w) => nextMessage(w, (m) => m.type === 'ready')));
  const results = Promise.all(workers.map((w) => nextMessage(w, (m) => m.type === 'result')));
  const cancelledAt = Date.now();
  cancel(new Error('stop all'));
  for (const r of await results) {
    expect(r.inLoop.noticed).toBe(true);
    expect(r.inLoop.err).toBe('Canceled');
    expect(r.inLoop.cause).toMatchObject({ message: 'stop all' });
    expect(r.inLoop.at - cancelledAt).toBeLessThan(5_000);
    expect(r.afterTurn.signalAborted).toBe(true);
  }
  expect(share.active).toBe(false);
});

test('idle workers waiting on done() all wake, each with the cause', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const workers = [startWorker('observe'), startWorker('observe'), startWorker('observe')];
  const replies = Promise.all(workers.map((w) => ask(w, { action: 'done', descriptor: share.descriptor })));
  setTimeout(() => cancel(new Error('bye')), 100);
  for (const r of await replies) {
    expect(r.err).toBe('Canceled');
    expect(r.cause).toMatchObject({ message: 'bye' });
    expect(r.reasonIsCause).toBe(true);
  }
});

test.each(['shared-memory', 'message'] as const)('a context already done before it is shared arrives done (%s)', async (transport) => {
  const [ctx, cancel] = withCancelCause(background());
  cancel(new Error('too late'));
  const share = shareContext(ctx, { transport });
  expect(share.active).toBe(false); // nothing registered on a context that is done
  const w = startWorker('observe');
  await ask(w, { action: 'receive', key: 'k', descriptor: share.descriptor }, share.transfer);
  // Done on the first look, before the worker's loop has had any reason to turn.
  const r = await ask(w, { action: 'report', key: 'k' });
  expect(r.err).toBe('Canceled');
  expect(r.cause).toMatchObject({ message: 'too late' });
  expect(r.signalAborted).toBe(true);
  expect(share.transfer).toEqual([]); // the message transport carries the outcome in the descriptor
});

test('an expired context arrives done with DeadlineExceeded and its deadline cause', async () => {
  const [ctx] = withTimeoutCause(background(), -1, new Error('no time'));
  const share = shareContext(ctx);
  const w = startWorker('observe');
  await ask(w, { action: 'receive', key: 'k', descriptor: share.descriptor });
  const r = await ask(w, { action: 'report', key: 'k' });
  expect(r.err).toBe('DeadlineExceeded');
  expect(r.cause).toMatchObject({ message: 'no time' });
});

test('a child with its own timeout inside the worker is done when the shared context is cancelled', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const w = startWorker('observe');
  const reply = ask(w, { action: 'child', descriptor: share.descriptor });
  setTimeout(() => cancel(new Error('parent gone')), 100);
  const r = await reply;
  expect(r.err).toBe('Canceled');
  expect(r.cause).toMatchObject({ message: 'parent gone' });
  expect(r.deadline).not.toBeNull();
});

test('cancellation flows one way: a worker cancelling its own child leaves the sender alone', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const share = shareContext(ctx);
  const w = startWorker('observe');
  await ask(w, { action: 'receive', key: 'k', descriptor: share.descriptor });
  const r = await ask(w, { action: 'cancel-child', key: 'k' });
  expect(r).toMatchObject({ childErr: 'Canceled', err: null });
  expect(ctx.err()).toBeUndefined();
  expect(share.active).toBe(true);
  // The main thread's cancellation still reaches the worker afterwards.
  cancel(new Error('later'));
  await ctx.done();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await ask(w, { action: 'report', key: 'k' })).toMatchObject({ err: 'Canceled', cause: { message: 'later' } });
});
