import {
  connectTimeoutCodec,
  ctxkitTimeoutCodec,
  grpcTimeoutCodec,
  type DeadlineCodec,
} from '../../src/propagation/index.js';

const msCodecs: Array<[string, DeadlineCodec]> = [
  ['ctxkit-timeout-ms', ctxkitTimeoutCodec],
  ['connect-timeout-ms', connectTimeoutCodec],
];

/** Values no codec accepts, whatever its unit rules. */
const badEverywhere = [
  '',
  ' ',
  ' 5 ',
  ' 5',
  '5 ',
  '\t5',
  '5\n',
  '1e3',
  '0x10',
  '0b1',
  '0o7',
  '-5',
  '+5',
  '5, 7',
  '5,7',
  'Infinity',
  '-Infinity',
  'NaN',
  '5.0',
  '.5',
  '5_000',
  '\u0665', // Arabic-Indic digit five
  '\uFF15', // fullwidth digit five
  '5\u0000',
  'null',
  'undefined',
];

describe('millisecond codecs', () => {
  test.each(msCodecs)('%s header name', (header, codec) => {
    expect(codec.header).toBe(header);
  });

  describe.each(msCodecs)('%s decode', (_name, codec) => {
    test.each([...badEverywhere, '12345678901', '00000000000', '99999999999', '5m', '5S', '5ms'])('rejects %j', (value) => {
      expect(codec.decode(value)).toBeUndefined();
    });

    test.each([
      ['0', 0],
      ['5', 5],
      ['0005', 5],
      ['250', 250],
      ['0000000000', 0],
      ['0000000001', 1],
      ['9999999999', 9_999_999_999],
      ['1234567890', 1_234_567_890],
    ])('accepts %j as %d ms', (value, ms) => {
      expect(codec.decode(value)).toBe(ms);
    });
  });

  describe.each(msCodecs)('%s encode', (_name, codec) => {
    test.each([
      [0, '0'],
      [1, '1'],
      [250, '250'],
      [1.2, '2'],
      [0.0001, '1'],
      [9_999_999_998.5, '9999999999'],
      [9_999_999_999, '9999999999'],
      [1e12, '9999999999'],
      [Number.MAX_VALUE, '9999999999'],
    ])('%d ms is %j (rounds up, saturates)', (ms, text) => {
      expect(codec.encode(ms)).toBe(text);
    });

    test.each([-1, -0.5, NaN, Infinity, -Infinity, '5', undefined, null])('throws a TypeError for %p', (bad) => {
      expect(() => codec.encode(bad as number)).toThrow(TypeError);
    });

    test.each([0, 1, 7.5, 999, 123_456.001, 9_999_999_999])('round trip of %d gives its ceiling', (ms) => {
      expect(codec.decode(codec.encode(ms))).toBe(Math.ceil(ms));
    });
  });
});

describe('grpc-timeout', () => {
  test('header name', () => {
    expect(grpcTimeoutCodec.header).toBe('grpc-timeout');
  });

  describe('decode', () => {
    test.each([
      ...badEverywhere.flatMap((v) => [v, `${v}S`]),
      '5',
      '0',
      'S',
      'm',
      '5s',
      '5h',
      '5x',
      '5 S',
      'S5',
      '5SS',
      '5Sm',
      '123456789S',
      '000000000n',
      '5S, 7S',
      '5S,7S',
      '1.5S',
      '-1S',
    ])('rejects %j', (value) => {
      expect(grpcTimeoutCodec.decode(value)).toBeUndefined();
    });

    test.each([
      ['1H', 3_600_000],
      ['2M', 120_000],
      ['3S', 3000],
      ['4m', 4],
      ['5u', 0.005],
      ['6n', 0.000006],
      ['0n', 0],
      ['0H', 0],
      ['00000001m', 1],
      ['99999999m', 99_999_999],
      ['99999999n', 99.999999],
      ['99999999u', 99_999.999],
      ['99999999S', 99_999_999_000],
      ['99999999M', 5_999_999_940_000],
      ['99999999H', 359_999_996_400_000],
      ['1500000n', 1.5],
      ['250000u', 250],
    ])('%j is %d ms', (value, ms) => {
      expect(grpcTimeoutCodec.decode(value)).toBe(ms);
    });
  });

  describe('encode rounds up to the finest unit whose value fits in 8 digits', () => {
    test.each([
      [0, '0n'],
      [1e-7, '1n'], // a positive budget never becomes "0n"
      [1e-6, '1n'],
      [0.1, '100000n'],
      [0.5, '500000n'],
      [1.5, '1500000n'],
      [99, '99000000n'],
      [99.999999, '99999999n'],
      [100, '100000u'],
      [100.0001, '100001u'],
      [250, '250000u'],
      [99_999.999, '99999999u'],
      [99_999.9991, '100000m'],
      [100_000, '100000m'],
      [99_999_999, '99999999m'], // the largest value that still fits as milliseconds
      [99_999_999.5, '100000S'],
      [100_000_000, '100000S'],
      [100_000_001, '100001S'],
      [99_999_999_000, '99999999S'],
      [99_999_999_001, '1666667M'],
      [5_999_999_940_000, '99999999M'],
      [5_999_999_940_001, '1666667H'],
      [359_999_996_400_000, '99999999H'],
      [1e20, '99999999H'], // saturates
      [Number.MAX_VALUE, '99999999H'],
    ])('%d ms is %j', (ms, text) => {
      expect(grpcTimeoutCodec.encode(ms)).toBe(text);
    });

    test.each([-1, NaN, Infinity, '5', undefined])('throws a TypeError for %p', (bad) => {
      expect(() => grpcTimeoutCodec.encode(bad as number)).toThrow(TypeError);
    });
  });

  test('every encoding matches the grammar and round-trips to at least the budget, within one unit', () => {
    const units: Record<string, number> = { n: 1e-6, u: 1e-3, m: 1, S: 1000, M: 60_000, H: 3_600_000 };
    const samples = [0.000001, 0.0015, 0.75, 1, 42, 99, 99.5, 100, 101, 1234.5678, 99_999, 100_001, 5e6, 99_999_999, 1e8, 7.2e9, 1e11, 6e12, 3.5e14];
    for (const ms of samples) {
      const text = grpcTimeoutCodec.encode(ms);
      expect(text).toMatch(/^[0-9]{1,8}[HMSmun]$/);
      const back = grpcTimeoutCodec.decode(text)!;
      const unit = units[text[text.length - 1]];
      expect(back).toBeGreaterThanOrEqual(ms - 1e-9 * ms);
      expect(back - ms).toBeLessThan(unit + 1e-9 * ms);
    }
  });
});
