/**
 * What running code does with a context it holds: poll err(), look up values,
 * register and take back an afterFunc.
 */
import { do_not_optimize } from 'mitata';
import { afterFunc, background, createKey, withCancel, withValue } from 'ctxkit';
import { CANCELED, plainValue, plainValueChain } from '../lib/native.mjs';
import { cancelChain, cancelledParent, longLivedParent } from './common.mjs';

/**
 * A mitata benchmark of `read(...subjects)`. The subjects come in as computed
 * parameters, fresh loads on every call, so the JIT cannot hoist a read of a
 * constant object out of the loop (a hoisted `signal.aborted` measures 0.3 ns).
 */
function readLoop(read, ...subjects) {
  const params = Object.fromEntries(subjects.map((s, i) => [i, () => s]));
  // mitata passes as many parameters as bench declares (its length): no rest parameters.
  const bench = subjects.length === 1 ? (a) => do_not_optimize(read(a)) : (a, b) => do_not_optimize(read(a, b));
  return function* () {
    yield { ...params, bench };
  };
}

/** err() polled by a loop checking whether to stop. Go: BenchmarkCheckCanceled/Err. */
function errPoll(id, title, makeContext, makeSignal) {
  return {
    id,
    title,
    variants: () => [
      {
        name: 'ctxkit',
        side: 'ctxkit',
        make: () => readLoop((ctx) => ctx.err(), makeContext()),
      },
      {
        name: 'signal.aborted',
        side: 'native',
        make: () => readLoop((signal) => signal.aborted, makeSignal()),
      },
      {
        // The same loop returning its parameter: what every read above pays for the harness.
        name: 'harness floor',
        side: 'reference',
        make: () => readLoop((subject) => subject, makeSignal()),
      },
    ],
  };
}

/** The leaf of a 100-deep AbortSignal.any chain (the native 100-deep live context). */
function deepAnySignal(depth) {
  let signal = new AbortController().signal;
  for (let i = 0; i < depth; i++) signal = AbortSignal.any([signal, new AbortController().signal]);
  return signal;
}

const errPolls = [
  errPoll('err-live', 'err() on a live context', () => withCancel(longLivedParent())[0], () => new AbortController().signal),
  errPoll('err-cancelled', 'err() on a cancelled context', () => cancelledParent(), () => AbortSignal.abort(CANCELED)),
  errPoll('err-deep', 'err() on a 100-deep live context', () => cancelChain(longLivedParent(), 100), () => deepAnySignal(100)),
];

/**
 * value() for a key held `depth` contexts up (hit) or not held at all (miss),
 * against a parent-pointer walk over plain objects. Go: BenchmarkDeepValueSameGoRoutine.
 */
function valueLookup(depth, hit) {
  const keys = Array.from({ length: depth }, (_, i) => createKey(`k${i}`));
  const absent = createKey('absent');
  const wanted = hit ? keys[0] : absent; // keys[0] is held by the top-most context
  return {
    id: `value-${depth}-${hit ? 'hit' : 'miss'}`,
    title: `value() ${depth} level${depth > 1 ? 's' : ''} up, ${hit ? 'hit' : 'miss'}`,
    variants: () => [
      {
        name: 'ctxkit',
        side: 'ctxkit',
        make() {
          let ctx = background();
          for (let i = 0; i < depth; i++) ctx = withValue(ctx, keys[i], i);
          return readLoop((c, key) => c.value(key), ctx, wanted);
        },
      },
      {
        name: 'parent-pointer walk',
        side: 'native',
        make() {
          return readLoop(plainValue, plainValueChain(depth, keys), wanted);
        },
      },
    ],
  };
}

const valueLookups = [1, 10, 100].flatMap((depth) => [valueLookup(depth, true), valueLookup(depth, false)]);

/** A callback registered for cleanup on cancellation, taken back when the work ends first. */
const afterFuncStop = {
  id: 'afterfunc-stop',
  title: 'afterFunc register + stop()',
  variants: () => {
    const noop = () => {};
    return [
      {
        // A context that stays observed (the common case for a server's context).
        name: 'ctxkit',
        side: 'ctxkit',
        make() {
          const [ctx] = withCancel(background());
          return () => do_not_optimize(afterFunc(ctx, noop)());
        },
      },
      {
        // A request context nothing else observes: each registration attaches it
        // to its parent, each stop() detaches it again.
        name: 'ctxkit, unobserved request ctx',
        side: 'ctxkit',
        make() {
          const [ctx] = withCancel(longLivedParent());
          return () => do_not_optimize(afterFunc(ctx, noop)());
        },
      },
      {
        name: 'add/removeEventListener',
        side: 'native',
        make() {
          const signal = new AbortController().signal;
          return () => {
            signal.addEventListener('abort', noop);
            signal.removeEventListener('abort', noop);
          };
        },
      },
    ];
  },
};

export default [...errPolls, ...valueLookups, afterFuncStop];
