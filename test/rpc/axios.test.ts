/**
 * ctxkit/axios against a real HTTP server process (http-server.cjs, on
 * ctxkit/node): the budget and values cross, a context's end aborts the
 * request (the server sees its client go) and the caller gets cause(ctx),
 * not axios's CanceledError.
 */
import { join } from 'node:path';
import axios from 'axios';
import { background, createKey, DeadlineExceeded, withCancelCause, withTimeout, withValue } from '../../src/index';
import { carry, valuesHeader } from '../../src/propagation/index';
import { axiosConfig, axiosError, axiosRequest } from '../../src/axios/index';
import { startServerProcess, type EchoServer } from '../grpc/server-process';

jest.setTimeout(60_000);

const tenantKey = createKey<string>('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const reason = new Error('caller gave up');

let server: EchoServer;
let base: string;
beforeAll(async () => {
  server = await startServerProcess(join(__dirname, 'http-server.cjs'), { maxTimeoutMs: 60_000 });
  base = `http://${server.address}`;
});
afterAll(() => server?.kill());

let seq = 0;
const nextId = (): string => `a-${++seq}`;

test('the budget less the margin, the values and a timeout from the deadline', async () => {
  const [ctx, cancel] = withTimeout(withValue(background(), tenantKey, 'acme'), 10_000);
  try {
    const config = axiosConfig(ctx, { headers: { 'Ctxkit-Timeout-Ms': '99999' } }, { marginMs: 100, values });
    expect(config.signal).toBe(ctx.signal);
    expect(config.timeout).toBeGreaterThan(9_000);
    expect(config.timeout).toBeLessThanOrEqual(10_000);
    const res = await axiosRequest<any>(ctx, axios, { url: `${base}/echo?id=${nextId()}`, headers: { 'Ctxkit-Timeout-Ms': '99999' } }, { marginMs: 100, values });
    expect(res.data.remainingMs).toBeGreaterThan(2_000);
    expect(res.data.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    expect(res.data.tenant).toBe('acme');
  } finally {
    cancel();
  }
});

test("the context ends: cause(ctx), not axios's CanceledError; the server sees its client go", async () => {
  const id = nextId();
  const [ctx, cancel] = withCancelCause(background());
  const pending = axiosRequest(ctx, axios, { url: `${base}/hang?id=${id}` });
  await server.waitFor('start', id);
  cancel(reason);
  await expect(pending).rejects.toBe(reason);
  expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  // What axios alone gives: a CanceledError without the reason.
  const id2 = nextId();
  const [ctx2, cancel2] = withCancelCause(background());
  const bare = axios.get(`${base}/hang?id=${id2}`, { signal: ctx2.signal }).catch((e) => e);
  await server.waitFor('start', id2);
  cancel2(reason);
  const error = await bare;
  expect(axios.isCancel(error)).toBe(true);
  expect(error).not.toBe(reason);
  expect(axiosError(ctx2, error)).toBe(reason);
});

test('a deadline that passes: DeadlineExceeded', async () => {
  const id = nextId();
  const [ctx, cancel] = withTimeout(background(), 300);
  try {
    // No budget sent, so that the client's deadline, not the server's, ends the request.
    await expect(axiosRequest(ctx, axios, { url: `${base}/hang?id=${id}` }, { deadlineCodecs: [] })).rejects.toBe(DeadlineExceeded);
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  } finally {
    cancel();
  }
});

test('a context already done, or no budget after the margin: nothing is sent', async () => {
  const [done, cancel] = withCancelCause(background());
  cancel(reason);
  const id = nextId();
  await expect(axiosRequest(done, axios, { url: `${base}/echo?id=${id}` })).rejects.toBe(reason);
  const [short, stop] = withTimeout(background(), 5_000);
  const id2 = nextId();
  await expect(axiosRequest(short, axios, { url: `${base}/echo?id=${id2}` }, { marginMs: 10_000 })).rejects.toBe(DeadlineExceeded);
  stop();
  await axios.get(`${base}/echo?id=${nextId()}`);
  expect(server.events.some((e) => e.id === id || e.id === id2)).toBe(false);
});

test('bad arguments throw before anything is sent', () => {
  expect(() => axiosConfig(background(), {}, { marginMs: -1 })).toThrow('ctxkit.axios.axiosConfig: options.marginMs must be a finite, non-negative number of milliseconds, got -1');
  return expect(axiosRequest(background(), {} as any, { url: base })).rejects.toThrow('ctxkit.axios.axiosRequest: instance must be an axios instance, got an object (Object)');
});
