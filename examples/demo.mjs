// A request tree in one process: a request id carried as a value, a budget
// that shrinks for each call, a call cancelled with a cause, and what each
// context reports afterwards. Then the same across processes: the chain
// client → A → B → C on loopback (examples/chain/). Run it with `npm run demo`.
import {
  afterFunc,
  background,
  cause,
  createKey,
  sleep,
  withCancelCause,
  withTimeout,
  withValue,
} from 'ctxkit';
import { runChainDemo } from './chain/demo-chain.mjs';

const requestId = createKey('requestId');
const started = Date.now();
const log = (ctx, what) =>
  console.log(`${String(Date.now() - started).padStart(4)} ms  [${ctx.value(requestId)}] ${what}`);

/** One downstream call: works for `ms`, unless its context is done first. */
async function call(ctx, name, ms) {
  log(ctx, `${name}: start (deadline in ${ctx.deadline() ? ctx.deadline() - Date.now() : '∞'} ms)`);
  try {
    await sleep(ctx, ms);
    log(ctx, `${name}: done`);
  } catch (reason) {
    log(ctx, `${name}: stopped: err=${ctx.err().message}, cause=${reason.message ?? reason}`);
  }
}

async function handleRequest(parent, id) {
  // The request: a value and a 500 ms budget (the steps below take about 200
  // ms, leaving room for a busy machine). Always cancel what you create (in
  // TypeScript, `using request = withTimeout(...)` does it for you).
  const [ctx, cancelRequest] = withTimeout(withValue(parent, requestId, id), 500);
  afterFunc(ctx, () => log(ctx, `request context done: ${ctx.err().message}`));
  try {
    await serve(ctx);
  } finally {
    cancelRequest();
  }
  log(ctx, `request: err=${ctx.err()?.message}, cause=${cause(ctx)?.message}, path=${ctx}`);
}

async function serve(ctx) {
  // 1. A call that fits in the budget.
  await call(ctx, 'user lookup', 50);

  // 2. A call with its own, shorter budget: it runs out.
  {
    const [callCtx, cancel] = withTimeout(ctx, 100);
    await call(callCtx, 'recommendations (100 ms budget, needs 200)', 200);
    cancel();
  }

  // 3. Two calls racing; the first to finish cancels the other, with a cause.
  const [raceCtx, cancelRace] = withCancelCause(ctx);
  await Promise.all([
    call(raceCtx, 'mirror A', 40).then(() => cancelRace(new Error('mirror A answered first'))),
    call(raceCtx, 'mirror B', 150),
  ]);
  log(ctx, `cause of the race context: ${cause(raceCtx).message}`);

  // 4. Whatever is left of the request budget runs out here.
  await call(ctx, 'report (needs 1000)', 1_000);
}

console.log('== Part one: a request tree in one process ==');
await handleRequest(background(), 'r-1');

await runChainDemo();
