/**
 * withProcessSignals: a real child process receiving real signals, and the
 * process listeners it adds removed whatever ends the context.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Canceled, background, cause, withCancelCause } from '../../src/index.js';
import { ProcessSignalError, withProcessSignals } from '../../src/node/index.js';
import { waitFor } from './servers.js';

const dist = join(__dirname, '..', '..', 'dist', 'cjs');

/** A child process that makes a withProcessSignals context and reports on it, one JSON line per event. */
function child(signals: string[]) {
  const script = `
    const { background, cause } = require(${JSON.stringify(join(dist, 'index.js'))});
    const { withProcessSignals } = require(${JSON.stringify(join(dist, 'node', 'index.js'))});
    const keepAlive = setInterval(() => {}, 1000);
    const names = ${JSON.stringify(signals)};
    const listeners = () => names.reduce((n, s) => n + process.listenerCount(s), 0);
    const [ctx] = withProcessSignals(background(), names);
    ctx.done().then(() => setImmediate(() => {
      const c = cause(ctx);
      console.log(JSON.stringify({ event: 'done', err: ctx.err().message, name: c.name, signal: c.signal, listeners: listeners() }));
    }));
    console.log(JSON.stringify({ event: 'ready', listeners: listeners() }));
  `;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => JSON.parse((await lines.next()).value as string);
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { proc, next, exited };
}

test.each(['SIGTERM', 'SIGINT'] as const)('a real %s cancels the context with a ProcessSignalError naming it; a second one then ends the process as usual', async (signal) => {
  const c = child(['SIGINT', 'SIGTERM']);
  try {
    expect(await c.next()).toEqual({ event: 'ready', listeners: 2 });
    c.proc.kill(signal);
    expect(await c.next()).toEqual({ event: 'done', err: 'context canceled', name: 'ProcessSignalError', signal, listeners: 0 });
    c.proc.kill(signal);
    const [code, killedBy] = await c.exited;
    expect({ code, killedBy }).toEqual({ code: null, killedBy: signal });
  } finally {
    c.proc.kill('SIGKILL');
  }
});

test('a signal not listed is left alone: it ends the process by its default action', async () => {
  const c = child(['SIGINT']);
  try {
    await c.next();
    c.proc.kill('SIGTERM');
    const [, killedBy] = await c.exited;
    expect(killedBy).toBe('SIGTERM');
  } finally {
    c.proc.kill('SIGKILL');
  }
});

describe('in this process', () => {
  const count = () => process.listenerCount('SIGTERM') + process.listenerCount('SIGINT') + process.listenerCount('SIGHUP');
  let baseline = 0;
  beforeEach(() => (baseline = count()));

  test('the cancel function removes the listeners at once and cancels with Canceled', () => {
    const [ctx, cancel] = withProcessSignals(background());
    expect(count()).toBe(baseline + 2);
    cancel();
    expect(count()).toBe(baseline);
    expect(cause(ctx)).toBe(Canceled);
  });

  test('disposing the pair does the same', () => {
    const pair = withProcessSignals(background(), ['SIGHUP']);
    expect(count()).toBe(baseline + 1);
    pair[Symbol.dispose]();
    expect(count()).toBe(baseline);
    expect(pair[0].err()).toBe(Canceled);
  });

  test('a signal event cancels with a ProcessSignalError, listeners gone by then', () => {
    const [ctx] = withProcessSignals(background(), ['SIGHUP']);
    process.emit('SIGHUP', 'SIGHUP');
    expect(count()).toBe(baseline);
    const c = cause(ctx) as ProcessSignalError;
    expect(c).toBeInstanceOf(ProcessSignalError);
    expect(c.signal).toBe('SIGHUP');
    expect(ctx.err()).toBe(Canceled);
  });

  test("the parent's cancellation removes the listeners too, and its cause passes through", async () => {
    const [parent, stop] = withCancelCause(background());
    const [ctx] = withProcessSignals(parent, ['SIGTERM', 'SIGTERM', 'SIGINT']);
    expect(count()).toBe(baseline + 2);
    stop('shutting down');
    expect(cause(ctx)).toBe('shutting down');
    await waitFor(() => count() === baseline);
  });

  test('a parent already done adds no listeners', () => {
    const [parent, stop] = withCancelCause(background());
    stop();
    const [ctx] = withProcessSignals(parent);
    expect(count()).toBe(baseline);
    expect(ctx.err()).toBe(Canceled);
  });

  test('bad arguments get a TypeError, and nothing is listened to', () => {
    const bad: unknown[][] = [[null], [background(), []], [background(), ['SIGKILL']], [background(), ['SIGNOPE']], [background(), 'SIGINT']];
    for (const args of bad) expect(() => (withProcessSignals as (...a: unknown[]) => unknown)(...args)).toThrow(TypeError);
    expect(count()).toBe(baseline);
  });
});
