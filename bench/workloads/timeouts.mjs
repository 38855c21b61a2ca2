/**
 * 1e5 concurrent live timeouts: a busy server where every in-flight request
 * has a deadline. Go: BenchmarkWithTimeout (concurrency=4e4 / 4e5).
 *
 * - creation: the cost of one more timeout (created and cancelled) while 1e5
 *   others are pending, against one more AbortSignal.timeout (which cannot be
 *   cancelled, so it only pays creation) and a listener child with its own
 *   setTimeout / clearTimeout;
 * - firing: 1e5 timeouts with deadlines spread over a second, each recording
 *   how late it fired (the time its observer ran minus its deadline); 1e5
 *   plain setTimeout timers show the event loop's own lateness meanwhile.
 */
import { performance } from 'node:perf_hooks';
import { do_not_optimize } from 'mitata';
import { afterFunc, background, withTimeout } from 'ctxkit';
import { ListenerTimeoutChild, TIMED_OUT } from '../lib/native.mjs';
import { summarize } from '../lib/stats.mjs';
import { longLivedSignal } from './common.mjs';

const LIVE = 1e5;
const MINUTE = 60_000;

/** Deadlines of the live population: a minute, spread over a further second. */
const spread = (i) => MINUTE + (i % 1000);

/** A variant that measures make()'s timed function with LIVE others of its kind pending. */
function withLivePopulation(variant, populate, release) {
  let live;
  return {
    ...variant,
    make() {
      live = populate();
      return variant.make();
    },
    cleanup() {
      release(live);
      live = undefined;
    },
  };
}

/** An AbortController aborted by a setTimeout of its own; returns the timer. */
function timerController(ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), ms);
  timer.unref();
  return timer;
}

const creation = {
  id: 'timeouts-create',
  title: `timeout creation with ${LIVE.toExponential().replace('+', '')} live`,
  variants: () => [
    withLivePopulation(
      {
        name: 'ctxkit',
        side: 'ctxkit',
        make: () => () => {
          const [ctx, cancel] = withTimeout(background(), MINUTE);
          cancel();
          do_not_optimize(ctx);
        },
      },
      () => Array.from({ length: LIVE }, (_, i) => withTimeout(background(), spread(i))[1]),
      (cancels) => cancels.forEach((cancel) => cancel()),
    ),
    withLivePopulation(
      {
        name: 'AbortSignal.timeout',
        side: 'native',
        make: () => () => do_not_optimize(AbortSignal.timeout(MINUTE)),
      },
      () => Array.from({ length: LIVE }, (_, i) => AbortSignal.timeout(spread(i))),
      () => {}, // cannot be cleared: the timers go when their signals are collected
    ),
    withLivePopulation(
      {
        name: 'listener + setTimeout',
        side: 'native',
        make() {
          const parent = longLivedSignal();
          return () => {
            const child = new ListenerTimeoutChild(parent, MINUTE);
            child.cancel();
            do_not_optimize(child);
          };
        },
      },
      // The live population: controllers aborted by their own setTimeout. (Not
      // 1e5 listeners on one parent: adding those is quadratic, about a minute.)
      () => Array.from({ length: LIVE }, (_, i) => timerController(spread(i))),
      (timers) => timers.forEach((timer) => clearTimeout(timer)),
    ),
  ],
};

/** The first deadline (ms after arming; arming 1e5 takes a while) and how far the deadlines spread. */
const FIRING_SPREAD_MS = 1000;
const FIRING_FIRST_MS = 1000;

/** Arms LIVE ctxkit timeouts; resolves with the lateness (ms) of each, observed by afterFunc. */
function fireCtxkit() {
  return fireAll((ms, record) => {
    const [ctx] = withTimeout(background(), ms);
    afterFunc(ctx, record);
  });
}

/** Arms LIVE AbortSignal.timeout signals; resolves with the lateness (ms) of each, observed by an 'abort' listener. */
function fireNative() {
  return fireAll((ms, record) => {
    AbortSignal.timeout(ms).addEventListener('abort', record, { once: true });
  });
}

/** Arms LIVE plain setTimeout timers: the event loop's own lateness under the same load, for reference. */
function fireSetTimeout() {
  return fireAll((ms, record) => setTimeout(record, ms).unref());
}

/**
 * Arms LIVE timeouts with `arm(ms, record)`, deadlines spread over
 * FIRING_SPREAD_MS, and waits for all to fire. Lateness is measured on the
 * monotonic clock from just before each was armed.
 */
function fireAll(arm) {
  return new Promise((resolve) => {
    const lateness = new Float64Array(LIVE);
    let fired = 0;
    // Something must keep the process alive: neither kind of timer does.
    const keepAlive = setInterval(() => {}, 1000);
    for (let i = 0; i < LIVE; i++) {
      // Whole milliseconds: AbortSignal.timeout accepts nothing else.
      const ms = FIRING_FIRST_MS + ((i * 7919) % FIRING_SPREAD_MS);
      const due = performance.now() + ms;
      arm(ms, () => {
        lateness[i] = performance.now() - due;
        if (++fired === LIVE) {
          clearInterval(keepAlive);
          resolve(lateness);
        }
      });
    }
  });
}

const firing = {
  id: 'timeouts-firing',
  title: `${LIVE.toExponential().replace('+', '')} live timeouts: lateness of each firing`,
  /**
   * Custom run (lateness, not op cost, so not mitata): each phase arms all LIVE
   * timeouts of one kind alone; the kinds alternate over the rounds.
   */
  async run(settings) {
    const kinds = [
      { name: 'ctxkit', side: 'ctxkit', fire: fireCtxkit },
      { name: 'AbortSignal.timeout', side: 'native', fire: fireNative },
      { name: 'setTimeout', side: 'reference', fire: fireSetTimeout },
    ];
    const rounds = settings.rounds >= 5 ? 2 : 1;
    const samples = new Map(kinds.map((k) => [k.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const kind of r % 2 === 0 ? kinds : [...kinds].reverse()) {
        globalThis.gc?.();
        samples.get(kind.name).push(...(await kind.fire()));
      }
    }
    return { variants: kinds.map((k) => ({ name: k.name, side: k.side, lateness: summarize(samples.get(k.name)) })) };
  },
};

export default [creation, firing];
