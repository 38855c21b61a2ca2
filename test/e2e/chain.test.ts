/**
 * The real thing: client → A → B → C, four processes on loopback. The test
 * process is the client; A, B and C are examples/chain/hop.mjs processes
 * (A on node:http and HTTP/2 with fromRequest, B on Express 5 with
 * expressAdapter, C on node:http), each reading the caller's deadline header,
 * working, and calling the next hop with fetchWithContext. Each hop reports
 * what happens on stdout (JSON lines); the assertions are on those reports,
 * on the answers, and on each hop's debug stats.
 *
 * The machine is shared and may be busy: bounds are generous, budgets are set
 * from the chain's measured round trip, and the assertions are about outcomes,
 * orderings and figures the hops reported, not about how fast things are. The
 * cancellation latency is measured by bench/servers.mjs, not here. The hops are
 * started and followed by hop-processes.cjs.
 */
import http from 'node:http';
import http2 from 'node:http2';
import { monoNow, startChain, startHop, type Chain, type HopEvent, type HopProcess } from './hop-processes.cjs';
import { hopStats, send, startRequest, type HopStats } from './client.js';

/**
 * Subtracted by A and B from the budget they pass on. A deadline header is
 * relative, so the time a request takes from one hop to the next is added to
 * the next hop's deadline: the margin must exceed it for each hop's deadline
 * to come before its caller's, even on a busy machine.
 */
const MARGIN_MS = 250;
/** The longest deadline a caller may ask for. */
const MAX_TIMEOUT_MS = 5_000;

let chain: Chain;
let A: HopProcess, B: HopProcess, C: HopProcess;

beforeAll(async () => {
  chain = await startChain([
    { name: 'A', h2: true, debug: true, marginMs: MARGIN_MS, maxTimeoutMs: MAX_TIMEOUT_MS },
    { name: 'B', framework: 'express', debug: true, marginMs: MARGIN_MS, maxTimeoutMs: MAX_TIMEOUT_MS },
    { name: 'C', debug: true, maxTimeoutMs: MAX_TIMEOUT_MS },
  ]);
  ({ A, B, C } = chain.hops);
}, 60_000);

afterAll(() => chain?.kill());

/** Each hop's event `name` about request `id`, waiting for those not reported yet. */
function eachHop(hops: HopProcess[], name: string, id: string): Promise<HopEvent[]> {
  return Promise.all(hops.map((hop) => hop.waitForEvent(name, id)));
}

/** Polls a hop's stats until no handler runs; resolves with them. */
async function idleStats(hop: HopProcess): Promise<HopStats> {
  const started = Date.now();
  for (;;) {
    const stats = await hopStats(hop.port);
    if (stats.activity.handlers === 0 || Date.now() - started > 10_000) return stats;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once `check()` is true; rejects after `timeoutMs`. */
async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The slowest of `n` requests through the whole chain with no work, in ms: what the chain itself costs now. */
async function slowestRoundTrip(n: number): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < n; i++) {
    const started = monoNow();
    const reply = await send(A.port, '/?work=A:0,B:0,C:0', { id: `round-trip-${i}` });
    expect(reply.status).toBe(200);
    slowest = Math.max(slowest, monoNow() - started);
  }
  return slowest;
}

/** Nothing of past requests runs in the hop: no handler, no work, no deadline, no timer. */
function expectNothingRunning(stats: HopStats): void {
  expect(stats.activity).toEqual({ handlers: 0, working: 0 });
  expect(stats.pendingDeadlines).toBe(0);
  expect(stats.activeResources.filter((r) => r === 'Timeout')).toEqual([]);
}

