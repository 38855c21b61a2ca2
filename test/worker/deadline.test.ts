/**
 * Deadlines cross as epoch ms, and expire inside the worker on its own clock:
 * in a busy loop, even while the main thread is too busy to forward anything.
 */
import { background, DeadlineExceeded, withDeadline, withDeadlineCause, withTimeout } from '../../src/index.js';
import { shareContext } from '../../src/worker/index.js';
import { ask, nextMessage, sleep, startWorker, stopWorkers } from './helpers.js';

afterEach(stopWorkers);

/** Blocks this thread (no timers, no microtasks, no afterFunc) until Date.now() reaches until. */
function blockUntil(until: number): void {
  while (Date.now() < until);
}

test('a deadline expires inside a busy worker while the main thread is blocked', async () => {
  const [ctx, cancel] = withTimeout(background(), 2_000);
  const deadline = ctx.deadline()!.getTime();
  const share = shareContext(ctx);
  const w = startWorker('spin', { mode: 'err', limitMs: 20_000, descriptor: share.descriptor }, share.transfer);
  await nextMessage(w, (m) => m.type === 'ready');
  const result = nextMessage(w, (m) => m.type === 'result');
  // The main thread cannot run its deadline timer or forward anything until this returns.
  const blockedUntil = deadline + 2_000;
  blockUntil(blockedUntil);
  const r = await result;
  expect(r.inLoop.noticed).toBe(true);
  expect(r.inLoop.err).toBe('DeadlineExceeded');
  expect(r.inLoop.at).toBeGreaterThanOrEqual(deadline);
  expect(r.inLoop.at).toBeLessThan(blockedUntil);
  // The main thread sees it too as soon as it asks, although its timer has not run.
  expect(ctx.err()).toBe(DeadlineExceeded);
  cancel();
});

test("deadline() in the worker equals the sender's, and an idle worker's done() resolves at it", async () => {
  const [ctx, cancel] = withTimeout(background(), 400);
  const share = shareContext(ctx);
  const w = startWorker('observe');
  const r = await ask(w, { action: 'done', descriptor: share.descriptor }, share.transfer);
  expect(r.deadline).toBe(ctx.deadline()!.getTime());
  expect(r.err).toBe('DeadlineExceeded');
  expect(r.cause).toEqual({ singleton: 'DeadlineExceeded' });
  expect(r.doneAt).toBeGreaterThanOrEqual(r.deadline);
  expect(r.order[0]).toBe('abort'); // the signal aborts first, as in the core
  expect([...r.order].sort()).toEqual(['abort', 'afterFunc', 'done']);
  cancel();
});

test('a deadline cause given with withDeadlineCause crosses', async () => {
  const [ctx, cancel] = withDeadlineCause(background(), Date.now() + 300, new RangeError('budget spent'));
  const share = shareContext(ctx);
  const w = startWorker('observe');
  // The worker holds the context without looking, so the sender's timer is first to see the deadline.
  await ask(w, { action: 'receive', key: 'k', descriptor: share.descriptor }, share.transfer);
  await ctx.done();
  await sleep(20); // share's afterFunc has run: the outcome is in shared memory
  const r = await ask(w, { action: 'report', key: 'k' });
  expect(r.err).toBe('DeadlineExceeded');
  expect(r.cause).toMatchObject({ ctor: 'RangeError', name: 'RangeError', message: 'budget spent' });
  cancel();
});

test('a context without a deadline has none in the worker; a past deadline arrives done', async () => {
  const w = startWorker('observe');
  const live = shareContext(background());
  const r1 = await ask(w, { action: 'receive', key: 'live', descriptor: live.descriptor });
  expect(r1).toBeDefined();
  expect((await ask(w, { action: 'report', key: 'live' })).deadline).toBeNull();
  live.release();

  const [past] = withDeadline(background(), Date.now() - 1);
  const share = shareContext(past);
  await ask(w, { action: 'receive', key: 'past', descriptor: share.descriptor });
  const r2 = await ask(w, { action: 'report', key: 'past' });
  expect(r2.err).toBe('DeadlineExceeded');
  expect(r2.deadline).toBe(past.deadline()!.getTime());
});
