// Part two of `npm run demo`: the chain client → A → B → C as four processes
// on 127.0.0.1, and the timeline of three requests: one that completes, one
// the client abandons, one that runs out of budget. The client is this
// process, itself a ctxkit program: its context gives each request its budget
// and its request id, and fetchWithContext sends both.
import { background, cause, withCancelCause, withTimeout, withValue } from 'ctxkit';
import { fetchWithContext } from 'ctxkit/propagation';
import { carriedValues, requestId } from './handler.mjs';
import launch from '../../test/e2e/hop-processes.cjs';
import { formatTimeline } from './timeline.mjs';

const { monoNow, startChain } = launch;

/** The margin each hop keeps from the budget it passes on (ms). */
const MARGIN_MS = 20;

/** runChainDemo starts the chain, prints the three timelines, and stops the chain, whatever happens. */
export async function runChainDemo() {
  console.log('\n== Part two: a chain of processes ==');
  console.log('client → A (node:http) → B (Express) → C (node:http), each a process of its own on 127.0.0.1.');
  console.log(`Each hop works for a while (a cancellable sleep), then calls the next with fetchWithContext,`);
  console.log(`passing what is left of its budget less a ${MARGIN_MS} ms margin, and the request id (ctxkit-values).`);
  // Node loads its fetch on first use: load it now, not inside the first request's timeline.
  void globalThis.Headers;
  const chain = await startChain([
    { name: 'A', marginMs: MARGIN_MS },
    { name: 'B', framework: 'express', marginMs: MARGIN_MS },
    { name: 'C' },
  ]);
  try {
    const hopNames = new Map(chain.all.map((hop) => [hop.url, hop.name]));
    const demo = { chain, hopNames };
    await completes(demo);
    await abandoned(demo);
    await outOfBudget(demo);
    const exits = await chain.stop();
    const outcomes = chain.all.map((hop, i) => `${hop.name}: ${hop.events.find((e) => e.event === 'stopped')?.outcome ?? 'killed'}, exit ${exits[i].code}`);
    console.log(`\nSIGTERM to every hop: graceful shutdown (${outcomes.join('; ')}).`);
  } finally {
    chain.kill();
  }
}

/** 1. Enough budget for everyone: 200 through the chain. */
async function completes(demo) {
  const [ctx, cancel] = withTimeout(withValue(background(), requestId, 'demo-1'), 1_000);
  await request(demo, '1. A request that completes (1000 ms budget; A, B and C work 30, 30, 60 ms)', ctx, '/?work=A:30,B:30,C:60');
  cancel();
}

/** 2. The client gives up while C works: every hop's context ends with ClientDisconnected. */
async function abandoned(demo) {
  const [ctx, giveUp] = withCancelCause(withValue(background(), requestId, 'demo-2'));
  const C = demo.chain.hops.C;
  C.waitForEvent('work-started', 'demo-2').then(
    () => setTimeout(() => giveUp(new Error('the user closed the tab')), 50),
    () => giveUp(),
  );
  await request(demo, '2. A request the client abandons (C would work 2000 ms; the client gives up 50 ms into it)', ctx, '/?work=A:30,B:30,C:2000');
  console.log('  (Each hop reports after cancelling its own call to the next, so a hop further down may report first.)');
}

/** 3. 200 ms is not enough: C stops at its deadline, before the client's, and A answers 504. */
async function outOfBudget(demo) {
  // The client waits 250 ms and keeps 50 for itself: the chain gets 200.
  const [ctx, cancel] = withTimeout(withValue(background(), requestId, 'demo-3'), 250);
  await request(demo, '3. A request that runs out of budget (the client sends 200 ms; C would work 1000 ms)', ctx, '/?work=A:30,B:30,C:1000', 50);
  cancel();
}

/** Sends one request for ctx, waits until every hop has finished with it, and prints its timeline. */
async function request({ chain, hopNames }, title, ctx, path, marginMs = 0) {
  const id = ctx.value(requestId);
  const client = [];
  const note = (text) => client.push({ hop: 'client', event: 'note', at: monoNow(), text });
  const startAt = monoNow();
  note(`sends GET ${path} ${budgetText(ctx, marginMs)}`);
  try {
    const response = await fetchWithContext(ctx, `${chain.entry.url}${path}`, { values: carriedValues, marginMs });
    const body = await response.text();
    note(`got ${response.status}${response.ok ? `: ${body}` : ''}`);
  } catch (error) {
    note(`stopped waiting: err=${ctx.err()?.message}, cause=${cause(ctx)?.message ?? error}`);
  }
  const hopsEvents = await Promise.all(
    chain.all.map(async (hop) => {
      await Promise.all([hop.waitForEvent('context-done', id), hop.waitForEvent('responded', id)]);
      return hop.eventsFor(id);
    }),
  );
  console.log(`\n${title}`);
  for (const line of formatTimeline([...client, ...hopsEvents.flat()], startAt, hopNames)) console.log(line);
}

/** What the client says about the budget it sends. */
function budgetText(ctx, marginMs) {
  const deadline = ctx.deadline();
  if (deadline === undefined) return 'with no deadline (each hop applies its own budget)';
  const left = Math.round(deadline.getTime() - Date.now());
  return marginMs === 0 ? `with its ${left} ms budget` : `with ${left - marginMs} ms of its ${left} ms budget (it keeps ${marginMs} ms for itself)`;
}
