/**
 * A worker's failure comes back as the sender's own cause when the context's
 * end caused it (encodeFailure in the worker, ContextShare.decodeFailure here),
 * so a deadline stays DeadlineExceeded (504) and a shutdown stays the shutdown
 * cause (503), while a genuine worker error still arrives as that error. Real
 * worker threads, run the way docs/workers.md's pool recipe runs them.
 */
import type { Worker } from 'node:worker_threads';
import {
  Canceled,
  DeadlineExceeded,
  DeadlineExceededError,
  background,
  cause,
  withCancel,
  withCancelCause,
  withTimeout,
  type Context,
} from '../../src/index.js';
import { ServerShutdown } from '../../src/node/index.js';
import { RemoteContext, encodeFailure, receiveContext, shareContext, type ContextShare, type WorkerTransport } from '../../src/worker/index.js';
import { nextMessage, sleep, startWorker, stopWorkers } from './helpers.js';

let pool: Worker;
beforeAll(() => {
  pool = startWorker('job');
});
afterAll(stopWorkers);

let nextId = 0;

/** Runs one job on the pool worker; resolves with the share and the worker's reply. */
async function runJob(ctx: Context, mode: string, transport: WorkerTransport, whileRunning?: (share: ContextShare) => void) {
  const id = ++nextId;
  const share = shareContext(ctx, { transport });
  const reply = nextMessage(pool, (m) => m.id === id);
  pool.postMessage({ id, descriptor: share.descriptor, mode }, share.transfer);
  whileRunning?.(share);
  return { share, reply: await reply };
}

/** The recipe's rejection: what the caller of pool.run sees. */
function rejection(share: ContextShare, reply: { ok?: boolean; failure?: unknown }): unknown {
  expect(reply.ok).toBeUndefined();
  return share.decodeFailure(reply.failure as never);
}

const transports: Array<[WorkerTransport, string]> = [
  ['shared-memory', 'spin'],
  ['message', 'yield'],
];

describe.each(transports)('%s transport', (transport, mode) => {
  test("a deadline: the caller gets DeadlineExceeded, exactly the local context's cause", async () => {
    const [ctx, cancel] = withTimeout(background(), 100);
    try {
      const { share, reply } = await runJob(ctx, mode, transport);
      expect(reply.failure).toEqual({ ctxkit: 'worker-failure/1', ended: 2 });
      const got = rejection(share, reply);
      expect(got).toBe(DeadlineExceeded);
      await ctx.done(); // the worker may notice the deadline before this thread's timer fires
      expect(got).toBe(cause(ctx));
    } finally {
      cancel();
    }
  });

  test('a shutdown: the caller gets that exact cause object', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const { share, reply } = await runJob(ctx, mode, transport, () => setTimeout(() => cancel(ServerShutdown), 50));
    expect(reply.failure).toEqual({ ctxkit: 'worker-failure/1', ended: 1 });
    const got = rejection(share, reply);
    expect(got).toBe(ServerShutdown);
    expect(got).toBe(cause(ctx));
  });

  test("a genuine worker error arrives as the worker's error, with its class, message and code", async () => {
    const [ctx, cancel] = withCancel(background());
    try {
      const { share, reply } = await runJob(ctx, 'fail', transport);
      const got = rejection(share, reply) as RangeError & { code?: string };
      expect(got).toBeInstanceOf(RangeError);
      expect(got).toMatchObject({ message: 'bad input', code: 'E_INPUT' });
      expect(got.stack).toMatch(/job\.js/); // the worker's stack: it says where it failed
      expect(ctx.err()).toBeUndefined();
    } finally {
      cancel();
    }
  });
});

test('an error of its own that the worker throws after the context ended is still its own', async () => {
  const [ctx, cancel] = withCancelCause(background());
  const { share, reply } = await runJob(ctx, 'fail-after', 'shared-memory', () => setTimeout(() => cancel(ServerShutdown), 50));
  const got = rejection(share, reply) as Error;
  expect(got).not.toBe(ServerShutdown);
  expect(got).toBeInstanceOf(Error);
  expect(got.message).toBe('cleanup failed');
});

test("an error whose cause chain holds the context's end counts as the end (as Go's errors.Is would)", async () => {
  const [ctx, cancel] = withCancelCause(background());
  const { share, reply } = await runJob(ctx, 'wrap', 'shared-memory', () => setTimeout(() => cancel(ServerShutdown), 50));
  expect(rejection(share, reply)).toBe(ServerShutdown);
});

test('a released share: the worker saw Canceled, and so does the caller while the context is live', async () => {
  const [ctx, cancel] = withCancel(background());
  try {
    const { share, reply } = await runJob(ctx, 'spin', 'shared-memory', (s) => void sleep(50).then(() => s.release()));
    expect(rejection(share, reply)).toBe(Canceled);
    expect(ctx.err()).toBeUndefined();
  } finally {
    cancel();
  }
});

test("the worker noticing the deadline before this side's timer ran still maps to DeadlineExceeded", () => {
  // Same thread: the receiver checks Date.now() itself, and this thread's timer (a task) cannot run.
  const [ctx, cancel] = withTimeout(background(), 5);
  try {
    const share = shareContext(ctx);
    const remote = receiveContext(share.descriptor);
    const until = Date.now() + 1000;
    while (remote.err() === undefined && Date.now() < until);
    let thrown: unknown;
    try {
      remote.throwIfDone();
    } catch (e) {
      thrown = e;
    }
    const got = share.decodeFailure(encodeFailure(remote, thrown));
    expect(got).toBe(DeadlineExceeded);
    expect(got).toBeInstanceOf(DeadlineExceededError);
    expect(got).toBe(cause(ctx)); // the core checks the clock too
  } finally {
    cancel();
  }
});

test('bad arguments get the ctxkit TypeError', () => {
  const share = shareContext(background());
  expect(() => encodeFailure(background() as never, new Error('x'))).toThrow(
    /^ctxkit\.encodeFailure: ctx must be a RemoteContext \(from receiveContext\), got a Context \(context\.Background\)$/,
  );
  expect(() => share.decodeFailure(new Error('x') as never)).toThrow(
    new TypeError('ctxkit.ContextShare.decodeFailure: failure must be a WorkerFailure made by encodeFailure, got an object (Error)'),
  );
  expect(() => share.decodeFailure({ ctxkit: 'worker-failure/1', ended: 7 } as never)).toThrow(TypeError);
  expect(receiveContext(share.descriptor)).toBeInstanceOf(RemoteContext);
});
