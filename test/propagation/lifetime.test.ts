/**
 * Nothing is left behind on a long-lived context: every call's child context is
 * released, and collectable, once its response is finished with.
 */
import { getEventListeners } from 'node:events';
import { background, withCancel, withTimeout, type CancelFunc, type Context } from '../../src/index.js';
import { fetchWithContext, type FetchLike } from '../../src/propagation/index.js';
import { collectGarbage, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/partial') {
      res.writeHead(200).write('partial'); // the rest never comes
      return;
    }
    res.writeHead(200).end('ok');
  });
});
afterAll(() => server.close());

/** A fetch that keeps only weak references to the signals it was given. */
function weakRecordingFetch(): { fetch: FetchLike; refs: Array<WeakRef<AbortSignal>> } {
  const refs: Array<WeakRef<AbortSignal>> = [];
  const fetch: FetchLike = (input, init) => {
    refs.push(new WeakRef(init!.signal!));
    return globalThis.fetch(input, init);
  };
  return { fetch, refs };
}

const alive = (refs: Array<WeakRef<object>>): number => refs.filter((r) => r.deref() !== undefined).length;

describe('the core behaviour fetchWithContext relies on', () => {
  // A child whose signal was read is attached to its parent until it is done;
  // cancelling it detaches it, so a long-lived parent keeps nothing of it.
  function children(parent: Context, n: number, make: (p: Context) => [Context, CancelFunc], cancelThem: boolean): Array<WeakRef<AbortSignal>> {
    const refs: Array<WeakRef<AbortSignal>> = [];
    for (let i = 0; i < n; i++) {
      const [child, cancel] = make(parent);
      refs.push(new WeakRef(child.signal));
      if (cancelThem) cancel();
    }
    return refs;
  }

  test.each([
    ['withCancel', (p: Context) => withCancel(p)],
    ['withTimeout', (p: Context) => withTimeout(p, 60_000)],
  ])('%s children: pinned by a live parent until cancelled, collectable after', async (_name, make) => {
    const [parent, cancelParent] = withCancel(background());
    const cancelled = children(parent, 200, make, true);
    const live = children(parent, 200, make, false);
    await collectGarbage();
    expect(alive(cancelled)).toBe(0);
    expect(alive(live)).toBe(200); // the control: what is not released stays
    cancelParent();
    await collectGarbage();
    expect(alive(live)).toBe(0);
  });
});

describe('fetchWithContext on a long-lived context', () => {
  test.each([
    ['without a per-hop timeout', {}],
    ['with a per-hop timeout', { timeoutMs: 60_000 }],
  ])('after many calls %s, no child and no listener is left', async (_name, options) => {
    const [ctx, cancel] = withTimeout(background(), 10 * 60_000);
    const rec = weakRecordingFetch();
    const n = 300;
    for (let i = 0; i < n; i++) {
      const res = await fetchWithContext(ctx, `${server.url}/`, { ...options, fetch: rec.fetch });
      expect(await res.text()).toBe('ok');
    }
    expect(rec.refs).toHaveLength(n);
    expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0); // fetch never saw the context's own signal
    await collectGarbage();
    // A call still registered on ctx would keep its signal; undici keeps its last request's
    // (a plain fetch with an AbortController of its own shows the same), so one may stay.
    expect(alive(rec.refs)).toBeLessThanOrEqual(1);
    expect(ctx.err()).toBeUndefined();
    cancel();
  });

  test('a response dropped unread is released once it is garbage-collected', async () => {
    const [ctx, cancel] = withCancel(background());
    const rec = weakRecordingFetch();
    const before = server.seen.length;
    let strong: AbortSignal | undefined;
    await (async () => {
      const res = await fetchWithContext(ctx, `${server.url}/partial`, { fetch: rec.fetch });
      strong = rec.refs[0].deref();
      expect(res.status).toBe(200);
      expect(strong!.aborted).toBe(false);
    })();
    // The response, and with it the wrapped body, is now unreachable.
    for (let i = 0; i < 20 && !strong!.aborted; i++) await collectGarbage();
    expect(strong!.aborted).toBe(true);
    await server.seen[before].closed; // and the connection was torn down
    cancel();
  });
});
