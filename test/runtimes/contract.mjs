// The core's contract, runtime-neutral: plain ES module, no jest, no Node
// built-ins, no shims. Every runtime of the matrix (Node 20–26, Deno, Bun,
// workerd, Chromium) runs it against the ES-module build with its own timers,
// AbortSignal, promises, Headers, Request and streams. `runContract(ctxkit,
// propagation, web)` returns
// { passed, failed, failures, report }, `report` ending in 'N passed, N failed'.
//
// Left out on purpose: loops that never yield reading the clock (workerd's
// Date.now() advances only across I/O and timers, by design), worker threads,
// memory checks; the Node suites cover those.

/** Every test: [name, async fn(ctxkit, propagation, web)]. */
const tests = [];
const test = (name, fn) => tests.push([name, fn]);

class AssertionError extends Error {}
function ok(condition, message) {
  if (!condition) throw new AssertionError(message);
}
function is(actual, expected, message) {
  if (!Object.is(actual, expected)) throw new AssertionError(`${message}: expected ${show(expected)}, got ${show(actual)}`);
}
function show(x) {
  try {
    return typeof x === 'string' ? JSON.stringify(x) : String(x);
  } catch {
    return typeof x;
  }
}
function throwsTypeError(fn, pattern, message) {
  try {
    fn();
  } catch (e) {
    ok(e instanceof TypeError, `${message}: threw ${show(e)}, not a TypeError`);
    ok(pattern.test(e.message), `${message}: message ${show(e.message)} does not match ${pattern}`);
    return;
  }
  throw new AssertionError(`${message}: did not throw`);
}
/** Resolves true once p settles, false if it has not after ms (generous: "should happen" waits). */
function settlesWithin(p, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(p).then(() => true, () => true),
    new Promise((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SETTLE = 5000;

// ── the tree ───────────────────────────────────────────────────────────────
test('background is never done', ({ background }) => {
  const bg = background();
  is(bg.err(), undefined, 'err');
  is(bg.deadline(), undefined, 'deadline');
  is(bg.signal.aborted, false, 'signal');
  ok(bg.signal instanceof AbortSignal, 'a real AbortSignal');
  is(String(bg), 'context.Background', 'toString');
});

test('cancel reaches every descendant, parents stay live', ({ background, withCancel, withValue, createKey, Canceled }) => {
  const [parent, cancelParent] = withCancel(background());
  const [child, cancelChild] = withCancel(parent);
  const key = createKey('k');
  const [grandchild] = withCancel(withValue(child, key, 1));
  cancelChild();
  is(child.err(), Canceled, 'child');
  is(grandchild.err(), Canceled, 'grandchild');
  is(parent.err(), undefined, 'parent untouched');
  cancelParent();
  is(parent.err(), Canceled, 'parent');
});

test('observers run deepest first, every err() already set', async ({ background, withCancel }) => {
  const [root, cancel] = withCancel(background());
  const [mid] = withCancel(root);
  const [leaf] = withCancel(mid);
  const order = [];
  for (const [name, ctx] of [['root', root], ['mid', mid], ['leaf', leaf]]) {
    ctx.signal.addEventListener('abort', () => order.push(`${name}:${root.err() !== undefined && leaf.err() !== undefined}`));
  }
  cancel();
  is(order.join(','), 'leaf:true,mid:true,root:true', 'order');
});

test('a second cancel changes nothing', ({ background, withCancelCause, cause }) => {
  const [ctx, cancel] = withCancelCause(background());
  cancel('first');
  cancel('second');
  is(cause(ctx), 'first', 'cause');
});

test('done() resolves on cancel', async ({ background, withCancel }) => {
  const [ctx, cancel] = withCancel(background());
  const done = ctx.done();
  ok(!(await settlesWithin(done, 20)), 'not before cancel');
  cancel();
  ok(await settlesWithin(done, SETTLE), 'after cancel');
});

test('withoutCancel keeps values, drops cancellation', ({ background, withCancel, withValue, withoutCancel, createKey }) => {
  const key = createKey('user');
  const [parent, cancel] = withCancel(withValue(background(), key, 'ada'));
  const detached = withoutCancel(parent);
  cancel();
  is(detached.err(), undefined, 'err');
  is(detached.value(key), 'ada', 'value');
  is(detached.signal.aborted, false, 'signal');
});

test('withLinked ends with the first source', ({ background, withCancel, withCancelCause, withLinked, cause, Canceled }) => {
  const [a] = withCancel(background());
  const [b, cancelB] = withCancelCause(background());
  const [linked] = withLinked(a, b);
  ok(!linked.signal.aborted, 'live');
  cancelB('b went');
  is(linked.err(), Canceled, 'err');
  is(cause(linked), 'b went', 'cause');
  ok(linked.signal.aborted, 'signal');
});

test('a foreign parent cancels its ctxkit children', ({ background, withCancel, Canceled }) => {
  const controller = new AbortController();
  const foreign = {
    err: () => (controller.signal.aborted ? Canceled : undefined),
    deadline: () => undefined,
    value: () => undefined,
    done: () => new Promise((resolve) => controller.signal.addEventListener('abort', () => resolve())),
    get signal() {
      return controller.signal;
    },
    throwIfDone() {},
  };
  const [child] = withCancel(foreign);
  const seen = child.signal;
  controller.abort();
  is(child.err(), Canceled, 'err');
  ok(seen.aborted, 'signal, synchronously');
  void background;
});

test('stopImmediatePropagation cannot hide a withSignal abort', ({ background, withSignal, cause }) => {
  const controller = new AbortController();
  controller.signal.addEventListener('abort', (e) => e.stopImmediatePropagation());
  const [ctx] = withSignal(background(), controller.signal);
  const seen = ctx.signal;
  controller.abort('gone');
  ok(seen.aborted, 'signal aborted');
  is(cause(ctx), 'gone', 'cause');
});

// ── deadlines ─────────────────────────────────────────────────────────────
test('withTimeout expires through the host timer', async ({ background, withTimeout, DeadlineExceeded }) => {
  const [ctx, cancel] = withTimeout(background(), 30);
  try {
    ok(ctx.deadline() instanceof Date, 'deadline is a Date');
    ok(await settlesWithin(ctx.done(), SETTLE), 'done() settles');
    is(ctx.err(), DeadlineExceeded, 'err');
    ok(ctx.signal.aborted, 'signal');
    is(ctx.signal.reason, DeadlineExceeded, 'reason');
  } finally {
    cancel();
  }
});

test('never before the deadline', async ({ background, withTimeout }) => {
  const start = Date.now();
  const [ctx, cancel] = withTimeout(background(), 60);
  await ctx.done();
  cancel();
  ok(Date.now() - start >= 59, `expired after ${Date.now() - start} ms`);
});

test('many deadlines fire in deadline order', async ({ background, withTimeout }) => {
  const fired = [];
  const pairs = [90, 30, 60, 10].map((ms) => {
    const pair = withTimeout(background(), ms);
    pair[0].done().then(() => fired.push(ms));
    return pair;
  });
  ok(await settlesWithin(Promise.all(pairs.map(([c]) => c.done())), SETTLE), 'all fired');
  is(fired.join(','), '10,30,60,90', 'order');
});

test('cancelling the earliest deadline still lets the later fire', async ({ background, withTimeout, DeadlineExceeded, Canceled }) => {
  const [early, cancelEarly] = withTimeout(background(), 20);
  const [late, cancelLate] = withTimeout(background(), 80);
  cancelEarly();
  ok(await settlesWithin(late.done(), SETTLE), 'late fires');
  is(late.err(), DeadlineExceeded, 'late err');
  is(early.err(), Canceled, 'early was cancelled');
  cancelLate();
});

test('a deadline in the past is done at once', ({ background, withDeadline, DeadlineExceeded }) => {
  const [ctx] = withDeadline(background(), Date.now() - 1);
  is(ctx.err(), DeadlineExceeded, 'err');
  ok(ctx.signal.aborted, 'signal');
});

test('a child keeps its earlier parent deadline', ({ background, withTimeout }) => {
  const [parent, cancel] = withTimeout(background(), 1000);
  const [child, cancelChild] = withTimeout(parent, 60000);
  is(child.deadline().getTime(), parent.deadline().getTime(), 'deadline');
  cancelChild();
  cancel();
});

test('withTimeoutCause reports its cause', async ({ background, withTimeoutCause, cause, DeadlineExceeded }) => {
  const [ctx, cancel] = withTimeoutCause(background(), 10, 'too slow');
  await settlesWithin(ctx.done(), SETTLE);
  is(ctx.err(), DeadlineExceeded, 'err');
  is(cause(ctx), 'too slow', 'cause');
  cancel();
});

test('DeadlineExceeded prints like Go', ({ DeadlineExceeded, DeadlineExceededError, Canceled }) => {
  ok(DeadlineExceeded instanceof DeadlineExceededError, 'class');
  is(DeadlineExceeded.timeout, true, 'timeout');
  is(DeadlineExceeded.message, 'context deadline exceeded', 'message');
  is(Canceled.message, 'context canceled', 'message');
});

// ── causes and signals ──────────────────────────────────────────────────────
test('cause defaults to err, signal.reason is the cause', ({ background, withCancel, withCancelCause, cause, Canceled }) => {
  const [a, cancelA] = withCancel(background());
  cancelA();
  is(cause(a), Canceled, 'default cause');
  is(a.signal.reason, Canceled, 'reason');
  const why = new Error('why');
  const [b, cancelB] = withCancelCause(background());
  const [child] = withCancelCause(b);
  cancelB(why);
  is(cause(b), why, 'cause');
  is(cause(child), why, 'inherited cause');
  is(b.signal.reason, why, 'reason');
});

test('signal works with the platform: throwIfAborted, onabort, AbortSignal.any', ({ background, withCancel }) => {
  const [ctx, cancel] = withCancel(background());
  const signal = ctx.signal;
  let onabort = 0;
  signal.onabort = () => onabort++;
  const any = typeof AbortSignal.any === 'function' ? AbortSignal.any([signal]) : undefined;
  signal.throwIfAborted();
  cancel();
  is(onabort, 1, 'onabort');
  let threw = false;
  try {
    signal.throwIfAborted();
  } catch {
    threw = true;
  }
  ok(threw, 'throwIfAborted');
  if (any !== undefined) ok(any.aborted, 'AbortSignal.any follows');
});

test('throwIfDone throws the error', ({ background, withCancel, Canceled }) => {
  const [ctx, cancel] = withCancel(background());
  ctx.throwIfDone();
  cancel();
  let thrown;
  try {
    ctx.throwIfDone();
  } catch (e) {
    thrown = e;
  }
  is(thrown, Canceled, 'thrown');
});

// ── values ────────────────────────────────────────────────────────────────
test('values: nearest wins, keys by identity', ({ background, withValue, createKey }) => {
  const user = createKey('user');
  const other = createKey('user');
  const ctx = withValue(withValue(background(), user, 'ada'), user, 'grace');
  is(ctx.value(user), 'grace', 'nearest');
  is(ctx.value(other), undefined, 'same description, other key');
  ok(Object.isFrozen(user), 'keys are frozen');
  is(String(ctx), 'context.Background.WithValue(user, "ada").WithValue(user, "grace")', 'toString');
});

test('toString never shows an object value', ({ background, withValue, createKey }) => {
  class Session {}
  const ctx = withValue(background(), createKey('s'), new Session());
  ok(String(ctx).includes('<Session>'), String(ctx));
});

// ── afterFunc ─────────────────────────────────────────────────────────────
test('afterFunc runs once, as a promise job, in order', async ({ background, withCancel, afterFunc }) => {
  const [ctx, cancel] = withCancel(background());
  const ran = [];
  afterFunc(ctx, () => ran.push(1));
  afterFunc(ctx, () => ran.push(2));
  cancel();
  is(ran.length, 0, 'not synchronously');
  await delay(0);
  is(ran.join(','), '1,2', 'ran in order');
  cancel();
  await delay(0);
  is(ran.length, 2, 'once');
});

test('afterFunc stop() before and after', async ({ background, withCancel, afterFunc }) => {
  const [ctx, cancel] = withCancel(background());
  let ran = 0;
  const stop = afterFunc(ctx, () => ran++);
  is(stop(), true, 'first stop');
  is(stop(), false, 'second stop');
  const stop2 = afterFunc(ctx, () => ran++);
  cancel();
  is(stop2(), false, 'stop after done');
  await delay(0);
  is(ran, 1, 'only the second ran');
});

test('afterFunc on a deadline', async ({ background, withTimeout, afterFunc }) => {
  const [ctx, cancel] = withTimeout(background(), 20);
  const ran = new Promise((resolve) => afterFunc(ctx, resolve));
  ok(await settlesWithin(ran, SETTLE), 'ran');
  cancel();
});

// ── async helpers ─────────────────────────────────────────────────────────
test('sleep resolves, or rejects with the cause', async ({ background, withCancelCause, sleep }) => {
  await sleep(background(), 5);
  const [ctx, cancel] = withCancelCause(background());
  const p = sleep(ctx, 60000);
  cancel('stop');
  let rejected;
  await p.catch((e) => (rejected = e));
  is(rejected, 'stop', 'rejection');
});

test('race rejects with the cause, or passes the value', async ({ background, withCancel, race, Canceled }) => {
  is(await race(background(), Promise.resolve(7)), 7, 'value');
  const [ctx, cancel] = withCancel(background());
  const p = race(ctx, new Promise(() => {}));
  cancel();
  let rejected;
  await p.catch((e) => (rejected = e));
  is(rejected, Canceled, 'rejection');
});

test('runWithTimeout rejects with DeadlineExceeded', async ({ background, runWithTimeout, DeadlineExceeded }) => {
  let inner;
  let rejected;
  await runWithTimeout(background(), 20, (ctx) => {
    inner = ctx;
    return new Promise(() => {});
  }).catch((e) => (rejected = e));
  is(rejected, DeadlineExceeded, 'rejection');
  is(inner.err(), DeadlineExceeded, 'inner ctx');
  is(await runWithTimeout(background(), 1000, async () => 'ok'), 'ok', 'result');
});

// ── argument checks ─────────────────────────────────────────────────────────
test('bad arguments are TypeErrors in the house format, contents not shown', ({ withTimeout, background, withCancel }) => {
  throwsTypeError(() => withCancel('secret-token'), /^ctxkit\.withCancel: parent must be .*, got a string \(12 characters\)$/, 'parent');
  throwsTypeError(() => withTimeout(background(), NaN), /^ctxkit\.withTimeout: /, 'NaN timeout');
});

// ── ctxkit/propagation ────────────────────────────────────────────────────
test('codecs encode and decode', (_, { ctxkitTimeoutCodec, grpcTimeoutCodec, connectTimeoutCodec }) => {
  is(ctxkitTimeoutCodec.encode(1500), '1500', 'ctxkit');
  is(ctxkitTimeoutCodec.decode('250'), 250, 'ctxkit decode');
  is(ctxkitTimeoutCodec.decode('2.5'), undefined, 'malformed');
  is(grpcTimeoutCodec.decode('2S'), 2000, 'grpc');
  is(connectTimeoutCodec.header, 'connect-timeout-ms', 'connect');
});

test('incomingDeadline: a header only shortens the budget', async ({ background }, { incomingDeadline, MalformedDeadlineError }) => {
  const a = incomingDeadline(background(), new Headers({ 'ctxkit-timeout-ms': '50' }), { maxTimeoutMs: 1000 });
  is(a.timeoutMs, 50, 'shortened');
  ok(await settlesWithin(a.ctx.done(), SETTLE), 'expires');
  a.cancel();
  const b = incomingDeadline(background(), new Headers({ 'ctxkit-timeout-ms': '99999' }), { maxTimeoutMs: 1000 });
  is(b.clamped, true, 'clamped');
  is(b.timeoutMs, 1000, 'clamped value');
  b.cancel();
  let thrown;
  try {
    incomingDeadline(background(), new Headers({ 'ctxkit-timeout-ms': 'soon' }));
  } catch (e) {
    thrown = e;
  }
  ok(thrown instanceof MalformedDeadlineError, 'malformed rejected');
  const c = incomingDeadline(background(), new Headers({ 'ctxkit-timeout-ms': 'soon' }), { trust: false });
  is(c.trusted, false, 'untrusted');
  is(c.ctx.deadline(), undefined, 'untrusted header ignored');
  c.cancel();
});

test('values header crosses a hop', ({ background, withValue, createKey }, { carry, valuesHeader }) => {
  const tenant = createKey('tenant');
  const header = valuesHeader([carry('tenant', tenant)]);
  const text = header.encode(withValue(background(), tenant, 'acme'));
  ok(typeof text === 'string', 'encoded');
  is(header.decode(background(), text).value(tenant), 'acme', 'decoded');
});

test('fetchWithContext sends the budget and aborts on cancel', async ({ background, withTimeout, withCancel, Canceled }, { fetchWithContext }) => {
  let sent;
  const fetch = (input, init) => {
    sent = init;
    return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
  };
  const [timed, cancelTimed] = withTimeout(background(), 5000);
  const [ctx, cancel] = withCancel(timed);
  const p = fetchWithContext(ctx, 'http://127.0.0.1:9/', { fetch });
  await delay(0);
  const budget = Number(sent.headers.get('ctxkit-timeout-ms'));
  ok(budget > 0 && budget <= 5000, `budget ${budget}`);
  cancel();
  let rejected;
  await p.catch((e) => (rejected = e));
  is(rejected, Canceled, 'rejects with cause(ctx)');
  cancelTimed();
});

test("fetchWithContext: the platform's own Response, its body read under the call, then let go", async ({ background, withCancel, withCancelCause }, { fetchWithContext }) => {
  const signals = [];
  // A fetch that answers at once with a body of two chunks, the second after a turn; it fails the body with the signal's reason when aborted, as fetch does.
  const fetch = async (_input, init) => {
    signals.push(init.signal);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a,'));
        init.signal.addEventListener('abort', () => controller.error(init.signal.reason));
        setTimeout(() => {
          try {
            controller.enqueue(new TextEncoder().encode('b'));
            controller.close();
          } catch {
            // already failed by an abort
          }
        }, 10);
      },
    });
    return new Response(body, { status: 201, headers: { 'x-kind': 'test' } });
  };
  const [ctx, cancel] = withCancel(background());
  const res = await fetchWithContext(ctx, 'http://127.0.0.1:9/', { fetch });
  ok(res instanceof Response, 'a Response');
  is(res.status, 201, 'status');
  is(res.headers.get('x-kind'), 'test', 'headers');
  const copy = res.clone();
  is(await res.text(), 'a,b', 'read by text()');
  const reader = copy.body.getReader();
  let text = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
  is(text, 'a,b', 'its clone read through body');
  cancel();
  await delay(0);
  is(signals[0].aborted, false, 'once both are read, the call has let go of the context');

  const [other, cancelOther] = withCancelCause(background());
  const cut = await fetchWithContext(other, 'http://127.0.0.1:9/', { fetch });
  const why = new Error('client gone');
  const reading = cut.text().then(
    () => 'read',
    (e) => e,
  );
  cancelOther(why);
  is(await reading, why, 'a body read while the context ends fails with its cause');
});

