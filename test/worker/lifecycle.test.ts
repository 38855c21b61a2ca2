/**
 * Nothing leaks and nothing breaks: a worker that crashes or exits leaves the
 * sender's context working; releasing a handle cancels the workers' view and
 * frees the sender's registration.
 */
import { afterFunc, background, withCancel, withCancelCause } from '../../src/index.js';
import { shareContext, type WorkerTransport } from '../../src/worker/index.js';
import { runNodeJson, repoRoot } from '../helpers/run-node.js';
import { ask, nextMessage, startWorker, stopWorkers } from './helpers.js';
import { join } from 'node:path';

afterEach(stopWorkers);

describe.each(['throw', 'exit', 'hang'])('a worker that dies (%s)', (how) => {
  test.each(['shared-memory', 'message'] as WorkerTransport[])("leaves the sender's context working (%s)", async (transport) => {
    const [ctx, cancel] = withCancelCause(background());
    const share = shareContext(ctx, { transport });
    const w = startWorker('crash', { descriptor: share.descriptor, how }, share.transfer);
    const errors: Error[] = [];
    w.on('error', (e) => errors.push(e));
    await nextMessage(w, (m) => m.type === 'ready');
    const exited = new Promise<number>((resolve) => w.once('exit', resolve));
    if (how === 'hang') {
      await new Promise((r) => setTimeout(r, 50));
      await w.terminate();
    }
    const code = await exited;
    expect(code).not.toBe(0);
    expect(errors.map((e) => e.message)).toEqual(how === 'throw' ? ['worker crashed'] : []);

    expect(ctx.err()).toBeUndefined();
    expect(share.active).toBe(true);
    const ran = new Promise<boolean>((resolve) => afterFunc(ctx, () => resolve(true)));
    cancel(new Error('after the crash'));
    expect(ctx.err()).toBeDefined();
    expect(await ran).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(share.active).toBe(false);

    if (transport === 'shared-memory') {
      // The same descriptor still serves a new worker, which sees the outcome.
      const next = startWorker('observe');
      await ask(next, { action: 'receive', key: 'k', descriptor: share.descriptor });
      expect(await ask(next, { action: 'report', key: 'k' })).toMatchObject({ err: 'Canceled', cause: { message: 'after the crash' } });
    }
  });
});

test("release() cancels a busy worker's view with Canceled and leaves the sender's context live", async () => {
  const [ctx, cancel] = withCancel(background());
  const share = shareContext(ctx);
  const w = startWorker('spin', { mode: 'child', limitMs: 10_000, descriptor: share.descriptor }, share.transfer);
  await nextMessage(w, (m) => m.type === 'ready');
  const result = nextMessage(w, (m) => m.type === 'result');
  share.release();
  expect(share.active).toBe(false);
  const r = await result;
  expect(r.inLoop).toMatchObject({ noticed: true, err: 'Canceled', cause: { singleton: 'Canceled' } });
  expect(ctx.err()).toBeUndefined();
  cancel();
});

test('[Symbol.dispose] releases, so `using` scopes a share to a block', async () => {
  const [ctx, cancel] = withCancel(background());
  let kept: ReturnType<typeof shareContext>;
  {
    using share = shareContext(ctx);
    kept = share;
    expect(share.active).toBe(true);
  }
  expect(kept.active).toBe(false);
  expect(ctx.err()).toBeUndefined();
  cancel();
});

test('a released handle is freed while the context lives on; an unreleased one is held by its registration', () => {
  const worker = JSON.stringify(join(repoRoot, 'dist', 'cjs', 'worker', 'index.js'));
  const r = runNodeJson<Record<string, number | boolean>>(
    `
    const { shareContext } = require(${worker});
    const [ctx, cancel] = ctxkit.withCancel(ctxkit.background());
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
    (async () => {
      let released = shareContext(ctx);
      released.release();
      const releasedRef = new WeakRef(released);
      let kept = shareContext(ctx);
      const keptRef = new WeakRef(kept);
      released = kept = null;
      await tick();
      gc();
      const keptAlive = keptRef.deref() !== undefined;
      const N = 20000;
      const h0 = heap();
      for (let i = 0; i < N; i++) shareContext(ctx).release();
      const h1 = heap();
      for (let i = 0; i < N; i++) shareContext(ctx);
      const h2 = heap();
      cancel();
      await tick();
      const h3 = heap();
      console.log(JSON.stringify({
        releasedCollected: releasedRef.deref() === undefined,
        keptAlive,
        keptCollectedAfterCancel: keptRef.deref() === undefined,
        releasedPerShare: (h1 - h0) / N,
        unreleasedPerShare: (h2 - h1) / N,
        afterCancelPerShare: (h3 - h1) / N,
      }));
    })();
    `,
    ['--expose-gc'],
  );
  expect(r.releasedCollected).toBe(true);
  expect(r.keptAlive).toBe(true); // the control: the measurement sees a live registration
  expect(r.keptCollectedAfterCancel).toBe(true); // ... which the context's end lets go
  // Released shares leave (almost) nothing behind; unreleased ones hold a registration each until the context is done.
  expect(r.releasedPerShare).toBeLessThan(50);
  expect(r.unreleasedPerShare).toBeGreaterThan(100);
  expect(r.afterCancelPerShare).toBeLessThan(50);
});
