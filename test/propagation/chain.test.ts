/**
 * The pieces together, on real node:http servers: client -> A -> B -> C, each
 * hop deriving its request context with incomingDeadline and calling the next
 * with fetchWithContext. Budgets shrink hop by hop; C runs out first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DeadlineExceeded, background, createKey, type Context } from '../../src/index.js';
import { MalformedDeadlineError, carry, fetchWithContext, incomingDeadline, valuesHeader } from '../../src/propagation/index.js';
import { startServer, type TestServer } from './helpers.js';

const requestId = createKey<string>('requestId');
const values = valuesHeader([carry('request-id', requestId)]);

interface HopReport {
  received: number | undefined;
  requestId: string | undefined;
  outcome: string;
}

/** A server that applies the caller's deadline, then calls `next` (or waits for its context to end, if last). */
function hop(reports: HopReport[], next: () => string | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let d: ReturnType<typeof incomingDeadline>;
    try {
      d = incomingDeadline(background(), req.headers, { maxTimeoutMs: 10_000 });
    } catch (e) {
      res.writeHead(e instanceof MalformedDeadlineError ? 400 : 500).end();
      return;
    }
    const ctx: Context = values.extract(d.ctx, req.headers);
    const report: HopReport = { received: d.requestedMs, requestId: ctx.value(requestId), outcome: 'pending' };
    reports.push(report);
    const url = next();
    try {
      if (url === undefined) {
        await ctx.done(); // the last hop "works" until its budget is gone
        throw ctx.err();
      }
      const downstream = await fetchWithContext(ctx, url, { marginMs: 20, values });
      const body = await downstream.text();
      report.outcome = `ok ${downstream.status}`;
      res.writeHead(downstream.status).end(body);
    } catch (e) {
      report.outcome = e === DeadlineExceeded ? 'deadline' : String(e);
      res.writeHead(e === DeadlineExceeded ? 504 : 500).end();
    } finally {
      d.cancel();
    }
  };
}

let a: TestServer, b: TestServer, c: TestServer;
const reports: Record<'a' | 'b' | 'c', HopReport[]> = { a: [], b: [], c: [] };

beforeAll(async () => {
  c = await startServer(hop(reports.c, () => undefined));
  b = await startServer(hop(reports.b, () => `${c.url}/`));
  a = await startServer(hop(reports.a, () => `${b.url}/`));
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('a 1000 ms budget shrinks hop by hop, the last hop stops first, and A answers 504', async () => {
  const started = Date.now();
  const res = await fetch(`${a.url}/`, { headers: { 'ctxkit-timeout-ms': '1000', 'ctxkit-values': 'request-id=req-7' } });
  const elapsed = Date.now() - started;
  expect(res.status).toBe(504);
  await res.arrayBuffer();

  const [ra] = reports.a;
  const [rb] = reports.b;
  const [rc] = reports.c;
  expect(ra.received).toBe(1000);
  // Each hop passes on less than it got: at least the 20 ms margin less.
  expect(rb.received).toBeLessThanOrEqual(1000 - 20);
  expect(rc.received).toBeLessThanOrEqual(rb.received! - 20);
  expect(rc.received).toBeGreaterThan(0);
  // The request id crossed every hop.
  expect([ra.requestId, rb.requestId, rc.requestId]).toEqual(['req-7', 'req-7', 'req-7']);
  // C ran out of budget; B's call to C failed with DeadlineExceeded locally,
  // whichever came first of C's 504 and B's own deadline; so did A's.
  expect(rc.outcome).toBe('deadline');
  expect(['deadline', 'ok 504']).toContain(rb.outcome);
  expect(['deadline', 'ok 504']).toContain(ra.outcome);
  // The whole chain ended within the client's budget, give or take a loaded machine.
  expect(elapsed).toBeLessThan(5000);
});
