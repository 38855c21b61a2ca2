import { background, withCancel, Canceled } from '../../src/index.js';

test('cancel sets err', () => {
  const [ctx, cancel] = withCancel(background());
  expect(ctx.err()).toBeUndefined();
  cancel();
  expect(ctx.err()).toBe(Canceled);
});
