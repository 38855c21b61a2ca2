/**
 * runService in this process, stopped with service.stop() or its parent: the
 * order of the phases (fake timers for the durations), failures of start and
 * of hooks, late registrations, and bad input. Signals are tested with a real
 * child process in lifetime.test.ts.
 */
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { background, Canceled, cause, sleep, withCancelCause } from '../../src/index.js';
import { runService, ServerShutdown, ServiceExit, type Service } from '../../src/node/index.js';
import { listen, waitFor } from './servers.js';

const signalListeners = (): number => process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
let baseline = 0;
beforeEach(() => (baseline = signalListeners()));
afterEach(() => expect(signalListeners()).toBe(baseline)); // nothing left on the process

describe('with fake timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('Stopping hooks end before the grace period begins; Stopped hooks run once the tracker has ended and ctx is cancelled', async () => {
    const log: string[] = [];
    let service!: Service;
    const code = runService(
      (s) => {
        service = s;
        s.onStopping(async () => {
          log.push('stopping begins');
          await new Promise((resolve) => setTimeout(resolve, 5_000)); // a load balancer's deregistration delay
          log.push(`stopping ends, task ctx live: ${s.tracker.ctx.err() === undefined}`);
        });
        s.onStopped(() => log.push(`stopped, ctx: ${cause(s.ctx) === ServerShutdown}, task cause: ${cause(s.tracker.ctx) === ServerShutdown}`));
        s.tracker.go(async (ctx) => {
          try {
            await sleep(ctx, 60_000);
          } finally {
            log.push('task ends');
          }
        });
      },
      { graceMs: 1_000, onError: () => {} },
    );
    await jest.advanceTimersByTimeAsync(0);
    service.stop();
    expect(cause(service.stopping)).toBe(Canceled);
    await jest.advanceTimersByTimeAsync(5_999);
    expect(log).toEqual(['stopping begins', 'stopping ends, task ctx live: true']); // grace started at 5 000
    await jest.advanceTimersByTimeAsync(1);
    await expect(code).resolves.toBe(ServiceExit.cancelled);
    expect(log).toEqual(['stopping begins', 'stopping ends, task ctx live: true', 'task ends', 'stopped, ctx: true, task cause: true']);
  });

  test('a service without servers whose tasks end in time: ServiceExit.drained', async () => {
    let service!: Service;
    const code = runService((s) => {
      service = s;
      s.tracker.go((ctx) => sleep(ctx, 500));
    });
    await jest.advanceTimersByTimeAsync(0);
    service.stop();
    await jest.advanceTimersByTimeAsync(500);
    await expect(code).resolves.toBe(ServiceExit.drained);
  });
});

test('hooks: Started in registration order once the servers listen, Stopping and Stopped last registered first; the server still listens during Stopping', async () => {
  const order: string[] = [];
  let service!: Service;
  const server = http.createServer((_req, res) => res.end('ok'));
  const code = runService((s) => {
    service = s;
    for (const n of [1, 2, 3]) {
      s.onStarted(() => void order.push(`started ${n} listening=${server.listening}`));
      s.onStopping(() => void order.push(`stopping ${n} listening=${server.listening}`));
      s.onStopped(() => void order.push(`stopped ${n} listening=${server.listening}`));
    }
    server.listen(0, '127.0.0.1');
    return server;
  });
  await waitFor(() => order.length === 3, 10_000, 'the Started hooks');
  service.stop();
  expect(await code).toBe(ServiceExit.drained);
  expect(order).toEqual([
    'started 1 listening=true',
    'started 2 listening=true',
    'started 3 listening=true',
    'stopping 3 listening=true',
    'stopping 2 listening=true',
    'stopping 1 listening=true',
    'stopped 3 listening=false',
    'stopped 2 listening=false',
    'stopped 1 listening=false',
  ]);
});

test('start that throws: reported as "start", the Stopping and Stopped hooks it registered still run, ServiceExit.failed', async () => {
  const seen: Array<[string, string]> = [];
  const order: string[] = [];
  const why = new Error('config missing');
  let stopping: unknown;
  const code = await runService(
    (s) => {
      s.onStarted(() => void order.push('started'));
      s.onStopping(() => void ((stopping = cause(s.stopping)), order.push('stopping')));
      s.onStopped(() => void order.push('stopped'));
      throw why;
    },
    { onError: (e, phase) => seen.push([(e as Error).message, phase]) },
  );
  expect(code).toBe(ServiceExit.failed);
  expect(seen).toEqual([['config missing', 'start']]);
  expect(order).toEqual(['stopping', 'stopped']);
  expect(stopping).toBe(why);
});

