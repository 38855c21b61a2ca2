/**
 * ctxkit/got and ctxkit/ky against a real HTTP server process
 * (http-server.cjs, on ctxkit/node), the requests made by a client process
 * (http-client.mjs: both libraries are ES modules only): the budget less the
 * margin and the values cross, a context's end aborts the request (the server
 * sees its client go) and the caller gets exactly cause(ctx), a deadline gives
 * DeadlineExceeded, a context already done sends nothing. Bad input is a
 * TypeError, checked here directly (the helpers never load the libraries).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import readline from 'node:readline';
import { background, withTimeout } from '../../src/index';
import { gotError, gotOptions } from '../../src/got/index';
import { kyError, kyOptions, kyRequest } from '../../src/ky/index';
import { startServerProcess, type EchoServer } from '../grpc/server-process';

jest.setTimeout(60_000);

interface Reply {
  id?: string;
  body?: { remainingMs: number; tenant: string };
  error?: { name: string; isCause: boolean; isDeadlineExceeded: boolean; message: string };
}

/** The client process of one library: send a command, await the reply about its id. */
interface Client {
  ask(cmd: Record<string, unknown>): Promise<Reply>;
  send(cmd: Record<string, unknown>): void;
  child: ChildProcess;
}

async function startClient(library: string, base: string): Promise<Client> {
  const child = spawn(process.execPath, [join(__dirname, 'http-client.mjs'), JSON.stringify({ library, base })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const waiters = new Map<string, (r: Reply) => void>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const reply = JSON.parse(line) as Reply & { event?: string };
    if (reply.event === 'ready') ready();
    else waiters.get(reply.id!)?.(reply);
  });
  await isReady;
  const send = (cmd: Record<string, unknown>): void => void child.stdin!.write(JSON.stringify(cmd) + '\n');
  return {
    child,
    send,
    ask(cmd) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply about ${String(cmd.id)} within 20 s; stderr: ${stderr}`)), 20_000);
        waiters.set(cmd.id as string, (r) => (clearTimeout(timer), resolve(r)));
        send(cmd);
      });
    },
  };
}

let server: EchoServer;
beforeAll(async () => {
  server = await startServerProcess(join(__dirname, 'http-server.cjs'), { maxTimeoutMs: 60_000 });
});
afterAll(() => server?.kill());

describe.each(['got', 'ky'])('%s', (library) => {
  let client: Client;
  let seq = 0;
  const nextId = (): string => `${library}-${++seq}`;
  beforeAll(async () => {
    client = await startClient(library, `http://${server.address}`);
  });
  afterAll(() => client?.child.kill());

  test('the budget less the margin replaces a header of the same name; the values cross', async () => {
    const reply = await client.ask({ op: 'echo', id: nextId(), timeoutMs: 10_000, marginMs: 100, tenant: 'acme' });
    expect(reply.error).toBeUndefined();
    expect(reply.body!.remainingMs).toBeGreaterThan(2_000);
    expect(reply.body!.remainingMs).toBeLessThanOrEqual(10_000 - 100);
    expect(reply.body!.tenant).toBe('acme');
  });

  test('the context ends mid-request: rejects with exactly cause(ctx); the server sees its client go', async () => {
    const id = nextId();
    const settled = client.ask({ op: 'hang', id });
    await server.waitFor('start', id);
    client.send({ op: 'cancel', id });
    const reply = await settled;
    expect(reply.error).toMatchObject({ isCause: true, message: `caller gave up on ${id}` });
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  });

  test('a deadline that passes: DeadlineExceeded, and the server sees its client go', async () => {
    const id = nextId();
    // No budget sent, so that the client's deadline, not the server's, ends the request.
    const reply = await client.ask({ op: 'hang', id, timeoutMs: 300, headers: false });
    expect(reply.error).toMatchObject({ isDeadlineExceeded: true, isCause: true });
    expect((await server.waitFor('end', id)).cause).toBe('ClientDisconnectedError');
  });

  test('a retry sends the budget left then, not the first attempt\'s', async () => {
    const id = nextId();
    const reply = await client.ask({ op: 'retry', id });
    expect(reply.error).toBeUndefined();
    const starts = server.events.filter((e) => e.event === 'start' && e.id === id);
    expect(starts).toHaveLength(2);
    // The second attempt leaves 200 ms (the retry's delay) after the first's answer.
    expect(starts[1]!.remainingMs as number).toBeLessThanOrEqual((starts[0]!.remainingMs as number) - 150);
  });

  test('a context already done: rejects with its cause, nothing is sent', async () => {
    const id = nextId();
    const reply = await client.ask({ op: 'done', id });
    expect(reply.error).toMatchObject({ isCause: true, message: 'already gone' });
    await client.ask({ op: 'echo', id: nextId(), timeoutMs: 5_000, marginMs: 0, tenant: '' });
    expect(server.events.some((e) => e.id === id)).toBe(false);
  });
});

test('bad input: a TypeError before anything is touched', () => {
  expect(() => gotOptions(undefined as any)).toThrow(new TypeError('ctxkit.got.gotOptions: ctx must be a Context, got undefined'));
  expect(() => gotOptions(background(), 'x' as any)).toThrow(TypeError);
  expect(() => gotOptions(background(), {}, { marginMs: -1 })).toThrow('ctxkit.got.gotOptions: options.marginMs must be a finite, non-negative number of milliseconds, got -1');
  expect(() => kyOptions(background(), {}, { deadlineCodecs: 'grpc' as any })).toThrow(TypeError);
  expect(() => kyOptions(background(), {}, { values: {} as any })).toThrow('ctxkit.ky.kyOptions: options.values must be a ValuesHeader, got an object (Object)');
  expect(() => gotError(null as any, new Error('x'))).toThrow(TypeError);
  expect(() => kyError({} as any, new Error('x'))).toThrow(TypeError);
  return expect(kyRequest(background(), 'ky' as any)).rejects.toThrow('ctxkit.ky.kyRequest: invoke must be a function, got a string');
});

test("the library's timeout is cut to the deadline, never lengthened", () => {
  const [ctx, cancel] = withTimeout(background(), 5_000);
  try {
    expect(kyOptions(ctx).timeout).toBeLessThanOrEqual(5_000);
    expect(kyOptions(ctx, { timeout: 1_000 }).timeout).toBe(1_000);
    expect(kyOptions(background(), { timeout: 1_000 }).timeout).toBe(1_000);
    expect(kyOptions(background()).timeout).toBeUndefined();
    // got: the hook sees the merged options (the instance's timeout too).
    const hook = gotOptions(ctx).hooks.beforeRequest[0]!;
    const attempt = { headers: {} as Record<string, string>, timeout: { request: 60_000 } };
    hook(attempt);
    expect(attempt.timeout.request).toBeLessThanOrEqual(5_000);
    expect(Number(attempt.headers['ctxkit-timeout-ms'])).toBeLessThanOrEqual(5_000);
    const short = { headers: {}, timeout: { request: 200 } };
    hook(short);
    expect(short.timeout.request).toBe(200);
  } finally {
    cancel();
  }
});
