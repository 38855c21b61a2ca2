// Part two of `npm run demo`: the chain client → A → B → C as four processes
// on 127.0.0.1, and the timeline of three requests: one with budget to spare,
// one the client abandons, one whose budget runs out. The client is this
// process, itself a ctxkit program: its context gives each request its budget
// and its request id, and fetchWithContext sends both. Budgets are set from a
// measured round trip, and what each request's outcome line says is read from
// the hops' reports, so the output holds on a slow or busy machine too. The
// hops are started and followed by the e2e test's launcher.
import { background, cause, withCancelCause, withTimeout, withValue } from 'ctxkit';
import { fetchWithContext } from 'ctxkit/propagation';
import { carriedValues, requestId } from './handler.mjs';
import launch from '../../test/e2e/hop-processes.cjs';
import { formatTimeline } from './timeline.mjs';

const { monoNow, startChain, startHop } = launch;

/**
 * The least margin each hop keeps from the budget it passes on (ms). A
 * deadline header is relative, so the time a request takes to reach the next
 * hop is added to that hop's deadline: the margin is what keeps each hop's
 * deadline before its caller's. On a busy machine it is set larger, from a
 * measured round trip.
 */
const MIN_MARGIN_MS = 50;

/** runChainDemo starts the chain, prints the three timelines, and stops the chain, whatever happens. */
export async function runChainDemo() {
  console.log('\n== Part two: a chain of processes ==');
  console.log('client → A (node:http) → B (Express) → C (node:http), each a process of its own on 127.0.0.1.');
  console.log(`Each hop works for a while (a cancellable sleep), then calls the next with fetchWithContext,`);
  // One hop alone first: how long a request to one process takes here now sets the margin.
  const probe = await startHop({ name: 'probe' });
  const marginMs = await slowestRoundTrip(probe, 3).finally(() => probe.stop()).then((ms) => Math.max(MIN_MARGIN_MS, roundUp(3 * ms)));
  console.log(`passing what is left of its budget less a ${marginMs} ms margin, and the request id (ctxkit-values).`);
  const chain = await startChain([
    { name: 'A', marginMs },
    { name: 'B', framework: 'express', marginMs },
    { name: 'C' },
  ]);
  try {
    const hopNames = new Map(chain.all.map((hop) => [hop.url, hop.name]));
    const demo = { chain, hopNames, marginMs, roundTripMs: await slowestRoundTrip(chain.entry, 3) };
    console.log(`A request through the chain with no work takes up to ${Math.round(demo.roundTripMs)} ms on this machine now: the budgets below are set from it.`);
    await completes(demo);
    await abandoned(demo);
    await outOfBudget(demo);
    const exits = await chain.stop();
    const outcomes = chain.all.map((hop, i) => `${hop.name}: ${hop.events.find((e) => e.event === 'stopped')?.outcome ?? 'killed'}, exit ${exits[i].code}`);
    console.log(`\nSIGTERM to every hop; each stops taking requests and closes ("drained": nothing was cut short; "cancelled": its grace period ran out): ${outcomes.join('; ')}.`);
  } finally {
    chain.kill();
  }
}

/** The slowest of `n` requests with no work to `hop` (and the hops after it), in ms, after one that warms up (Node loads its fetch on first use). */
async function slowestRoundTrip(hop, n) {
  let slowest = 0;
  for (let i = 0; i <= n; i++) {
    const started = monoNow();
    const response = await fetch(`${hop.url}/?work=A:0,B:0,C:0`, { headers: { 'ctxkit-values': `request-id=warm-up-${i}` } });
    await response.text();
    if (i > 0) slowest = Math.max(slowest, monoNow() - started);
  }
  return slowest;
}

/** Rounds a figure in ms up to a multiple of 10, for budgets that read well. */
const roundUp = (ms) => Math.ceil(ms / 10) * 10;

/** 1. Ample budget for everyone. */
async function completes(demo) {
  // Within the 5000 ms a hop accepts from a caller by default (its maxTimeoutMs).
  const budget = Math.min(4_000, roundUp(1_000 + 10 * demo.roundTripMs));
  const [ctx, cancel] = withTimeout(withValue(background(), requestId, 'demo-1'), budget);
  const { status, events } = await request(demo, `1. A request with budget to spare (${budget} ms; A, B and C work 30, 30, 60 ms)`, ctx, '/?work=A:30,B:30,C:60');
  const left = ctx.deadline().getTime() - Date.now();
  cancel();
  outcome(status === 200 ? `it completed: the client got 200 with ${Math.round(left)} ms of its budget left` : `it did not complete: ${describeStatus(status)}`, events);
}

