/**
 * How cancellation travels: synchronously, to every descendant, deepest signal
 * first, without recursion, and robust against user code run along the way.
 */
import {
  afterFunc,
  background,
  Canceled,
  cause,
  type Context,
  withCancel,
  withCancelCause,
  withLinked,
  withTimeout,
  withValue,
} from '../../src/index.js';
import { flushMicrotasks, HOUR } from '../helpers/kinds.js';

test('when cancel() returns, every descendant err() is set; signals abort after all are set', () => {
  const [root, cancel] = withCancel(background());
  const [a] = withCancel(root);
  const [b] = withTimeout(withValue(a, 'k', 1), HOUR);
  const [c] = withCancel(b);
  const [d] = withCancel(root);
  const all = [root, a, b, c, d];
  const seenInListeners: Array<Array<Error | undefined>> = [];
  for (const ctx of all) ctx.signal.addEventListener('abort', () => seenInListeners.push(all.map((x) => x.err())));
  cancel();
  expect(all.map((x) => x.err())).toEqual(all.map(() => Canceled));
  expect(seenInListeners).toHaveLength(5);
  for (const seen of seenInListeners) expect(seen).toEqual(all.map(() => Canceled));
});

test('descendants abort before ancestors: inside a parent listener every descendant signal is aborted', () => {
  const [root, cancel] = withCancel(background());
  const [mid] = withCancel(root);
  const [leaf] = withCancel(mid);
  const [otherLeaf] = withCancel(root);
  const order: string[] = [];
  root.signal.addEventListener('abort', () => {
    order.push('root');
    expect([mid, leaf, otherLeaf].every((c) => c.signal.aborted)).toBe(true);
  });
  mid.signal.addEventListener('abort', () => {
    order.push('mid');
    expect(leaf.signal.aborted).toBe(true);
    expect(root.signal.aborted).toBe(false);
  });
  leaf.signal.addEventListener('abort', () => order.push('leaf'));
  otherLeaf.signal.addEventListener('abort', () => order.push('otherLeaf'));
  cancel();
  expect(order.indexOf('leaf')).toBeLessThan(order.indexOf('mid'));
  expect(order[order.length - 1]).toBe('root');
  expect(order).toHaveLength(4);
});

test('deepest first also holds across linked contexts (a DAG)', () => {
  const [root, cancel] = withCancel(background());
  const [x] = withCancel(root);
  const [y] = withCancel(x);
  // Linked to root directly and to y: reached first through root, but it is a descendant of y.
  const [linked] = withLinked(root, y);
  const order: string[] = [];
  for (const [name, c] of Object.entries({ root, x, y, linked })) {
    c.signal.addEventListener('abort', () => order.push(name));
  }
  cancel();
  expect(order.indexOf('linked')).toBeLessThan(order.indexOf('y'));
  expect(order.indexOf('y')).toBeLessThan(order.indexOf('x'));
  expect(order[3]).toBe('root');
});

test('a 100,000-deep chain builds, observes and cancels without a stack overflow', () => {
  const [root, cancel] = withCancel(background());
  let ctx: Context = root;
  for (let i = 0; i < 100_000; i++) ctx = i % 3 === 2 ? withValue(ctx, i, i) : withCancel(ctx)[0];
  const leafSignal = ctx.signal; // attaches the whole chain
  expect(ctx.value(2)).toBe(2);
  expect(ctx.deadline()).toBeUndefined();
  expect(String(ctx).length).toBeGreaterThan(100_000);
  cancel();
  expect(ctx.err()).toBe(Canceled);
  expect(leafSignal.aborted).toBe(true);
});

test('an unobserved 100,000-deep chain answers err() without recursion', () => {
  const [root, cancel] = withCancel(background());
  let ctx: Context = root;
  for (let i = 0; i < 100_000; i++) ctx = withCancel(ctx)[0];
  expect(ctx.err()).toBeUndefined();
  cancel();
  expect(ctx.err()).toBe(Canceled);
});

test('a parent with 100,000 children cancels them all', () => {
  const [root, cancel] = withCancel(background());
  const children = Array.from({ length: 100_000 }, () => withCancel(root)[0]);
  const observed = children.filter((_, i) => i % 2 === 0).map((c) => c.signal);
  cancel();
  expect(children.every((c) => c.err() === Canceled)).toBe(true);
  expect(observed.every((s) => s.aborted)).toBe(true);
});

test('many async tasks awaiting one parent all resume, with the cause', async () => {
  const [parent, cancel] = withCancelCause(background());
  const results = Promise.all(
    Array.from({ length: 1000 }, async () => {
      const [ctx, done] = withCancel(parent);
      try {
        await ctx.done();
        return cause(ctx);
      } finally {
        done();
      }
    }),
  );
  const why = new Error('stop');
  cancel(why);
  const causes = await results;
  expect(causes).toHaveLength(1000);
  expect(causes.every((c) => c === why)).toBe(true);
});

