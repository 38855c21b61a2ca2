/**
 * How soon a task waiting on a context resumes once the context is cancelled:
 * from cancel() to the code after `await ctx.done()` running.
 *
 * Each timed call cancels one waiting context and awaits the waiter's end.
 * The waiter is set up outside the timing (mitata computed parameters): a fresh
 * child whose async function already sits at `await ctx.done()` (native: at an
 * await of a promise resolved by an 'abort' listener). Every variant also pays
 * mitata's own await of the call; the 'await floor' row shows that part.
 */
import { withCancel } from 'ctxkit';
import { ListenerChild, CANCELED, anyChild } from '../lib/native.mjs';
import { longLivedParent, longLivedSignal } from './common.mjs';

async function waitForDone(ctx) {
  await ctx.done();
}

/** A promise resolved by the first 'abort' event of signal. */
function abortEvent(signal) {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function waitFor(promise) {
  await promise;
}

/** Pending waiters per batch: mitata sets up a batch's parameters before timing it. */
const OPTIONS = { batch_samples: 256 };

/**
 * A mitata generator timing `trigger(waiter); await waiter.resumed`, with each
 * waiter made by `setup()` outside the timing.
 */
function timedWakeUp(setup, trigger) {
  return function* () {
    yield {
      [0]: setup,
      async bench(waiter) {
        trigger(waiter);
        await waiter.resumed;
      },
    };
  };
}

const cancelToResume = {
  id: 'cancel-latency',
  title: 'cancel() → await ctx.done() resumes',
  variants: () => [
    {
      name: 'ctxkit',
      side: 'ctxkit',
      options: OPTIONS,
      make() {
        const parent = longLivedParent();
        return timedWakeUp(
          () => {
            const [ctx, cancel] = withCancel(parent);
            return { cancel, resumed: waitForDone(ctx) };
          },
          (w) => w.cancel(),
        );
      },
    },
    {
      name: 'AbortSignal.any',
      side: 'native',
      options: OPTIONS,
      make() {
        const parent = longLivedSignal();
        return timedWakeUp(
          () => {
            const child = anyChild(parent);
            return { controller: child.controller, resumed: waitFor(abortEvent(child.signal)) };
          },
          (w) => w.controller.abort(CANCELED),
        );
      },
    },
    {
      name: 'listener',
      side: 'native',
      options: OPTIONS,
      make() {
        const parent = longLivedSignal();
        return timedWakeUp(
          () => {
            const child = new ListenerChild(parent);
            return { child, resumed: waitFor(abortEvent(child.signal)) };
          },
          (w) => w.child.cancel(),
        );
      },
    },
    {
      // Not a context at all: resolving a promise and resuming its awaiter,
      // under the same mitata await. The least any variant can cost.
      name: 'await floor',
      side: 'reference',
      options: OPTIONS,
      make() {
        return timedWakeUp(
          () => {
            let resolve;
            const promise = new Promise((r) => (resolve = r));
            return { resolve, resumed: waitFor(promise) };
          },
          (w) => w.resolve(),
        );
      },
    },
  ],
};

export default [cancelToResume];
