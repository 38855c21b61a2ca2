/**
 * The contract holds whatever user code does: listeners that stop an abort
 * event from propagating, cancellations and registrations made from inside a
 * cancellation, and calls rejected for a bad argument.
 */
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import {
  afterFunc,
  background,
  Canceled,
  cause,
  DeadlineExceeded,
  withCancel,
  withCancelCause,
  withLinked,
  withSignal,
  withTimeout,
  withValue,
  type Context,
} from '../../src/index.js';
import { ForeignContext } from '../helpers/foreign-context.js';
import { distCjs } from '../helpers/run-node.js';

/** Registers, before anything else, a listener that hides every later listener of signal from the abort event. */
function suppressAbort(signal: AbortSignal): void {
  signal.addEventListener('abort', (event) => event.stopImmediatePropagation());
}

/** Waits until every queued promise job has run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('a listener that calls stopImmediatePropagation() cannot hide an abort', () => {
  test('from the input of withSignal: the context, its signal, done() and afterFunc all see it', async () => {
    const input = new AbortController();
    suppressAbort(input.signal);
    const [ctx] = withSignal(background(), input.signal);
    const ran: string[] = [];
    afterFunc(ctx, () => ran.push('afterFunc'));
    const done = ctx.done().then(() => ran.push('done'));
    input.abort('gone');
    expect(ctx.err()).toBe(Canceled);
    expect(ctx.signal.aborted).toBe(true);
    expect(cause(ctx)).toBe('gone');
    await done;
    await settled();
    expect(ran.sort()).toEqual(['afterFunc', 'done']);
  });

  test('a later withSignal on the same, already aborted, signal is done at once', () => {
    const input = new AbortController();
    suppressAbort(input.signal);
    const [first] = withSignal(background(), input.signal);
    void first.signal; // observed: the shared subscription is live when the abort comes
    input.abort('gone');
    const [second] = withSignal(background(), input.signal);
    expect(second.err()).toBe(Canceled);
    expect(cause(second)).toBe('gone');
  });

  test('from a foreign parent: its children end, and their signals abort', () => {
    const foreign = new ForeignContext();
    suppressAbort(foreign.signal);
    const [child] = withCancel(foreign);
    const signal = child.signal;
    foreign.cancel(Canceled, 'foreign reason');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('foreign reason');
  });

  test('from a withLinked source that is foreign', () => {
    const foreign = new ForeignContext();
    suppressAbort(foreign.signal);
    const [linked] = withLinked(background(), foreign);
    const signal = linked.signal;
    foreign.cancel(Canceled, 'other');
    expect(signal.aborted).toBe(true);
    expect(cause(linked)).toBe('other');
  });

  test('without process.getBuiltinModule (older Node, other hosts) the fallback subscription resists too', () => {
    const script = `
      delete process.getBuiltinModule;
      const { background, withSignal, cause } = require(${JSON.stringify(distCjs)});
      const input = new AbortController();
      input.signal.addEventListener('abort', (e) => e.stopImmediatePropagation());
      const [ctx] = withSignal(background(), input.signal);
      const signal = ctx.signal;
      input.abort('gone');
      console.log(JSON.stringify([signal.aborted, cause(ctx)]));
    `;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual([true, 'gone']);
  });
});

describe('withLinked polls a foreign source as a foreign parent is polled', () => {
  test('a source done before its signal aborts is seen by err() of the linked context and its children', () => {
    const foreign = new ForeignContext();
    const [linked] = withLinked(background(), foreign);
    const [child] = withCancel(withValue(linked, 'k', 1));
    void child.signal;
    foreign.setErrWithoutSignal(DeadlineExceeded);
    expect(child.err()).toBe(DeadlineExceeded);
    expect(linked.err()).toBe(DeadlineExceeded);
    expect(child.signal.aborted).toBe(true);
  });

  test('also when the foreign source is a few contexts above the linked one', () => {
    const foreign = new ForeignContext();
    const [mid] = withCancel(foreign);
    const [linked] = withLinked(background(), mid);
    foreign.setErrWithoutSignal(Canceled);
    expect(linked.err()).toBe(Canceled);
  });
});

describe('ordering under re-entrancy', () => {
  test('an ancestor cancelled from a listener during a cancellation aborts after the descendants in progress', () => {
    const [root, cancelRoot] = withCancel(background());
    const [mid, cancelMid] = withCancel(root);
    const [leaf] = withCancel(mid);
    const order: string[] = [];
    leaf.signal.addEventListener('abort', () => {
      order.push('leaf');
      cancelRoot();
      // err() is set at once, the signals follow in the same turn.
      expect(root.err()).toBe(Canceled);
    });
    mid.signal.addEventListener('abort', () => order.push('mid'));
    root.signal.addEventListener('abort', () => {
      order.push('root');
      expect(mid.signal.aborted).toBe(true);
    });
    cancelMid();
    expect(order).toEqual(['leaf', 'mid', 'root']);
    expect(root.signal.aborted).toBe(true);
  });

  test('a cancellation started from a listener still finishes before the outer cancel() returns', () => {
    const [a, cancelA] = withCancel(background());
    const [b, cancelB] = withCancel(background());
    const [bChild] = withCancel(b);
    a.signal.addEventListener('abort', () => cancelB());
    const bSignal = bChild.signal;
    cancelA();
    expect(bSignal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(true);
  });

  test('an afterFunc registered from an abort listener runs after the callbacks registered before', async () => {
    const [ctx, cancel] = withCancel(background());
    const ran: string[] = [];
    afterFunc(ctx, () => ran.push('first'));
    ctx.signal.addEventListener('abort', () => afterFunc(ctx, () => ran.push('from listener')));
    afterFunc(ctx, () => ran.push('second'));
    cancel();
    await settled();
    expect(ran).toEqual(['first', 'second', 'from listener']);
  });

  test('the same on a context whose cancellation is still queued behind a deeper one', async () => {
    const [parent, cancelParent] = withCancel(background());
    const [child] = withCancel(parent);
    const ran: string[] = [];
    afterFunc(parent, () => ran.push('parent: registered before'));
    child.signal.addEventListener('abort', () => afterFunc(parent, () => ran.push('parent: from child listener')));
    cancelParent();
    await settled();
    expect(ran).toEqual(['parent: registered before', 'parent: from child listener']);
  });
});

describe('a rejected call leaves nothing behind', () => {
  const listenerCount = (c: ForeignContext) => getEventListeners(c.signal, 'abort').length;

  test.each([
    ['withSignal', (p: Context) => withSignal(p, 'not a signal' as never)],
    ['withTimeout', (p: Context) => withTimeout(p, NaN)],
    ['withLinked', (p: Context) => withLinked(p, null as never)],
    ['withValue', (p: Context) => withValue(p, undefined as never, 1)],
    ['afterFunc', (p: Context) => afterFunc(p, 'nope' as never)],
  ])('%s(foreignParent, bad) adds no listener to the parent', (_name, call) => {
    const foreign = new ForeignContext();
    const before = listenerCount(foreign);
    expect(() => call(foreign)).toThrow(TypeError);
    expect(listenerCount(foreign)).toBe(before);
  });

  test('withLinked(parent, foreign, bad) subscribes to neither', () => {
    const parent = new ForeignContext();
    const other = new ForeignContext();
    const before = [listenerCount(parent), listenerCount(other)];
    expect(() => withLinked(parent, other, 5 as never)).toThrow(/others\[1\] must be a Context, got 5/);
    expect([listenerCount(parent), listenerCount(other)]).toEqual(before);
  });
});

describe('swapped and out-of-range arguments', () => {
  test('the parent is checked first, and a context is named as String(ctx) does', () => {
    const [ctx] = withCancel(background());
    expect(() => withTimeout(500 as never, ctx as never)).toThrow(/^ctxkit\.withTimeout: parent must be a Context, got 500$/);
    expect(() => withTimeout(ctx, ctx as never)).toThrow(
      /^ctxkit\.withTimeout: ms must be a finite number of milliseconds, got a Context \(context\.Background\.WithCancel\)$/,
    );
    expect(() => withValue(ctx, withValue(ctx, 'k', 1) as never, 2)).not.toThrow();
  });

  test.each([-1e16, -Number.MAX_VALUE, 1e16, Number.MAX_VALUE])('withTimeout(parent, %d) keeps deadline() and String(ctx) valid', (ms) => {
    const [ctx, cancel] = withTimeout(background(), ms);
    const d = ctx.deadline()!;
    expect(Number.isNaN(d.getTime())).toBe(false);
    expect(() => String(ctx)).not.toThrow();
    expect(String(ctx)).toMatch(/^context\.Background\.WithDeadline\(/);
    expect(ctx.err()).toBe(ms < 0 ? DeadlineExceeded : undefined);
    cancel();
  });

  test('printing DeadlineExceeded and Canceled reads like Go, without a stack into ctxkit', () => {
    const { inspect } = require('node:util') as typeof import('node:util');
    for (const [err, text] of [
      [DeadlineExceeded, 'context deadline exceeded'],
      [Canceled, 'context canceled'],
    ] as const) {
      const printed = inspect(err);
      expect(printed).toContain(text);
      expect(printed).not.toMatch(/\n\s+at /);
      expect(String(err)).toMatch(new RegExp(`: ${text}$`));
    }
  });

  test('withCancelCause keeps the cause object given, not a copy', () => {
    const [ctx, cancel] = withCancelCause(background());
    const why = new Error('why');
    cancel(why);
    expect(cause(ctx)).toBe(why);
  });
});
