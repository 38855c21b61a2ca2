/**
 * Keeps one finished instance of every object the hot paths make alive for as
 * long as ctxkit is loaded.
 *
 * V8's optimised code embeds the hidden classes ("maps") of the objects it
 * creates. When no live object has one of those maps any more, a full garbage
 * collection frees it, and every function that embedded it is deoptimised
 * ("reason: weak objects"): withCancel and withTimeout then cost 5-20 times as
 * much until V8 optimises them again. A server whose requests come and go runs
 * full collections all day, so without this the cost users saw was the slow
 * one. The kept instances are a few kilobytes.
 *
 * A kept instance only helps while its map is the current one. V8 replaces a
 * map when one of its fields first holds a value of another representation (a
 * fraction where integers were, an object where only undefined was), so every
 * field is first given each kind of value it will ever hold; the instances
 * kept are made after that, with the final maps.
 */
import { afterFunc } from './after-func.js';
import type { CancelCauseFunc, CancelFunc, Context } from './context.js';
import { background } from './kinds/background.js';
import { withCancel, withCancelCause } from './kinds/cancel.js';
import { withDeadline, withTimeout, withTimeoutCause } from './kinds/deadline.js';
import { withLinked } from './kinds/linked.js';
import { withSignal } from './kinds/signal.js';
import { withValue } from './kinds/value.js';
import { withoutCancel } from './kinds/without-cancel.js';

type Made = readonly [Context, CancelFunc | CancelCauseFunc];

/** Every kind of cancellable context, as a child of parent. */
function everyKind(parent: Context): Made[] {
  const later = Date.now() + 3_600_000;
  return [
    withCancel(parent),
    withCancelCause(parent),
    withTimeout(parent, 3_600_000),
    withDeadline(parent, later + 0.5),
    withTimeoutCause(parent, 3_600_000, 'late'),
    withLinked(parent, parent),
    withSignal(parent, new AbortController().signal),
  ];
}

/** Each kind under each kind of parent, observed or not, ended with each kind of cause. */
function exercise(): unknown[] {
  const made: unknown[] = [];
  const causes: unknown[] = [undefined, 1, 1.5, 'why', new Error('why'), null];
  const root = background();
  const parents: Context[] = [root, withValue(root, exercise, 0), withoutCancel(root)];
  const parentPairs = everyKind(root);
  for (const [parent] of parentPairs) parents.push(parent, withValue(parent, exercise, 1));
  let i = 0;
  for (const parent of parents) {
    for (const pair of everyKind(parent)) {
      const [ctx, cancel] = pair;
      if (i % 2 === 0) {
        void ctx.signal;
        void ctx.done();
        afterFunc(ctx, () => {});
        const [child] = withCancel(ctx);
        void child.signal;
        made.push(child);
      }
      (cancel as CancelCauseFunc)(causes[i++ % causes.length]);
      made.push(pair);
    }
  }
  for (const [, cancel] of parentPairs) cancel();
  return made;
}

exercise();

/** The kept instances (exported so that no bundler drops them as unused). */
export const SHAPES: readonly unknown[] = exercise();
