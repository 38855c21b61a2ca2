/**
 * Compile-time guarantees, checked by `npm run typecheck` (each @ts-expect-error
 * must be an error), and run as a test so the file stays in the suite.
 */
import {
  background,
  type CancelCauseFunc,
  type CancelFunc,
  type Context,
  createKey,
  withCancel,
  withCancelCause,
  withTimeout,
  withValue,
} from '../../src/index.js';

test('typed keys check what is stored and what is read', () => {
  const user = createKey<{ name: string }>('user');
  const count = createKey<number>('count');
  const ctx = withValue(withValue(background(), user, { name: 'ada' }), count, 1);
  // @ts-expect-error a string is not a number
  withValue(background(), count, 'one');
  // @ts-expect-error the object lacks name
  withValue(background(), user, { id: 1 });
  const u: { name: string } | undefined = ctx.value(user);
  // @ts-expect-error value(count) is number | undefined
  const wrong: string | undefined = ctx.value(count);
  // Untyped keys take any value and read back as unknown.
  const plain = withValue(background(), 'k', 42);
  const v: unknown = plain.value('k');
  expect([u?.name, wrong, v]).toEqual(['ada', 1, 42]);
});

test('pairs destructure to a Context and a Disposable cancel function', () => {
  const [ctx, cancel]: [Context, CancelFunc] = withTimeout(background(), 10);
  const [ctx2, cancelCause]: [Context, CancelCauseFunc] = withCancelCause(background());
  const disposable: Disposable = withCancel(background());
  cancelCause(new Error('with a cause'));
  // @ts-expect-error a plain cancel function takes no cause
  cancel('cause');
  disposable[Symbol.dispose]();
  cancel[Symbol.dispose]();
  expect([ctx.err(), ctx2.err()]).toEqual([expect.any(Error), expect.any(Error)]);
});
