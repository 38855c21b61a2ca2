/**
 * Bad input: a TypeError that names the function and the argument, and nothing half-made.
 */
import { getEventListeners } from 'node:events';
import * as ctxkit from '../../src/index.js';
import { pendingDeadlines } from '../../src/testing/index.js';
import { ForeignContext } from '../helpers/foreign-context.js';

const { background } = ctxkit;
const notContexts: unknown[] = [undefined, null, {}, 42, 'ctx', { done() {}, err() {} }, () => {}];
const badTimeouts: unknown[] = [NaN, Infinity, -Infinity, '5', undefined, null, {}, 5n];
const badDeadlines: unknown[] = [new Date(NaN), new Date(8.64e15 + 1), NaN, Infinity, 9e15, 'tomorrow', undefined, null];

type Call = (x: unknown) => unknown;
const a = (f: unknown) => f as (...args: unknown[]) => unknown;

describe.each<[string, Call]>([
  ['withCancel', (p) => ctxkit.withCancel(p as ctxkit.Context)],
  ['withCancelCause', (p) => ctxkit.withCancelCause(p as ctxkit.Context)],
  ['withTimeout', (p) => ctxkit.withTimeout(p as ctxkit.Context, 10)],
  ['withTimeoutCause', (p) => ctxkit.withTimeoutCause(p as ctxkit.Context, 10, 'c')],
  ['withDeadline', (p) => ctxkit.withDeadline(p as ctxkit.Context, Date.now() + 10)],
  ['withDeadlineCause', (p) => ctxkit.withDeadlineCause(p as ctxkit.Context, Date.now() + 10, 'c')],
  ['withValue', (p) => ctxkit.withValue(p as ctxkit.Context, 'k', 1)],
  ['withoutCancel', (p) => ctxkit.withoutCancel(p as ctxkit.Context)],
  ['withSignal', (p) => ctxkit.withSignal(p as ctxkit.Context, new AbortController().signal)],
  ['withLinked', (p) => ctxkit.withLinked(p as ctxkit.Context)],
  ['afterFunc', (p) => ctxkit.afterFunc(p as ctxkit.Context, () => {})],
  ['cause', (p) => ctxkit.cause(p as ctxkit.Context)],
])('%s with a parent that is not a Context', (name, call) => {
  test.each(notContexts)('%p throws a TypeError naming the argument', (bad) => {
    const before = pendingDeadlines();
    expect(() => call(bad)).toThrow(TypeError);
    expect(() => call(bad)).toThrow(new RegExp(`^ctxkit\\.${name}: (parent|ctx) must be a Context, got `));
    expect(pendingDeadlines()).toBe(before);
  });
});

test.each(badTimeouts)('withTimeout(ms = %p) throws a TypeError naming ms', (bad) => {
  expect(() => a(ctxkit.withTimeout)(background(), bad)).toThrow(/^ctxkit\.withTimeout: ms must be a finite number of milliseconds, got /);
  expect(() => a(ctxkit.withTimeoutCause)(background(), bad, 'c')).toThrow(TypeError);
});

test.each(badDeadlines)('withDeadline(d = %p) throws a TypeError naming d', (bad) => {
  expect(() => a(ctxkit.withDeadline)(background(), bad)).toThrow(/^ctxkit\.withDeadline: d must be /);
  expect(() => a(ctxkit.withDeadlineCause)(background(), bad, 'c')).toThrow(TypeError);
});

test('a huge finite timeout is clamped to the last representable instant, never Invalid Date', () => {
  const [ctx, cancel] = ctxkit.withTimeout(background(), Number.MAX_VALUE);
  expect(ctx.deadline()!.getTime()).toBe(8.64e15);
  expect(ctx.err()).toBeUndefined();
  cancel();
});

test.each([null, undefined])('withValue with a %p key throws a TypeError naming key', (bad) => {
  expect(() => a(ctxkit.withValue)(background(), bad, 1)).toThrow(/^ctxkit\.withValue: key must be a non-null value/);
});

test.each([undefined, null, 'fn', {}])('afterFunc with fn = %p throws a TypeError naming fn', (bad) => {
  expect(() => a(ctxkit.afterFunc)(background(), bad)).toThrow(/^ctxkit\.afterFunc: fn must be a function, got /);
});

test.each([undefined, null, {}, { aborted: true }, 'signal'])('withSignal with signal = %p throws a TypeError naming signal', (bad) => {
  expect(() => a(ctxkit.withSignal)(background(), bad)).toThrow(/^ctxkit\.withSignal: signal must be an AbortSignal, got /);
});

test.each([undefined, 42, {}])('createKey with description = %p throws a TypeError', (bad) => {
  expect(() => a(ctxkit.createKey)(bad)).toThrow(/^ctxkit\.createKey: description must be a string, got /);
});

test('withLinked with a bad other names its index and subscribes to nothing', () => {
  const foreign = new ForeignContext();
  const listenersBefore = getEventListeners(foreign.signal, 'abort').length;
  expect(() => a(ctxkit.withLinked)(foreign, background(), null)).toThrow(/^ctxkit\.withLinked: others\[1\] must be a Context, got null/);
  expect(getEventListeners(foreign.signal, 'abort')).toHaveLength(listenersBefore);
});

test('a foreign parent whose signal is not an AbortSignal is rejected', () => {
  const fake = { done: () => Promise.resolve(), err: () => undefined, deadline: () => undefined, value: () => undefined, signal: 'nope', throwIfDone() {} };
  expect(() => a(ctxkit.withCancel)(fake)).toThrow(/^ctxkit\.withCancel: parent\.signal must be an AbortSignal, got a string/);
});

test('error messages describe what was passed', () => {
  expect(() => a(ctxkit.withTimeout)(background(), '5')).toThrow('got a string (1 character)');
  expect(() => a(ctxkit.withCancel)(new Map())).toThrow('got an object (Map)');
  expect(() => a(ctxkit.withTimeout)(background(), NaN)).toThrow('got NaN');
});