describe('client → A → B → C', () => {
  test('the client aborts mid-request: every hop ends with ClientDisconnected, C promptly, and nothing is left running', async () => {
    const id = 'abort-1';
    const pending = startRequest(A.port, '/?work=C:20000', { id });
    pending.reply.catch(() => undefined);
    await C.waitForEvent('work-started', id);
    const abortedAt = monoNow();
    pending.req.destroy();

    const [doneA, doneB, doneC] = await eachHop([A, B, C], 'context-done', id);
    const latencyMs = doneC.at - abortedAt;
    process.stdout.write(`e2e: client abort → C's context done in ${latencyMs.toFixed(1)} ms\n`);
    expect(latencyMs).toBeLessThan(1_000);
    for (const done of [doneA, doneB, doneC]) expect(done).toMatchObject({ err: 'context canceled', cause: 'ClientDisconnectedError' });
    // Each hop's context ended after the abort, not on some earlier event. (Not
    // "each after its caller's": a hop reports its end in a microtask after
    // cancelling its outgoing call, and the next hop may see that first.)
    for (const done of [doneA, doneB, doneC]) expect(done.at).toBeGreaterThanOrEqual(abortedAt);

    // A and B's calls were cut with the disconnect as the reason; C's work stopped; nobody answered.
    for (const hop of [A, B]) expect(await hop.waitForEvent('call-failed', id)).toMatchObject({ error: 'ClientDisconnectedError', cause: 'ClientDisconnectedError' });
    expect(await C.waitForEvent('work-stopped', id)).toMatchObject({ err: 'context canceled', cause: 'ClientDisconnectedError' });
    for (const responded of await eachHop([A, B, C], 'responded', id)) expect(responded.status).toBeNull();

    for (const hop of [A, B, C]) expectNothingRunning(await idleStats(hop));
    expect(C.find('work-done', id)).toBeUndefined();
  });

  test('a budget shrinks hop by hop; C stops at its own deadline and A answers 504', async () => {
    // The budget is set from what a request through the chain costs on this
    // machine now, so that C receives the request with time left however busy
    // the machine is: the margins, the work, and four times the slowest of
    // three round trips, with 150 ms left for C.
    const roundTripMs = await slowestRoundTrip(3);
    const budget = Math.ceil(2 * MARGIN_MS + 20 + 4 * roundTripMs + 150);
    const id = 'budget-1';
    const reply = await send(A.port, '/?work=A:10,B:10,C:60000', { id, headers: { 'ctxkit-timeout-ms': String(budget) } });
    expect(reply.status).toBe(504);

    const [receivedA, receivedB, receivedC] = await eachHop([A, B, C], 'received', id);
    const [budgetA, budgetB, budgetC] = [receivedA!, receivedB!, receivedC!].map((e) => e.budgetMs as number) as [number, number, number];
    expect(budgetA).toBeLessThanOrEqual(budget);
    // Each hop passes on what is left, less the margin (+1: the header rounds up).
    expect(budgetB).toBeLessThanOrEqual(budgetA - MARGIN_MS + 1);
    expect(budgetC).toBeLessThanOrEqual(budgetB - MARGIN_MS + 1);
    expect(budgetC).toBeGreaterThan(0);

    // C's work was stopped by its own deadline, not by a cancel from upstream (that would be ClientDisconnected).
    const stopped = await C.waitForEvent('work-stopped', id);
    expect(stopped).toMatchObject({ err: 'context deadline exceeded', cause: 'DeadlineExceededError' });
    process.stdout.write(`e2e: ${budget} ms budget (round trip ${roundTripMs.toFixed(1)} ms); C stopped ${(receivedA!.at + budgetA - stopped.at).toFixed(1)} ms before A's deadline\n`);
    expect(C.find('work-done', id)).toBeUndefined();
    const responded = await eachHop([A, B, C], 'responded', id);
    expect(responded.map((e) => e.status)).toEqual([504, 504, 504]);
  });

  test('no false abort: a POST body is read by every hop, then slow work, then success', async () => {
    const id = 'post-1';
    const body = Buffer.alloc(256 * 1024, 'x');
    const reply = await send(A.port, '/?work=A:100,B:100,C:100', { id, method: 'POST', body });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ id, hops: ['A', 'B', 'C'], bytes: [body.length, body.length, body.length] });
    for (const read of await eachHop([A, B, C], 'body-read', id)) expect(read.bytes).toBe(body.length);
    await eachHop([A, B, C], 'work-done', id);
    for (const done of await eachHop([A, B, C], 'context-done', id)) expect(done.cause).toBe('ResponseFinishedError');
  });

  test('no false abort: sequential requests reuse one keep-alive connection, and all succeed', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const replies = [];
      for (let i = 0; i < 5; i++) replies.push(await send(A.port, '/?work=A:30,B:30,C:30', { id: `keep-alive-${i}`, agent }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(replies.map((r) => r.reusedSocket)).toEqual([false, true, true, true, true]);
      for (let i = 0; i < 5; i++) {
        for (const done of await eachHop([A, B, C], 'context-done', `keep-alive-${i}`)) expect(done.cause).toBe('ResponseFinishedError');
      }
    } finally {
      agent.destroy();
    }
  });

  test('no false abort: HTTP/2 sibling streams on one session: one reset ends only its own request, the other completes', async () => {
    const session = http2.connect(`http://127.0.0.1:${A.h2Port}`);
    session.on('error', () => undefined);
    try {
      const open = (id: string) => {
        const stream = session.request({ ':path': '/?work=C:1000', 'ctxkit-values': `request-id=${id}` });
        stream.on('error', () => undefined);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        const status = new Promise<number>((resolve) => stream.on('response', (headers) => resolve(headers[':status'] as number)));
        const ended = new Promise<string>((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks).toString())));
        stream.end();
        return { stream, status, ended };
      };
      const reset = open('h2-reset');
      const sibling = open('h2-sibling');
      await Promise.all([C.waitForEvent('work-started', 'h2-reset'), C.waitForEvent('work-started', 'h2-sibling')]);
      reset.stream.close(http2.constants.NGHTTP2_CANCEL);

      for (const done of await eachHop([A, B, C], 'context-done', 'h2-reset')) expect(done.cause).toBe('ClientDisconnectedError');
      expect(await sibling.status).toBe(200);
      expect(JSON.parse(await sibling.ended)).toMatchObject({ id: 'h2-sibling', hops: ['A', 'B', 'C'] });
      expect(await C.waitForEvent('work-done', 'h2-sibling')).toMatchObject({ ms: 1000 });
      for (const done of await eachHop([A, B, C], 'context-done', 'h2-sibling')) expect(done.cause).toBe('ResponseFinishedError');
    } finally {
      session.close();
    }
  });

  describe.each([
    ['A (node:http)', () => A, () => B],
    ['B (Express)', () => B, () => C],
  ])('the bad-header table, sent straight to %s', (_label, target, downstream) => {
    const path = '/?work=A:20,B:20,C:0';
    const malformed: [string, string | string[]][] = [
      ['1e3', '1e3'],
      ['0x10', '0x10'],
      ['-5', '-5'],
      ['"5, 7" as one value', '5, 7'],
      ['5 and 7 as two header lines', ['5', '7']],
      ['Infinity', 'Infinity'],
      ['empty', ''],
      ['11 digits', '12345678901'],
    ];

    test.each(malformed)('%s: 400, before any work and without calling the next hop', async (label, value) => {
      const id = `bad-${target().name}-${label.replace(/\W+/g, '-')}`;
      const reply = await send(target().port, path, { id, headers: { 'ctxkit-timeout-ms': value } });
      expect(reply.status).toBe(400);
      const rejected = await target().waitFor((e) => e.event === 'rejected' && e.header === (Array.isArray(value) ? value.join(', ') : value));
      expect(rejected.error).toBe('MalformedDeadlineError');
      expect(target().eventsFor(id)).toEqual([]);
      expect(downstream().eventsFor(id)).toEqual([]);
    });

    test('"0": the deadline has passed already: 504, and the next hop is never called', async () => {
      const id = `zero-${target().name}`;
      const reply = await send(target().port, path, { id, headers: { 'ctxkit-timeout-ms': '0' } });
      expect(reply.status).toBe(504);
      expect(await target().waitForEvent('context-done', id)).toMatchObject({ cause: 'DeadlineExceededError' });
      expect(downstream().eventsFor(id)).toEqual([]);
    });

    test('" 5 ": HTTP strips the spaces, so the server reads a valid 5 ms and answers 504', async () => {
      const id = `spaces-${target().name}`;
      const reply = await send(target().port, path, { id, headers: { 'ctxkit-timeout-ms': ' 5 ' } });
      expect(reply.status).toBe(504);
      const received = await target().waitForEvent('received', id);
      expect(received.header).toBe('5');
      expect(received.budgetMs).toBeLessThanOrEqual(5);
    });

    test('a huge valid value (9999999999 ms) is clamped to the server maximum, and the request succeeds', async () => {
      const id = `huge-${target().name}`;
      const reply = await send(target().port, path, { id, headers: { 'ctxkit-timeout-ms': '9999999999' } });
      expect(reply.status).toBe(200);
      const received = await target().waitForEvent('received', id);
      expect(received.budgetMs).toBeLessThanOrEqual(MAX_TIMEOUT_MS);
      expect(received.budgetMs).toBeGreaterThan(MAX_TIMEOUT_MS - 1_000);
      // The next hop got what was left of the clamped budget, not ~115 days.
      expect(((await downstream().waitForEvent('received', id)).budgetMs as number)).toBeLessThanOrEqual(MAX_TIMEOUT_MS);
    });

    test('afterwards the hops are still running and serve as before', async () => {
      for (const hop of [A, B, C]) expect(hop.exit).toBeUndefined();
      const reply = await send(target().port, path, { id: `after-table-${target().name}` });
      expect(reply.status).toBe(200);
    });
  });

  test('SIGTERM: every hop drains, reports it, and exits by itself with code 0', async () => {
    for (const hop of [A, B, C]) expectNothingRunning(await idleStats(hop));
    const exits = await chain.stop();
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const hop of [A, B, C]) {
      expect(hop.events.find((e) => e.event === 'signal')).toMatchObject({ signal: 'SIGTERM' });
      expect(hop.events.find((e) => e.event === 'stopped')).toMatchObject({ outcome: 'drained' });
      expect(hop.output).toBe('');
    }
  });
});

