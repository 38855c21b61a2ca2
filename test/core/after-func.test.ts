/**
 * afterFunc: once, asynchronously, in registration order, with Go's stop() rules.
 */
import { afterFunc, background, withCancel, withTimeout, withValue } from '../../src/index.js';
import { flushMicrotasks } from '../helpers/kinds.js';
import { runNodeJson } from '../helpers/run-node.js';

test('runs once, after cancel returns, never inside cancel() or afterFunc()', async () => {
  const [ctx, cancel] = withCancel(background());
  const log: string[] = [];
  afterFunc(ctx, () => log.push('fn'));
  log.push('registered');
  cancel();
  log.push('cancelled');
  cancel();
  await flushMicrotasks();
  expect(log).toEqual(['registered', 'cancelled', 'fn']);
});

test('on a context that is already done, runs in a microtask and stop() is false', async () => {
  const [ctx, cancel] = withCancel(background());
  cancel();
  let ran = 0;
  const stop = afterFunc(ctx, () => ran++);
  expect(ran).toBe(0);
  expect(stop()).toBe(false);
  await flushMicrotasks();
  expect(ran).toBe(1);
});

test('callbacks on one context run in registration order', async () => {
  const [ctx, cancel] = withCancel(background());
  const order: number[] = [];
  for (let i = 0; i < 5; i++) afterFunc(ctx, () => order.push(i));
  const stop2 = afterFunc(ctx, () => order.push(99));
  stop2();
  cancel();
  await flushMicrotasks();
  expect(order).toEqual([0, 1, 2, 3, 4]);
});

test('stop() before done: true once, and fn never runs', async () => {
  const [ctx, cancel] = withCancel(background());
  let ran = false;
  const stop = afterFunc(ctx, () => (ran = true));
  expect(stop()).toBe(true);
  expect(stop()).toBe(false);
  cancel();
  await flushMicrotasks();
  expect(ran).toBe(false);
});

test('stop() after cancel is false: fn counts as started once the context is done', async () => {
  const [ctx, cancel] = withCancel(background());
  let ran = false;
  const stop = afterFunc(ctx, () => (ran = true));
  cancel();
  expect(stop()).toBe(false);
  await flushMicrotasks();
  expect(ran).toBe(true);
});

test('stop() called by a listener during cancel is false (the context is already done)', async () => {
  const [parent, cancel] = withCancel(background());
  const [child] = withCancel(parent);
  let ran = false;
  const stop = afterFunc(parent, () => (ran = true));
  let stopped: boolean | undefined;
  child.signal.addEventListener('abort', () => (stopped = stop()));
  cancel();
  expect(stopped).toBe(false);
  await flushMicrotasks();
  expect(ran).toBe(true);
});

test('works through value contexts and on deadlines', async () => {
  const [ctx] = withTimeout(background(), 5);
  let ran = false;
  afterFunc(withValue(ctx, 'k', 1), () => (ran = true));
  await ctx.done();
  await flushMicrotasks();
  expect(ran).toBe(true);
});

test('a throwing callback does not stop the others, does not escape cancel, and surfaces as uncaught', () => {
  const r = runNodeJson<{ log: string[]; uncaught: string[]; cancelThrew: boolean }>(`
    const log = [], uncaught = [];
    process.on('uncaughtException', (e) => uncaught.push(e.message));
    const [ctx, cancel] = ctxkit.withCancel(ctxkit.background());
    ctxkit.afterFunc(ctx, () => { log.push('a'); throw new Error('boom from afterFunc'); });
    ctxkit.afterFunc(ctx, () => log.push('b'));
    ctx.signal.addEventListener('abort', () => { log.push('listener'); throw new Error('boom from listener'); });
    ctx.signal.addEventListener('abort', () => log.push('listener 2'));
    let cancelThrew = false;
    try { cancel(); } catch { cancelThrew = true; }
    log.push('after cancel');
    setTimeout(() => console.log(JSON.stringify({ log, uncaught, cancelThrew })), 50);
  `);
  expect(r.cancelThrew).toBe(false);
  expect(r.log).toEqual(['listener', 'listener 2', 'after cancel', 'a', 'b']);
  expect(r.uncaught.sort()).toEqual(['boom from afterFunc', 'boom from listener']);
});

test('under fake timers (which fake queueMicrotask), a manual cancel still runs callbacks', async () => {
  jest.useFakeTimers();
  try {
    const [ctx, cancel] = withCancel(background());
    let ran = false;
    afterFunc(ctx, () => (ran = true));
    cancel();
    await Promise.resolve();
    await Promise.resolve();
    expect(ran).toBe(true);
  } finally {
    jest.useRealTimers();
  }
});
