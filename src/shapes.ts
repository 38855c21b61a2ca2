/**
 * Keeps one finished instance of each object the hottest paths make alive for
 * as long as ctxkit is loaded.
 *
 * V8's optimised code embeds the hidden classes ("maps") of the objects it
 * creates. When no live object has one of those maps any more, a full garbage
 * collection frees it, and every function that embedded it is deoptimised
 * ("reason: weak objects"): withCancel and withTimeout then cost 5-20 times as
 * much until V8 optimises them again. A server whose requests come and go runs
 * full collections all day, so without this the cost users saw was the slow
 * one. The instances are made the way the hot paths make them (a child of
 * background(), cancelled), so the type feedback they leave is the one those
 * paths produce anyway: feeding every kind through the tree here would make
 * its call sites polymorphic and every context slower.
 */
import { background } from './kinds/background.js';
import { withCancel, withCancelCause } from './kinds/cancel.js';
import { withTimeout } from './kinds/deadline.js';

function keepers(): unknown[] {
  const root = background();
  const plain = withCancel(root);
  const withCause = withCancelCause(root);
  const timed = withTimeout(root, 3_600_000);
  for (const [, cancel] of [plain, withCause, timed]) cancel();
  return [plain, withCause, timed];
}

/** The kept instances (exported so that no bundler drops them as unused). */
export const SHAPES: readonly unknown[] = keepers();
