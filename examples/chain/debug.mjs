// The hop's debug endpoint (GET /_debug/stats, only with --debug): what is
// left in the process, for the e2e test's leak check. Run the hop under
// --expose-gc for heap figures after full collections.
import { getEventListeners } from 'node:events';
import { pendingDeadlines } from 'ctxkit/testing';

export const STATS_PATH = '/_debug/stats';

/**
 * createDebugStats tracks request contexts by WeakRef and returns:
 * - `track(ctx)`: remember one request context (without keeping it alive);
 * - `snapshot()`: after full collections, how many contexts tracked since the
 *   last snapshot are still alive, the heap, the listeners on each
 *   server-lifetime context's signal, pending deadlines, and the resources
 *   keeping the event loop alive.
 */
export function createDebugStats({ serverContexts, activity }) {
  let refs = [];
  return {
    track(ctx) {
      refs.push(new WeakRef(ctx));
    },
    async snapshot() {
      await collectGarbage();
      const tracked = refs.length;
      const alive = refs.filter((ref) => ref.deref() !== undefined).length;
      // Forget them before the heap is measured, so that it never counts them.
      refs = [];
      await collectGarbage();
      return {
        gc: typeof globalThis.gc === 'function',
        heapUsed: process.memoryUsage().heapUsed,
        contextsTracked: tracked,
        contextsAlive: alive,
        serverSignalListeners: Object.fromEntries(Object.entries(serverContexts).map(([name, ctx]) => [name, getEventListeners(ctx.signal, 'abort').length])),
        pendingDeadlines: pendingDeadlines(),
        activity: { ...activity },
        activeResources: process.getActiveResourcesInfo(),
      };
    },
  };
}

/** Full collections, with turns of the event loop between them for finalizers and WeakRefs. */
async function collectGarbage() {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc?.();
  }
}

/** Answers a stats request with the snapshot as JSON. */
export async function answerStats(stats, res) {
  const body = JSON.stringify(await stats.snapshot());
  res.setHeader('content-type', 'application/json');
  res.end(body);
}