describe('graceful shutdown of a hop with requests in flight', () => {
  let S: HopProcess;
  beforeAll(async () => {
    // The grace period leaves the quick request (300 ms of work, already started) time to finish on a busy machine.
    S = await startHop({ name: 'S', graceMs: 2_000 });
  }, 30_000);
  afterAll(() => S?.kill());

  test('SIGTERM: a request that ends within the grace period completes; one that would not is cancelled with ServerShutdown and answered 503', async () => {
    const quick = startRequest(S.port, '/?work=S:300', { id: 'in-grace' });
    const slow = startRequest(S.port, '/?work=S:60000', { id: 'past-grace' });
    await Promise.all([S.waitForEvent('work-started', 'in-grace'), S.waitForEvent('work-started', 'past-grace')]);
    const exit = S.stop();

    expect((await quick.reply).status).toBe(200);
    expect((await slow.reply).status).toBe(503);
    expect(await S.waitForEvent('context-done', 'in-grace')).toMatchObject({ cause: 'ResponseFinishedError' });
    expect(await S.waitForEvent('work-stopped', 'past-grace')).toMatchObject({ err: 'context canceled', cause: 'ServerShutdownError' });
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(S.events.find((e) => e.event === 'stopped')).toMatchObject({ outcome: 'cancelled' });
  });
});