test('cancel from inside an abort listener and from inside afterFunc', async () => {
  const [a, cancelA] = withCancel(background());
  const [b, cancelB] = withCancel(background());
  const [c, cancelC] = withCancel(background());
  a.signal.addEventListener('abort', () => cancelB());
  afterFunc(b, () => cancelC());
  // Re-entrant: cancelling the context being cancelled, from its own listener.
  a.signal.addEventListener('abort', () => cancelA());
  cancelA();
  expect(b.err()).toBe(Canceled);
  expect(c.err()).toBeUndefined();
  await flushMicrotasks();
  expect(c.err()).toBe(Canceled);
});

test('a listener that creates children of a cancelled context gets done children', () => {
  const [parent, cancel] = withCancelCause(background());
  let child: Context | undefined;
  parent.signal.addEventListener('abort', () => {
    child = withTimeout(parent, HOUR)[0];
  });
  cancel('bye');
  expect(child!.err()).toBe(Canceled);
  expect(cause(child!)).toBe('bye');
});

test('stopImmediatePropagation on a parent signal cannot stop propagation', () => {
  const [parent, cancel] = withCancel(background());
  const [child] = withCancel(parent);
  parent.signal.addEventListener('abort', (e) => e.stopImmediatePropagation());
  const childSignal = child.signal;
  cancel();
  expect(child.err()).toBe(Canceled);
  expect(childSignal.aborted).toBe(true);
});

test('cancelling a child detaches it: the parent keeps working and cancels the rest', () => {
  const [parent, cancelParent] = withCancel(background());
  const kids = Array.from({ length: 10 }, () => withCancel(parent));
  for (const [k] of kids) k.signal;
  for (const [, cancel] of kids.slice(0, 9)) cancel();
  cancelParent();
  expect(kids.every(([k]) => k.err() === Canceled)).toBe(true);
});

test('a stopped afterFunc leaves its context unobserved: later observers still work', async () => {
  const [parent, cancel] = withCancel(background());
  const [child] = withCancel(parent);
  const stop = afterFunc(child, () => {
    throw new Error('must not run');
  });
  expect(stop()).toBe(true);
  const signal = child.signal;
  let ran = false;
  afterFunc(child, () => (ran = true));
  cancel();
  expect(signal.aborted).toBe(true);
  await flushMicrotasks();
  expect(ran).toBe(true);
});

test('an unobserved middle context still learns of an ancestor cancel after observers come and go', () => {
  const [root, cancel] = withCancel(background());
  const [mid] = withCancel(root);
  const [leaf, cancelLeaf] = withCancel(mid);
  leaf.signal; // attaches leaf and mid
  cancelLeaf(); // detaches leaf; mid is released again
  expect(mid.err()).toBeUndefined();
  cancel();
  expect(mid.err()).toBe(Canceled);
  const [late] = withCancel(mid);
  expect(late.err()).toBe(Canceled);
});

test('cancel racing a deadline: whichever comes first wins, the other does nothing', async () => {
  for (let i = 0; i < 20; i++) {
    const [ctx, cancel] = withTimeout(background(), 1);
    await new Promise((r) => setTimeout(r, i % 3));
    const before = ctx.err();
    cancel();
    const after = ctx.err();
    if (before !== undefined) expect(after).toBe(before);
    else expect(after).toBe(Canceled);
    await new Promise((r) => setTimeout(r, 3));
    expect(ctx.err()).toBe(after);
  }
});

test('layers: random stacks of value, cancel and timeout contexts (after Go testLayers)', () => {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const layers: Array<{ ctx: Context; cancel?: () => void; key?: number }> = [];
    let ctx: Context = background();
    for (let depth = 0; depth < 20; depth++) {
      const kind = random(3);
      if (kind === 0) {
        ctx = withValue(ctx, depth, `v${depth}`);
        layers.push({ ctx, key: depth });
      } else {
        const [c, cancel] = kind === 1 ? withCancel(ctx) : withTimeout(ctx, HOUR);
        ctx = c;
        layers.push({ ctx, cancel });
      }
      if (random(4) === 0) ctx.signal; // observe some layers, not others
    }
    const leaf = ctx;
    for (const { key } of layers) if (key !== undefined) expect(leaf.value(key)).toBe(`v${key}`);
    const cancellable = layers.map((l, i) => [l, i] as const).filter(([l]) => l.cancel);
    if (cancellable.length === 0) continue;
    const [victim, at] = cancellable[random(cancellable.length)];
    victim.cancel!();
    layers.forEach((l, i) => expect(l.ctx.err()).toBe(i >= at ? Canceled : undefined));
    for (const { cancel } of layers) cancel?.();
  }
});
