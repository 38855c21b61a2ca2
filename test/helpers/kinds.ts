/**
 * Every kind of cancellable context, built the way a user would, so the shared
 * contract suite runs against each of them (as cantok's parametrised suite does).
 */
import {
  background,
  type CancelCauseFunc,
  type CancelFunc,
  type Context,
  createKey,
  withCancel,
  withCancelCause,
  withDeadline,
  withDeadlineCause,
  withLinked,
  withSignal,
  withTimeout,
  withTimeoutCause,
  withValue,
} from '../../src/index.js';
import { ForeignContext } from './foreign-context.js';

export interface MadeContext {
  ctx: Context;
  cancel: CancelFunc | CancelCauseFunc;
  /** The value the constructor returned, which disposes as its cancel does. */
  pair: Disposable;
}

export const HOUR = 3_600_000;

/** name -> a factory for a live, cancellable child of parent whose cancel function cancels it. */
export const cancellableKinds: Record<string, (parent: Context) => MadeContext> = {
  withCancel: (p) => pairOf(withCancel(p)),
  withCancelCause: (p) => pairOf(withCancelCause(p)),
  withTimeout: (p) => pairOf(withTimeout(p, HOUR)),
  withTimeoutCause: (p) => pairOf(withTimeoutCause(p, HOUR, new Error('slow'))),
  withDeadline: (p) => pairOf(withDeadline(p, Date.now() + HOUR)),
  withDeadlineDate: (p) => pairOf(withDeadline(p, new Date(Date.now() + HOUR))),
  withDeadlineCause: (p) => pairOf(withDeadlineCause(p, Date.now() + HOUR, 'late')),
  withSignal: (p) => pairOf(withSignal(p, new AbortController().signal)),
  withLinked: (p) => pairOf(withLinked(p, withCancel(background())[0])),
  'withValue over withCancel': (p) => {
    const pair = withCancel(p);
    return { ctx: withValue(pair[0], createKey<number>('k'), 1), cancel: pair[1], pair };
  },
  'withCancel under a foreign parent': (p) => pairOf(withCancel(new ForeignContext({ parent: p }))),
};

function pairOf(pair: [Context, CancelFunc | CancelCauseFunc] & Disposable): MadeContext {
  return { ctx: pair[0], cancel: pair[1], pair };
}

/** Resolves to 'done' if p settles within ms, else 'pending'. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<'done' | 'pending'> {
  return Promise.race([
    p.then(() => 'done' as const),
    new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms)),
  ]);
}

/** Lets every queued microtask (and the ones they queue) run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
