/**
 * toString(): a readable path from the root, as in Go, that never dumps objects.
 */
import {
  background,
  createKey,
  todo,
  withCancel,
  withCancelCause,
  withDeadline,
  withLinked,
  withoutCancel,
  withSignal,
  withTimeout,
  withValue,
} from '../../src/index.js';
import { inspect } from 'node:util';

test('names each step from the root', () => {
  const requestId = createKey<string>('requestId');
  const [c] = withCancel(background());
  const v = withValue(c, requestId, 'r-1');
  expect(String(v)).toBe('context.Background.WithCancel.WithValue(requestId, "r-1")');
  expect(String(withoutCancel(withCancelCause(todo())[0]))).toBe('context.TODO.WithCancel.WithoutCancel');
  expect(String(withSignal(background(), new AbortController().signal)[0])).toBe('context.Background.WithSignal');
  expect(String(withLinked(background(), background())[0])).toBe('context.Background.WithLinked');
});

test('deadlines show the instant and the time left', () => {
  const at = new Date(Date.now() + 90_000);
  const s = String(withDeadline(background(), at)[0]);
  expect(s).toMatch(new RegExp(`^context\\.Background\\.WithDeadline\\(${at.toISOString().replace(/\./g, '\\.')} \\[1m(29\\.\\d+|30)s\\]\\)$`));
  expect(String(withTimeout(background(), 250)[0])).toMatch(/WithDeadline\(.+ \[2\d\dms\]\)$/);
});

test('values: strings quoted and shortened, numbers shown, objects by type only', () => {
  class Session {
    secret = 'hunter2';
  }
  const ctx = withValue(withValue(withValue(background(), 'n', 42), 'long', 'x'.repeat(100)), Symbol('sess'), new Session());
  const s = String(ctx);
  expect(s).toContain('WithValue(n, 42)');
  expect(s).toContain(`WithValue(long, "${'x'.repeat(61)}...")`);
  expect(s).toContain('WithValue(sess, <Session>)');
  expect(s).not.toContain('hunter2');
});

test('util.inspect shows the path and the state', () => {
  const [ctx, cancel] = withCancel(background());
  expect(inspect(ctx)).toBe('Context<context.Background.WithCancel>');
  cancel();
  expect(inspect(ctx)).toBe('Context<context.Background.WithCancel> (context canceled)');
});
