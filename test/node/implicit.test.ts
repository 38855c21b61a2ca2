/**
 * The implicit context: run() scopes, current() reads, across asynchronous
 * continuations, without mixing concurrent requests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { background, withCancel, type Context } from '../../src/index.js';
import { implicit } from '../../src/node/index.js';

test('current() is undefined outside any run', () => {
  expect(implicit.current()).toBeUndefined();
});

test('run makes ctx current for fn and what it starts (await, timers, promise callbacks), and returns what fn returns', async () => {
  const [ctx] = withCancel(background());
  const seen: Array<Context | undefined> = [];
  const result = await implicit.run(ctx, async () => {
    seen.push(implicit.current());
    await sleep(1);
    seen.push(implicit.current());
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        seen.push(implicit.current());
        resolve();
      }, 1),
    );
    await Promise.resolve().then(() => seen.push(implicit.current()));
    return 'value';
  });
  expect(result).toBe('value');
  expect(seen).toEqual([ctx, ctx, ctx, ctx]);
  expect(implicit.current()).toBeUndefined();
});

test('runs nest: the innermost wins, the outer is current again when it returns', () => {
  const [outer] = withCancel(background());
  const [inner] = withCancel(outer);
  const seen = implicit.run(outer, () => [implicit.current(), implicit.run(inner, () => implicit.current()), implicit.current()]);
  expect(seen).toEqual([outer, inner, outer]);
});

test('concurrent runs do not see each other, however their steps interleave', async () => {
  const contexts = Array.from({ length: 5 }, () => withCancel(background())[0]);
  const results = await Promise.all(
    contexts.map((ctx, i) =>
      implicit.run(ctx, async () => {
        const seen: boolean[] = [];
        for (let step = 0; step < 5; step++) {
          await sleep((i * 7 + step * 3) % 4);
          seen.push(implicit.current() === ctx);
        }
        return seen.every(Boolean);
      }),
    ),
  );
  expect(results).toEqual([true, true, true, true, true]);
});

test('bad arguments get a TypeError', () => {
  expect(() => implicit.run(undefined as unknown as Context, () => 1)).toThrow(TypeError);
  expect(() => implicit.run(background(), 'fn' as unknown as () => void)).toThrow(TypeError);
});