test('a server that cannot listen (EADDRINUSE) fails the start; a Started hook that fails stops the service with its error', async () => {
  const taken = http.createServer();
  const port = await listen(taken);
  const seen: string[] = [];
  const code = await runService(() => http.createServer().listen(port, '127.0.0.1'), { onError: (e, phase) => seen.push(`${phase}: ${(e as NodeJS.ErrnoException).code}`) });
  expect(code).toBe(ServiceExit.failed);
  expect(seen).toEqual(['start: EADDRINUSE']);
  await new Promise<void>((resolve) => taken.close(() => resolve()));

  const why = new Error('warm-up failed');
  let stopping: unknown;
  const code2 = await runService(
    (s) => {
      s.onStarted(() => {
        throw why;
      });
      s.onStopping(() => void (stopping = cause(s.stopping)));
    },
    { onError: () => {} },
  );
  expect(code2).toBe(ServiceExit.failed);
  expect(stopping).toBe(why);
});

test('the parent ending stops the service with its cause, and (as for any child) ends service.ctx at once; a hook registered after its phase began throws', async () => {
  const [parent, cancel] = withCancelCause(background());
  const why = new Error('host going away');
  let service!: Service;
  const code = runService((s) => void (service = s), { parent });
  await new Promise((r) => setTimeout(r, 10));
  expect(() => service.onStarted(() => {})).toThrow(/started phase has begun/);
  cancel(why);
  expect(await code).toBe(ServiceExit.drained);
  expect(cause(service.stopping)).toBe(why);
  expect(cause(service.ctx)).toBe(why);
  expect(() => service.onStopped(() => {})).toThrow(/stopped phase has begun/);
});

test('bad input: TypeError before anything is made (no signal listener added)', () => {
  const start = (): void => {};
  expect(() => runService(5 as never)).toThrow(TypeError);
  expect(() => runService(start, 5 as never)).toThrow(TypeError);
  expect(() => runService(start, { graceMs: -1 })).toThrow(TypeError);
  expect(() => runService(start, { cancelGraceMs: Infinity })).toThrow(TypeError);
  expect(() => runService(start, { signals: ['SIGKILL'] })).toThrow(TypeError);
  expect(() => runService(start, { signals: [] })).toThrow(TypeError);
  expect(() => runService(start, { parent: {} as never })).toThrow(TypeError);
  expect(() => runService(start, { onError: 'log' as never })).toThrow(TypeError);
  expect(signalListeners()).toBe(baseline);
});

test('start returning something that is not a server: a TypeError reported as "start", ServiceExit.failed', async () => {
  const seen: unknown[] = [];
  const code = await runService(() => ({ port: 80 }) as never, { onError: (e, phase) => seen.push([e instanceof TypeError, phase]) });
  expect(code).toBe(ServiceExit.failed);
  expect(seen).toEqual([[true, 'start']]);
});

test('a raw TCP connection that never sends a byte, made before any request, does not hold the stop: the servers are watched from start on', async () => {
  let service!: Service;
  const server = http.createServer((_req, res) => res.end('ok'));
  const code = runService((s) => {
    service = s;
    server.listen(0, '127.0.0.1');
    return server;
  }, { graceMs: 60_000 });
  await once(server, 'listening');
  const silent = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  silent.on('error', () => {});
  await once(silent, 'connect');
  let accepted = 0;
  await waitFor(() => (server.getConnections((_e, n) => (accepted = n)), accepted === 1), 10_000, 'the server to accept');
  const closed = once(silent, 'close');
  const started = Date.now();
  service.stop();
  expect(await code).toBe(ServiceExit.drained);
  await closed;
  expect(Date.now() - started).toBeLessThan(20_000);
});

test('a stop while start runs: start finishes, its server listens and is then shut down; the Started hooks are skipped', async () => {
  const order: string[] = [];
  const server = http.createServer((_req, res) => res.end('ok'));
  const code = await runService(async (s) => {
    s.onStarted(() => void order.push('started'));
    s.onStopping(() => void order.push(`stopping listening=${server.listening}`));
    s.onStopped(() => void order.push(`stopped listening=${server.listening}`));
    s.stop(new Error('deploy cancelled'));
    await new Promise((r) => setTimeout(r, 20));
    server.listen(0, '127.0.0.1');
    return server;
  });
  expect(code).toBe(ServiceExit.drained);
  expect(order).toEqual(['stopping listening=true', 'stopped listening=false']);
});
