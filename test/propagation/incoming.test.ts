import { request as httpRequest } from 'node:http';
import {
  Canceled,
  DeadlineExceeded,
  background,
  cause,
  createKey,
  withCancel,
  withTimeout,
  withValue,
  type Context,
} from '../../src/index.js';
import {
  MalformedDeadlineError,
  connectTimeoutCodec,
  ctxkitTimeoutCodec,
  grpcTimeoutCodec,
  incomingDeadline,
  type DeadlineCodec,
  type HeadersLike,
  type IncomingDeadlineOptions,
} from '../../src/propagation/index.js';
import { startServer, type TestServer } from './helpers.js';

const allCodecs = [ctxkitTimeoutCodec, grpcTimeoutCodec, connectTimeoutCodec];

/** Runs incomingDeadline and checks that the deadline it set lies within [before + ms, after + ms]. */
function expectDeadlineIn(run: () => Context, ms: number): void {
  const before = Date.now();
  const ctx = run();
  const after = Date.now();
  const d = ctx.deadline()!.getTime();
  expect(d).toBeGreaterThanOrEqual(Math.floor(before + ms));
  expect(d).toBeLessThanOrEqual(after + ms);
}

describe('incomingDeadline: the bad-header table', () => {
  const badForAll = ['', ' 5 ', '1e3', '0x10', '-5', '+5', '5, 7', 'Infinity', 'NaN', '5.5', 'abc'];
  const cases: Array<[DeadlineCodec, string]> = [
    ...badForAll.map((v): [DeadlineCodec, string] => [ctxkitTimeoutCodec, v]),
    [ctxkitTimeoutCodec, '12345678901'],
    ...badForAll.map((v): [DeadlineCodec, string] => [connectTimeoutCodec, v]),
    [connectTimeoutCodec, '12345678901'],
    ...badForAll.map((v): [DeadlineCodec, string] => [grpcTimeoutCodec, v]),
    [grpcTimeoutCodec, '5'],
    [grpcTimeoutCodec, '123456789S'],
    [grpcTimeoutCodec, '5s'],
    [grpcTimeoutCodec, '1e3S'],
    [grpcTimeoutCodec, '5S, 7S'],
  ];

  const table = cases.map(([c, v]) => [c.header, v, c] as const);

  test.each(table)('%s: %j is rejected (Node-style object)', (_h, value, codec) => {
    let thrown: unknown;
    try {
      incomingDeadline(background(), { [codec.header]: value }, { codecs: allCodecs });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(MalformedDeadlineError);
    expect((thrown as MalformedDeadlineError).header).toBe(codec.header);
    expect((thrown as MalformedDeadlineError).value).toBe(value);
    expect((thrown as Error).message).toBe(`malformed ${codec.header} header`);
  });

  // Headers trims surrounding whitespace on the way in, as HTTP parsers do, so
  // only the values it keeps as they are can reach the grammar through it.
  test.each(table.filter(([h, v]) => new Headers({ [h]: v }).get(h) === v))('%s: %j is rejected (Headers)', (_h, value, codec) => {
    expect(() => incomingDeadline(background(), new Headers({ [codec.header]: value }), { codecs: allCodecs })).toThrow(MalformedDeadlineError);
  });

  test('Headers delivers " 5 " as "5", which is valid', () => {
    const r = incomingDeadline(background(), new Headers({ 'ctxkit-timeout-ms': ' 5 ' }));
    expect(r.requestedMs).toBe(5);
    r.cancel();
  });

  test.each(table)('%s: %j is ignored by option', (_h, value, codec) => {
    const parent = withTimeout(background(), 60_000)[0];
    const r = incomingDeadline(parent, { [codec.header]: value }, { codecs: allCodecs, malformed: 'ignore' });
    expect(r.ignored).toEqual([codec.header]);
    expect(r.header).toBeUndefined();
    expect(r.requestedMs).toBeUndefined();
    expect(r.ctx.err()).toBeUndefined();
    expect(r.ctx.deadline()).toEqual(parent.deadline());
    r.cancel();
  });

  test('a repeated header, as Node delivers it in an array, is malformed', () => {
    expect(() => incomingDeadline(background(), { 'ctxkit-timeout-ms': ['5', '7'] })).toThrow(MalformedDeadlineError);
  });

  test('a repeated header, as Headers joins it, is malformed', () => {
    const h = new Headers();
    h.append('ctxkit-timeout-ms', '5');
    h.append('ctxkit-timeout-ms', '7');
    expect(() => incomingDeadline(background(), h)).toThrow(MalformedDeadlineError);
  });

  test('two keys that differ only in case count as a repeated header', () => {
    expect(() => incomingDeadline(background(), { 'ctxkit-timeout-ms': '5', 'Ctxkit-Timeout-Ms': '5' })).toThrow(MalformedDeadlineError);
  });

  test('malformed rejection happens before anything is made and names the header', () => {
    const e = (() => {
      try {
        incomingDeadline(background(), { 'grpc-timeout': '1e3S' }, { codecs: allCodecs });
      } catch (err) {
        return err as MalformedDeadlineError;
      }
      throw new Error('did not throw');
    })();
    expect(e.name).toBe('MalformedDeadlineError');
    expect(e.message).toBe('malformed grpc-timeout header');
    expect(e.value).toBe('1e3S');
  });
});

describe('incomingDeadline: deadlines', () => {
  test('no header and no maximum: a live child with the parent deadline and values', () => {
    const key = createKey<string>('k');
    const [parent] = withTimeout(withValue(background(), key, 'v'), 60_000);
    const r = incomingDeadline(parent, {});
    expect(r).toMatchObject({ trusted: true, header: undefined, requestedMs: undefined, timeoutMs: undefined, clamped: false, ignored: [] });
    expect(r.ctx).not.toBe(parent);
    expect(r.ctx.deadline()).toEqual(parent.deadline());
    expect(r.ctx.value(key)).toBe('v');
    r.cancel();
    expect(r.ctx.err()).toBe(Canceled);
    expect(parent.err()).toBeUndefined();
  });

  test.each([
    [ctxkitTimeoutCodec.header, '250', 250, ctxkitTimeoutCodec],
    [connectTimeoutCodec.header, '250', 250, connectTimeoutCodec],
    [grpcTimeoutCodec.header, '250m', 250, grpcTimeoutCodec],
    [grpcTimeoutCodec.header, '2S', 2000, grpcTimeoutCodec],
    [grpcTimeoutCodec.header, '250000u', 250, grpcTimeoutCodec],
  ] as const)('%s %j sets the deadline %d ms from now', (_h, value, ms, codec) => {
    let r: ReturnType<typeof incomingDeadline> | undefined;
    expectDeadlineIn(() => (r = incomingDeadline(background(), new Headers({ [codec.header]: value }), { codecs: [codec] })).ctx, ms);
    expect(r).toMatchObject({ header: codec.header, requestedMs: ms, timeoutMs: ms, clamped: false });
    r!.cancel();
  });

  test('only the listed codecs are read; the default is ctxkit-timeout-ms alone', () => {
    const r = incomingDeadline(background(), { 'grpc-timeout': '1m', 'connect-timeout-ms': '1' });
    expect(r.ctx.deadline()).toBeUndefined();
    expect(r.header).toBeUndefined();
    const bad = incomingDeadline(background(), { 'grpc-timeout': 'garbage' });
    expect(bad.ignored).toEqual([]);
    r.cancel();
    bad.cancel();
  });

  test('a header can only shorten the parent deadline', () => {
    const [parent, cancelParent] = withTimeout(background(), 1000);
    const longer = incomingDeadline(parent, { 'ctxkit-timeout-ms': '60000' });
    expect(longer.requestedMs).toBe(60_000);
    expect(longer.ctx.deadline()).toEqual(parent.deadline());
    let shorter: ReturnType<typeof incomingDeadline> | undefined;
    expectDeadlineIn(() => (shorter = incomingDeadline(parent, { 'ctxkit-timeout-ms': '100' })).ctx, 100);
    expect(shorter!.ctx.deadline()!.getTime()).toBeLessThan(parent.deadline()!.getTime());
    cancelParent();
    expect(longer.ctx.err()).toBe(Canceled);
    expect(shorter!.ctx.err()).toBe(Canceled);
  });

  test('0 is already expired: DeadlineExceeded at once', () => {
    for (const [codec, value] of [
      [ctxkitTimeoutCodec, '0'],
      [connectTimeoutCodec, '0000000000'],
      [grpcTimeoutCodec, '0n'],
      [grpcTimeoutCodec, '0H'],
    ] as const) {
      const r = incomingDeadline(background(), { [codec.header]: value }, { codecs: allCodecs });
      expect(r.ctx.err()).toBe(DeadlineExceeded);
      expect(cause(r.ctx)).toBe(DeadlineExceeded);
      expect(r.requestedMs).toBe(0);
      expect(r.timeoutMs).toBe(0);
    }
  });

  test('a parent already done gives a done child, whatever the header', () => {
    const [parent, cancel] = withCancel(background());
    cancel();
    const r = incomingDeadline(parent, { 'ctxkit-timeout-ms': '5000' });
    expect(r.ctx.err()).toBe(Canceled);
  });

  test('with several codecs, the shortest valid header wins', () => {
    const r = incomingDeadline(
      background(),
      { 'ctxkit-timeout-ms': '9000', 'grpc-timeout': '3S', 'connect-timeout-ms': '5000' },
      { codecs: allCodecs },
    );
    expect(r.header).toBe('grpc-timeout');
    expect(r.requestedMs).toBe(3000);
    r.cancel();
  });

  test('with several codecs, one malformed header rejects the request, or is skipped by option', () => {
    const headers = { 'ctxkit-timeout-ms': '9000', 'grpc-timeout': '3 S' };
    expect(() => incomingDeadline(background(), headers, { codecs: allCodecs })).toThrow(MalformedDeadlineError);
    const r = incomingDeadline(background(), headers, { codecs: allCodecs, malformed: 'ignore' });
    expect(r.header).toBe('ctxkit-timeout-ms');
    expect(r.requestedMs).toBe(9000);
    expect(r.ignored).toEqual(['grpc-timeout']);
    r.cancel();
  });

  test('Node-style objects: a one-element array counts, undefined is absent, key case is ignored', () => {
    const one = incomingDeadline(background(), { 'ctxkit-timeout-ms': ['250'] });
    expect(one.requestedMs).toBe(250);
    const absent = incomingDeadline(background(), { 'ctxkit-timeout-ms': undefined });
    expect(absent.header).toBeUndefined();
    const cased = incomingDeadline(background(), { 'CtxKit-Timeout-MS': '250' });
    expect(cased.requestedMs).toBe(250);
    for (const r of [one, absent, cased]) r.cancel();
  });
});

describe('incomingDeadline: clamping to the server maximum', () => {
  test('a longer request is clamped and says so', () => {
    let r: ReturnType<typeof incomingDeadline> | undefined;
    expectDeadlineIn(() => (r = incomingDeadline(background(), { 'ctxkit-timeout-ms': '5000' }, { maxTimeoutMs: 1000 })).ctx, 1000);
    expect(r).toMatchObject({ header: 'ctxkit-timeout-ms', requestedMs: 5000, timeoutMs: 1000, clamped: true });
    r!.cancel();
  });

  test('the largest value the header can carry is clamped too', () => {
    const r = incomingDeadline(background(), { 'ctxkit-timeout-ms': '9999999999' }, { maxTimeoutMs: 30_000 });
    expect(r.clamped).toBe(true);
    expect(r.ctx.deadline()!.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);
    r.cancel();
  });

  test('a shorter request is kept', () => {
    const r = incomingDeadline(background(), { 'ctxkit-timeout-ms': '500' }, { maxTimeoutMs: 1000 });
    expect(r).toMatchObject({ requestedMs: 500, timeoutMs: 500, clamped: false });
    r.cancel();
  });

  test('without a header the maximum is the budget', () => {
    let r: ReturnType<typeof incomingDeadline> | undefined;
    expectDeadlineIn(() => (r = incomingDeadline(background(), {}, { maxTimeoutMs: 1000 })).ctx, 1000);
    expect(r).toMatchObject({ header: undefined, requestedMs: undefined, timeoutMs: 1000, clamped: false });
    r!.cancel();
  });

  test('maxTimeoutMs 0 expires every request', () => {
    const r = incomingDeadline(background(), {}, { maxTimeoutMs: 0 });
    expect(r.ctx.err()).toBe(DeadlineExceeded);
  });
});

describe('incomingDeadline: trust', () => {
  const headers = { 'ctxkit-timeout-ms': '100', 'x-internal': 'yes' };

  test('trust: false reads no header: no deadline, and no rejection of a malformed one', () => {
    const r = incomingDeadline(background(), headers, { trust: false });
    expect(r).toMatchObject({ trusted: false, header: undefined, requestedMs: undefined, timeoutMs: undefined });
    expect(r.ctx.deadline()).toBeUndefined();
    const bad = incomingDeadline(background(), { 'ctxkit-timeout-ms': '1e3' }, { trust: false });
    expect(bad.ctx.err()).toBeUndefined();
    r.cancel();
    bad.cancel();
  });

  test('trust: false still applies the server maximum', () => {
    const r = incomingDeadline(background(), headers, { trust: false, maxTimeoutMs: 2000 });
    expect(r.timeoutMs).toBe(2000);
    expect(r.clamped).toBe(false);
    r.cancel();
  });

  test('trust: true (the default) honours the header', () => {
    for (const options of [{}, { trust: true }] as IncomingDeadlineOptions[]) {
      const r = incomingDeadline(background(), headers, options);
      expect(r.trusted).toBe(true);
      expect(r.requestedMs).toBe(100);
      r.cancel();
    }
  });

  test('a predicate decides per request, from the headers', () => {
    const seen: HeadersLike[] = [];
    const trust = (h: HeadersLike): boolean => {
      seen.push(h);
      return (h as Record<string, string>)['x-internal'] === 'yes';
    };
    const inside = incomingDeadline(background(), headers, { trust });
    const outside = incomingDeadline(background(), { 'ctxkit-timeout-ms': '100' }, { trust });
    expect(inside.trusted).toBe(true);
    expect(inside.requestedMs).toBe(100);
    expect(outside.trusted).toBe(false);
    expect(outside.requestedMs).toBeUndefined();
    expect(seen).toHaveLength(2);
    inside.cancel();
    outside.cancel();
  });
});

describe('incomingDeadline: arguments', () => {
  test.each([
    [{ maxTimeoutMs: -1 }],
    [{ maxTimeoutMs: NaN }],
    [{ maxTimeoutMs: Infinity }],
    [{ maxTimeoutMs: '5' }],
    [{ malformed: 'drop' }],
    [{ trust: 'yes' }],
    [{ codecs: ctxkitTimeoutCodec }],
  ])('%p is a TypeError', (options) => {
    expect(() => incomingDeadline(background(), {}, options as IncomingDeadlineOptions)).toThrow(TypeError);
  });

  const one = (): number => 1;
  test.each<[unknown[]]>([
    [[null]],
    [[{ header: 'x-timeout', decode: one }]],
    [[{ header: 'bad header', encode: String, decode: one }]],
    [[{ header: 5, encode: String, decode: one }]],
  ])('codecs %p is a TypeError', (codecs) => {
    expect(() => incomingDeadline(background(), {}, { codecs } as unknown as IncomingDeadlineOptions)).toThrow(TypeError);
  });

  test('a custom codec works, whatever the case of its header name', () => {
    const codec: DeadlineCodec = { header: 'X-Timeout-Seconds', encode: (ms) => String(Math.ceil(ms / 1000)), decode: (v) => (/^[0-9]{1,4}$/.test(v) ? Number(v) * 1000 : undefined) };
    const r = incomingDeadline(background(), { 'x-timeout-seconds': '3' }, { codecs: [codec] });
    expect(r.requestedMs).toBe(3000);
    r.cancel();
    expect(incomingDeadline(background(), new Headers({ 'x-timeout-seconds': '2' }), { codecs: [codec] }).requestedMs).toBe(2000);
  });

  test.each([-1, NaN, Infinity, '5', null])('a custom codec answering %p counts as malformed', (answer) => {
    const codec: DeadlineCodec = { header: 'x-timeout', encode: String, decode: () => answer as number };
    expect(() => incomingDeadline(background(), { 'x-timeout': '1' }, { codecs: [codec] })).toThrow(MalformedDeadlineError);
    const r = incomingDeadline(background(), { 'x-timeout': '1' }, { codecs: [codec], malformed: 'ignore' });
    expect(r.ignored).toEqual(['x-timeout']);
    expect(r.ctx.deadline()).toBeUndefined();
  });

  test('headers must be an object; parent must be a context', () => {
    expect(() => incomingDeadline(background(), null as unknown as HeadersLike)).toThrow(TypeError);
    expect(() => incomingDeadline(null as unknown as Context, {})).toThrow('ctxkit.incomingDeadline: parent must be a Context, got null');
  });
});

describe('incomingDeadline behind a real node:http server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      let r: ReturnType<typeof incomingDeadline>;
      try {
        r = incomingDeadline(background(), req.headers, { codecs: allCodecs, maxTimeoutMs: 2000 });
      } catch (e) {
        res.writeHead(e instanceof MalformedDeadlineError ? 400 : 500).end((e as Error).message);
        return;
      }
      const status = r.ctx.err() === DeadlineExceeded ? 504 : 200;
      const { header, requestedMs, timeoutMs, clamped } = r;
      r.cancel();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ header, requestedMs, timeoutMs, clamped }));
    });
  });
  afterAll(() => server.close());

  /** Sends raw header lines with node:http (fetch would refuse some of them). */
  function send(headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${server.url}/`, { headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test.each([
    ['ctxkit-timeout-ms', '1e3'],
    ['ctxkit-timeout-ms', '0x10'],
    ['ctxkit-timeout-ms', '-5'],
    ['ctxkit-timeout-ms', 'Infinity'],
    ['ctxkit-timeout-ms', '12345678901'],
    ['ctxkit-timeout-ms', ['5', '7']],
    ['connect-timeout-ms', '1e3'],
    ['connect-timeout-ms', ['5', '7']],
    ['grpc-timeout', '5'],
    ['grpc-timeout', '1.5S'],
    ['grpc-timeout', ['5S', '7S']],
  ])('%s: %j answers 400', async (name, value) => {
    const r = await send({ [name]: value });
    expect(r.status).toBe(400);
    expect(r.body).toBe(`malformed ${name} header`);
  });

  test.each([
    ['ctxkit-timeout-ms', '0'],
    ['connect-timeout-ms', '0'],
    ['grpc-timeout', '0n'],
  ])('%s: %j answers 504', async (name, value) => {
    expect((await send({ [name]: value })).status).toBe(504);
  });

  test('a long request is clamped to the server maximum; a short one kept', async () => {
    const long = await send({ 'grpc-timeout': '1H' });
    expect(long.status).toBe(200);
    expect(JSON.parse(long.body)).toEqual({ header: 'grpc-timeout', requestedMs: 3_600_000, timeoutMs: 2000, clamped: true });
    const short = await send({ 'ctxkit-timeout-ms': '150' });
    expect(JSON.parse(short.body)).toEqual({ header: 'ctxkit-timeout-ms', requestedMs: 150, timeoutMs: 150, clamped: false });
  });

  test('surrounding whitespace is trimmed by the HTTP parser before the grammar sees it', async () => {
    const r = await send({ 'ctxkit-timeout-ms': ' 150 ' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).requestedMs).toBe(150);
  });
});
