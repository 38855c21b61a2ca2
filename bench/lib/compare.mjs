/**
 * Times the variants of one workload with mitata, interleaved in one process.
 *
 * A workload has variants on two sides, 'ctxkit' and 'native', and may add a
 * 'reference' (a floor such as plain objects, shown for context, in no ratio).
 * Every round measures each variant once with mitata's `measure` (its own
 * warm-up, batching and sampling; we keep its median, p50), alternating the
 * order of the variants from round to round so no side always runs first. The first rounds
 * are warm-up rounds and are thrown away. A variant's figure is the median of
 * its per-round medians; a ratio ctxkit ÷ native is the median of the per-round
 * ratios, so a burst of load from elsewhere disturbs one round's pair, not the
 * comparison.
 */
import { measure } from 'mitata';
import { median } from './stats.mjs';

/** How long and how often to measure: a full run, and a --quick one for development. */
export const SETTINGS = {
  full: { rounds: 5, heavyRounds: 3, warmupRounds: 1, minCpuTimeMs: 150 },
  quick: { rounds: 2, heavyRounds: 2, warmupRounds: 1, minCpuTimeMs: 25 },
};

/** How long one mitata sample (a batch of calls) should last, in ns. */
const SAMPLE_TARGET_NS = 1e6;

/**
 * A variant is { name, side: 'ctxkit' | 'native' | 'reference', make, perOp?, heavy?, skip? }:
 * - make(): returns (or resolves to) what mitata measures: a function, or a
 *   generator function with computed parameters. It is called afresh every
 *   round, so state such as a long-lived parent lives for one measurement only;
 * - perOp: how many operations one call performs (children in a fan-out), to
 *   report the cost per operation;
 * - heavy: one call takes long (100s of ms to s): one sample per round, and
 *   only in the first settings.heavyRounds rounds;
 * - options: extra mitata options (batch_samples, …);
 * - skip: a reason not to run it at all, reported instead of a figure;
 * - note: a longer explanation for the report's notes.
 */
export async function compareVariants(variants, settings) {
  const perRound = new Map(variants.map((v) => [v.name, []]));
  const errors = new Map();
  const batches = new Map();
  const runnable = variants.filter((v) => v.skip === undefined);
  for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
    const warmup = round < settings.warmupRounds;
    const order = round % 2 === 0 ? runnable : [...runnable].reverse();
    for (const variant of order) {
      if (errors.has(variant.name)) continue;
      if (variant.heavy && round >= settings.warmupRounds + settings.heavyRounds) continue;
      try {
        const ns = await timeVariant(variant, settings, warmup, batches);
        if (!warmup) perRound.get(variant.name).push(ns / (variant.perOp ?? 1));
      } catch (error) {
        errors.set(variant.name, `${error?.name ?? 'Error'}: ${error?.message ?? error}`);
      }
    }
  }
  return summarizeVariants(variants, perRound, errors);
}

/** One mitata measurement of one variant; returns its median time per call in ns. */
async function timeVariant(variant, settings, warmup, batches) {
  const target = await variant.make();
  const options = { min_cpu_time: (warmup ? settings.minCpuTimeMs / 4 : settings.minCpuTimeMs) * 1e6 };
  if (variant.heavy) {
    // mitata makes one warm-up call, then this one sample.
    options.min_samples = 1;
    options.min_cpu_time = 0;
  } else if (isPlainFunction(target)) {
    if (!batches.has(variant.name)) batches.set(variant.name, await calibrateBatch(target));
    options.batch_samples = batches.get(variant.name);
  }
  Object.assign(options, variant.options);
  const stats = await measure(target, options);
  variant.cleanup?.();
  return stats.p50;
}

function isPlainFunction(f) {
  return typeof f === 'function' && f.length === 0 && f.constructor.name === 'Function';
}

/**
 * Calls per mitata sample, so that a sample lasts about SAMPLE_TARGET_NS: fast
 * operations get mitata's full batch of 4096, slow ones (native, µs) a small
 * batch, so a measurement is not stretched to 12 × 4096 slow calls.
 */
async function calibrateBatch(fn) {
  const probe = await measure(fn, { min_cpu_time: 2e6, min_samples: 2, batch_samples: 16, gc: false });
  const calls = Math.round(SAMPLE_TARGET_NS / Math.max(probe.p50, 1) / 4) * 4;
  return Math.min(4096, Math.max(4, calls));
}

/** Per-variant medians, and ratios ctxkit ÷ native as medians of per-round ratios. */
function summarizeVariants(variants, perRound, errors) {
  const result = variants.map((v) => ({
    name: v.name,
    side: v.side,
    perOp: v.perOp ?? 1,
    median: v.skip === undefined && !errors.has(v.name) ? median(perRound.get(v.name)) : null,
    rounds: perRound.get(v.name),
    failed: v.skip ?? errors.get(v.name) ?? null,
    note: v.note,
  }));
  const ratios = {};
  for (const c of variants.filter((v) => v.side === 'ctxkit')) {
    ratios[c.name] = {};
    for (const n of variants.filter((v) => v.side === 'native')) {
      const a = perRound.get(c.name);
      const b = perRound.get(n.name);
      const pairs = Math.min(a.length, b.length);
      ratios[c.name][n.name] = pairs === 0 ? null : median(a.slice(0, pairs).map((x, i) => x / b[i]));
    }
  }
  return { variants: result, ratios };
}
