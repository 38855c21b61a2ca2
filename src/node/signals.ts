/**
 * withProcessSignals: Go's `signal.NotifyContext`.
 */
import { constants } from 'node:os';
import { afterFunc, withCancelCause, type CancelFunc, type Context, type ContextPair } from '../index.js';
import { ProcessSignalError } from './causes.js';
import { checkContext, fail } from '../internal/check.js';
import { disposable, pairOf } from '../internal/dispose.js';

/** Signals no process can catch. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

/**
 * withProcessSignals returns a child of parent that is cancelled when the
 * process first receives one of `signals`, with a ProcessSignalError naming
 * the signal as its cause. While it is live its listeners replace Node's
 * default action for those signals (exiting); they are removed as soon as it is
 * done, whatever made it done, or when the returned function is called, so a
 * second Ctrl-C then stops the process as usual.
 */
export function withProcessSignals(parent: Context, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): ContextPair<CancelFunc> {
  const FN = 'withProcessSignals';
  checkContext(FN, 'parent', parent);
  if (!Array.isArray(signals) || signals.length === 0) fail(FN, 'signals', 'a non-empty array of signal names', signals);
  for (const s of signals) {
    if (typeof s !== 'string' || !(s in constants.signals) || UNCATCHABLE.has(s)) fail(FN, 'signals', 'signal names that can be caught, such as "SIGTERM"', s);
  }
  const [ctx, cancelCause] = withCancelCause(parent);
  const names = [...new Set(signals)];

  let live = ctx.err() === undefined;
  const stop = (reason?: unknown): void => {
    if (!live) return;
    live = false;
    for (const s of names) process.removeListener(s, onSignal);
    stopWatching();
    cancelCause(reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => stop(new ProcessSignalError(signal));
  if (live) for (const s of names) process.on(s, onSignal);
  const stopWatching = afterFunc(ctx, stop);
  return pairOf(ctx, disposable(() => stop()));
}