// ── ctxkit/web ────────────────────────────────────────────────────────────
test("web: a request's context ends with the client gone, or with the response", (_, __, { requestContext, finishRequest, ClientDisconnected, ResponseFinished }) => {
  const client = new AbortController();
  const gone = new Request('http://app.example/', { signal: client.signal });
  const [goneCtx] = requestContext(gone);
  is(goneCtx.err(), undefined, 'live while the client waits');
  client.abort();
  is(goneCtx.signal.reason, ClientDisconnected, 'client gone');
  const answered = new Request('http://app.example/', { signal: new AbortController().signal });
  const [ctx] = requestContext(answered);
  const response = new Response('ok');
  is(finishRequest(answered, response), response, 'a whole body is sent as it is');
  is(ctx.signal.reason, ResponseFinished, 'ended with the response');
});

test('web: a streamed body keeps the context until it has been read', async ({ cause }, __, { requestContext, finishRequest, ResponseFinished }) => {
  const request = new Request('http://app.example/');
  const [ctx] = requestContext(request);
  const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('a')), c.close()) });
  const sent = finishRequest(request, new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
  is(ctx.err(), undefined, 'live until read');
  is(await sent.text(), 'a', 'the same bytes');
  is(cause(ctx), ResponseFinished, 'ended once read');
});

test('web: the deadline header, and errors answered as a Response', async ({ sleep }, __, { withRequestContext }) => {
  const handler = withRequestContext(async (ctx) => (await sleep(ctx, 60_000), new Response('late')), { deadline: { trust: true } });
  const answer = await handler(new Request('http://app.example/', { headers: { 'ctxkit-timeout-ms': '30' } }));
  is(answer.status, 504, 'a passed deadline answers 504');
  is(await answer.text(), 'Gateway Timeout', 'with its text');
});

/** Runs every test in order; each is bounded, so a hung one fails instead of hanging the run. */
export async function runContract(ctxkit, propagation, web, { timeoutMs = 10000 } = {}) {
  let passed = 0;
  const failures = [];
  for (const [name, fn] of tests) {
    let timer;
    try {
      await Promise.race([
        Promise.resolve().then(() => fn(ctxkit, propagation, web)),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs))),
      ]);
      passed++;
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : show(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }
  const lines = failures.map((f) => `FAIL ${f}`);
  lines.push(`${passed} passed, ${failures.length} failed`);
  return { passed, failed: failures.length, total: tests.length, failures, report: lines.join('\n') };
}
