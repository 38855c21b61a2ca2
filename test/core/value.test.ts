/**
 * Values: nearest ancestor wins, keys by identity, any depth, through every kind.
 */
import {
  background,
  createKey,
  withCancel,
  withLinked,
  withoutCancel,
  withSignal,
  withTimeout,
  withValue,
  type Context,
} from '../../src/index.js';
import { HOUR } from '../helpers/kinds.js';

test('the nearest withValue ancestor wins; missing keys are undefined', () => {
  const user = createKey<string>('user');
  const tenant = createKey<number>('tenant');
  const a = withValue(background(), user, 'ada');
  const b = withValue(withCancel(a)[0], tenant, 7);
  const c = withValue(withTimeout(b, HOUR)[0], user, 'grace');
  expect(a.value(user)).toBe('ada');
  expect(b.value(user)).toBe('ada');
  expect(b.value(tenant)).toBe(7);
  expect(c.value(user)).toBe('grace');
  expect(c.value(tenant)).toBe(7);
  expect(background().value(user)).toBeUndefined();
});

test('keys compare by identity: same description, different keys', () => {
  const k1 = createKey<string>('id');
  const k2 = createKey<string>('id');
  const ctx = withValue(background(), k1, 'one');
  expect(ctx.value(k1)).toBe('one');
  expect(ctx.value(k2)).toBeUndefined();
  expect(k1.description).toBe('id');
  expect(Object.isFrozen(k1)).toBe(true);
});

test('any non-nullish value works as a key; falsy values are stored', () => {
  const objKey = {};
  const sym = Symbol('s');
  let ctx: Context = background();
  ctx = withValue(ctx, 'str', 0);
  ctx = withValue(ctx, 0, false);
  ctx = withValue(ctx, objKey, '');
  ctx = withValue(ctx, sym, null);
  expect(ctx.value('str')).toBe(0);
  expect(ctx.value(0)).toBe(false);
  expect(ctx.value(objKey)).toBe('');
  expect(ctx.value(sym)).toBeNull();
  expect(ctx.value({})).toBeUndefined();
});

test('values pass through withoutCancel, withSignal and withLinked (from the parent only)', () => {
  const k = createKey<string>('k');
  const other = withValue(background(), k, 'other');
  const base = withValue(background(), k, 'base');
  expect(withoutCancel(base).value(k)).toBe('base');
  expect(withSignal(base, new AbortController().signal)[0].value(k)).toBe('base');
  expect(withLinked(base, other)[0].value(k)).toBe('base');
});

test('lookup in a 100,000-deep chain is iterative and finds the root value', () => {
  const k = createKey<string>('deep');
  let ctx: Context = withValue(background(), k, 'root');
  for (let i = 0; i < 100_000; i++) ctx = withValue(ctx, i, i);
  expect(ctx.value(k)).toBe('root');
  expect(ctx.value(-1)).toBeUndefined();
});
