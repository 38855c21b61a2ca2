/**
 * ctxkit/testing. The fake-clock recipes of docs/testing.md (Jest, node:test,
 * fake-timers) run as they are written, with every other docs example: test/docs.
 */
import { background, Canceled, cause, DeadlineExceeded, withTimeout } from '../../src/index.js';
import { canceledContext, expiredContext, pendingDeadlines } from '../../src/testing/index.js';

test('pendingDeadlines counts contexts waiting for their deadline', () => {
  const before = pendingDeadlines();
  const [, cancelA] = withTimeout(background(), 60_000);
  const [, cancelB] = withTimeout(background(), 60_000);
  expect(pendingDeadlines()).toBe(before + 2);
  cancelA();
  cancelB();
  expect(pendingDeadlines()).toBe(before);
});

test('canceledContext and expiredContext are done at once with their causes', () => {
  expect(canceledContext().err()).toBe(Canceled);
  expect(cause(canceledContext('why'))).toBe('why');
  expect(expiredContext().err()).toBe(DeadlineExceeded);
  expect(cause(expiredContext('late'))).toBe('late');
});