/** 2. The client gives up while C works. */
async function abandoned(demo) {
  const [ctx, giveUp] = withCancelCause(withValue(background(), requestId, 'demo-2'));
  const C = demo.chain.hops.C;
  C.waitForEvent('work-started', 'demo-2').then(
    () => setTimeout(() => giveUp(new Error('the user closed the tab')), 50),
    () => giveUp(),
  );
  const { events } = await request(demo, '2. A request the client abandons (no deadline; C would work 2000 ms; the client gives up 50 ms after it hears C has started)', ctx, '/?work=A:30,B:30,C:2000');
  console.log('  (Each hop reports after cancelling its own call to the next, so a hop further down may report first.)');
  const stopped = events.find((e) => e.hop === 'C' && e.event === 'work-stopped');
  outcome(stopped === undefined ? "C's work was not stopped" : `C's work stopped, cause ${stopped.cause}`, events);
}

/** 3. A budget too small for C's work: the budget shrinks at each hop, and the hop with the least left runs out first. */
async function outOfBudget(demo) {
  // Enough for A and B's work, the margins and the trip to C, with about 100 ms left for C.
  const { marginMs } = demo;
  const chainBudget = roundUp(60 + 2 * marginMs + 4 * demo.roundTripMs + 100);
  const workC = roundUp(Math.max(1_000, 3 * chainBudget));
  // The client keeps a margin of its own: it waits marginMs longer than the budget it sends.
  const [ctx, cancel] = withTimeout(withValue(background(), requestId, 'demo-3'), chainBudget + marginMs);
  const { status, events } = await request(
    demo,
    `3. A request whose budget runs out (the client sends ${chainBudget} ms; A and B work 30 ms each, C would work ${workC} ms)`,
    ctx,
    `/?work=A:30,B:30,C:${workC}`,
    marginMs,
  );
  cancel();
  const firstDeadline = events.find((e) => e.event === 'context-done' && e.cause === 'DeadlineExceededError');
  const ran = firstDeadline === undefined ? 'no hop ran out of budget' : `${firstDeadline.hop}'s deadline came first`;
  outcome(`${ran}; the client got ${describeStatus(status)}`, events);
}

/** Prints the request's outcome as the events show it: what each hop's context ended with. */
function outcome(text, events) {
  const ends = events.filter((e) => e.event === 'context-done').map((e) => `${e.hop} ${e.cause}`);
  console.log(`  → ${text}. Each hop's context ended: ${ends.join(', ')}.`);
}

/** A status as the client saw it: a number, or why there was none. */
const describeStatus = (status) => (typeof status === 'number' ? String(status) : `no answer (${status})`);

/** Sends one request for ctx, waits until every hop has finished with it, prints its timeline; returns the status the client got and the events, in order. */
async function request({ chain, hopNames }, title, ctx, path, marginMs = 0) {
  const id = ctx.value(requestId);
  const client = [];
  const note = (text) => client.push({ hop: 'client', event: 'note', at: monoNow(), text });
  const startAt = monoNow();
  note(`sends GET ${path} ${budgetText(ctx, marginMs)}`);
  let status;
  try {
    const response = await fetchWithContext(ctx, `${chain.entry.url}${path}`, { values: carriedValues, marginMs });
    const body = await response.text();
    status = response.status;
    note(`got ${response.status}${response.ok ? `: ${body}` : ''}`);
  } catch (error) {
    status = `stopped waiting: ${ctx.err()?.message}`;
    note(`stopped waiting: err=${ctx.err()?.message}, cause=${cause(ctx)?.message ?? error}`);
  }
  const hopsEvents = await Promise.all(
    chain.all.map(async (hop) => {
      await Promise.all([hop.waitForEvent('context-done', id), hop.waitForEvent('responded', id)]);
      if (hop.find('work-started', id) !== undefined) await hop.waitFor((e) => e.id === id && (e.event === 'work-done' || e.event === 'work-stopped'));
      return hop.eventsFor(id);
    }),
  );
  console.log(`\n${title}`);
  const events = [...client, ...hopsEvents.flat()].sort((a, b) => a.at - b.at);
  for (const line of formatTimeline(events, startAt, hopNames)) console.log(line);
  return { status, events };
}

/** What the client says about the budget it sends. */
function budgetText(ctx, marginMs) {
  const deadline = ctx.deadline();
  if (deadline === undefined) return 'with no deadline (each hop applies its own budget)';
  const left = Math.round(deadline.getTime() - Date.now());
  return marginMs === 0 ? `with its ${left} ms budget` : `with ${left - marginMs} ms of its ${left} ms budget (it keeps ${marginMs} ms for itself)`;
}