describe('10,000 requests through one hop', () => {
  const ROUND = 10_000;
  /** One in this many requests is abandoned by its client mid-request. */
  const ABANDON_EVERY = 500;
  let L: HopProcess;

  beforeAll(async () => {
    L = await startHop({ name: 'L', debug: true, maxTimeoutMs: 60_000 }, { nodeFlags: ['--expose-gc'] });
  }, 30_000);
  afterAll(() => L?.kill());

  /** One request of the mix: GET, GET with a deadline header, POST with a body; every ABANDON_EVERY-th abandoned mid-request. */
  async function request(agent: http.Agent, id: string, i: number): Promise<void> {
    if (i % ABANDON_EVERY === 0) {
      const pending = startRequest(L.port, '/?work=L:60000', { id });
      pending.reply.catch(() => undefined);
      await L.waitForEvent('work-started', id);
      pending.req.destroy();
      return;
    }
    const kind = i % 3;
    const reply = await send(L.port, '/', {
      id,
      agent,
      method: kind === 2 ? 'POST' : 'GET',
      headers: kind === 1 ? { 'ctxkit-timeout-ms': '30000' } : {},
      body: kind === 2 ? 'y'.repeat(1024) : undefined,
    });
    if (reply.status !== 200) throw new Error(`${id}: status ${reply.status}`);
  }

  /** `n` requests, 10 at a time on a keep-alive agent; resolves once the hop has reported every context done. */
  async function round(prefix: string, n: number): Promise<Map<string, number>> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      for (let i = 0; i < n; i += 10) {
        const batch = [];
        for (let j = i; j < Math.min(n, i + 10); j++) batch.push(request(agent, `${prefix}-${j}`, j));
        await Promise.all(batch);
      }
    } finally {
      agent.destroy();
    }
    // Every context of the round ends, and the hop reports it: count them by cause.
    const ended = () => L.events.filter((e) => e.event === 'context-done' && e.id?.startsWith(`${prefix}-`));
    await waitUntil(() => ended().length === n, 30_000, `${n} "context-done" of round ${prefix}`);
    const causes = new Map<string, number>();
    for (const e of ended()) causes.set(e.cause as string, (causes.get(e.cause as string) ?? 0) + 1);
    return causes;
  }

  test('leave no request context, listener or timer on the server-lifetime context, and the heap flat under --expose-gc', async () => {
    await round('warm-up', 2_000);
    const before = await hopStats(L.port);
    const causes = await round('measured', ROUND);
    const after = await hopStats(L.port);

    expect(after.gc).toBe(true);
    expect(Object.fromEntries(causes)).toEqual({ ResponseFinishedError: ROUND - ROUND / ABANDON_EVERY, ClientDisconnectedError: ROUND / ABANDON_EVERY });
    // Every request context made in the round is garbage: the server-lifetime context holds no child.
    expect(after.contextsTracked).toBe(ROUND);
    expect(after.contextsAlive).toBe(0);
    expect(after.serverSignalListeners).toEqual({ http: 0 });
    expect(after.pendingDeadlines).toBe(0);
    expect(after.activity).toEqual({ handlers: 0, working: 0 });
    expect(after.activeResources.filter((r) => r === 'Timeout')).toEqual([]);
    // Generous: one leaked context with its listeners is several hundred bytes, 10,000 of them several megabytes.
    const growth = after.heapUsed - before.heapUsed;
    process.stdout.write(`e2e: heap after ${ROUND} requests: ${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(0)} KiB\n`);
    expect(growth).toBeLessThan(2 * 1024 * 1024);

    expect(await L.stop()).toEqual({ code: 0, signal: null });
  }, 180_000);
});
