/**
 * The portable cause encoding, used where the host has no structured
 * serializer (browsers, Node before 20.16): directly, and end to end with
 * Node's serializer hidden.
 */
import { decodePortable, encodePortable } from '../../src/worker/portable.js';

const roundTrip = (v: unknown): unknown => decodePortable(encodePortable(v));

test('round-trips what causes are made of', () => {
  const value = {
    s: 'text',
    n: 1.5,
    specials: [NaN, Infinity, -Infinity, -0, undefined, null, true],
    big: 12345678901234567890n,
    date: new Date(1_700_000_000_000),
    re: /ab+c/gi,
    map: new Map<unknown, unknown>([['k', { deep: [1, 2] }], [1, 'one']]),
    set: new Set([1, 'two']),
    nested: { a: [{ b: 'c' }] },
  };
  const back = roundTrip(value) as typeof value;
  expect(back).toEqual(value);
  expect(Object.is(back.specials[3], -0)).toBe(true);
  expect(back.map).toBeInstanceOf(Map);
  expect(roundTrip('plain')).toBe('plain');
});

test('class instances become plain objects, as structured clone makes them', () => {
  class Point {
    constructor(
      public x: number,
      public y: number,
    ) {}
  }
  const back = roundTrip(new Point(1, 2));
  expect(back).toEqual({ x: 1, y: 2 });
  expect(back).not.toBeInstanceOf(Point);
});

test('a key named __proto__ stays a plain key', () => {
  const back = roundTrip(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test('throws a TypeError for what it cannot encode', () => {
  expect(() => encodePortable(() => 1)).toThrow(/function has no portable encoding/);
  expect(() => encodePortable(Symbol('s'))).toThrow(TypeError);
  expect(() => encodePortable(new Uint8Array(2))).toThrow(/Uint8Array has no portable encoding/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(() => encodePortable(cyclic)).toThrow(/cyclic/);
  expect(() => decodePortable('{"zz": 1}')).toThrow(/unknown tag/);
});

test('end to end without a host serializer: errors and data cross, the uncloneable gets a stand-in', async () => {
  const getBuiltinModule = process.getBuiltinModule;
  (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  try {
    let core!: typeof import('../../src/index.js');
    let worker!: typeof import('../../src/worker/index.js');
    jest.isolateModules(() => {
      core = require('../../src/index.js');
      worker = require('../../src/worker/index.js');
    });
    const cross = async (c: unknown): Promise<unknown> => {
      const [ctx, cancel] = core.withCancelCause(core.background());
      const remote = worker.receiveContext(worker.shareContext(ctx).descriptor);
      cancel(c);
      await remote.done();
      return core.cause(remote);
    };
    const e = (await cross(Object.assign(new TypeError('bad', { cause: new Error('inner') }), { code: 'E_BAD' }))) as TypeError;
    expect(e).toBeInstanceOf(TypeError);
    expect(e).toMatchObject({ message: 'bad', code: 'E_BAD' });
    expect((e.cause as Error).message).toBe('inner');
    const dom = (await cross(new DOMException('late', 'TimeoutError'))) as DOMException;
    expect(dom).toBeInstanceOf(DOMException);
    expect(dom.name).toBe('TimeoutError');
    expect(await cross({ at: new Date(5), ids: new Set([1]) })).toEqual({ at: new Date(5), ids: new Set([1]) });
    expect(await cross(undefined)).toBe(core.Canceled);
    const standIn = (await cross(new Uint8Array(1))) as Error;
    expect(standIn).toBeInstanceOf(worker.UncloneableCauseError);
    expect(standIn.message).toMatch(/an object \(Uint8Array\).*no portable encoding/);
  } finally {
    process.getBuiltinModule = getBuiltinModule;
  }
});
