/**
 * spawn and execFile under a context, with real child processes: the polite
 * signal, SIGKILL after the wait delay, the output up to that point, and no
 * process left behind.
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, Canceled, DeadlineExceeded, withCancel, withCancelCause, withTimeout } from '../../src/index.js';
import { execFile, ExitError, spawn } from '../../src/node/index.js';
import { runNode } from '../helpers/run-node.js';

const node = process.execPath;

/** Whether a process with this pid still exists (a zombie would). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ESRCH');
    return false;
  }
}

/** Collects a stream's text; `until(text)` resolves once it contains text, `closed` once the stream has closed. */
function collect(stream: NodeJS.ReadableStream): { text: () => string; until: (s: string) => Promise<void>; closed: Promise<unknown> } {
  let text = '';
  const closed = once(stream, 'close');
  const waiters: Array<() => void> = [];
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (s: string): Promise<void> => {
    while (!text.includes(s)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { text: () => text, until, closed };
}

const WAITS_FOR_SIGNALS = `setInterval(() => {}, 1000); console.log('ready');`;

describe('spawn', () => {
  test('a process that exits on SIGTERM: it is sent SIGTERM when the context ends, and exited rejects with cause(ctx)', async () => {
    const [ctx, cancel] = withCancelCause(background());
    const p = spawn(ctx, node, ['-e', `process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); ${WAITS_FOR_SIGNALS}`], {
      waitDelayMs: 60_000,
    });
    const out = collect(p.child.stdout!);
    const exit = once(p.child, 'exit');
    await out.until('ready');
    const why = new Error('request gone');
    const started = Date.now();
    cancel(why);
    await expect(p.exited).rejects.toBe(why);
    expect(Date.now() - started).toBeLessThan(30_000); // long before the wait delay
    expect(await exit).toEqual([0, null]);
    await out.closed;
    expect(out.text()).toBe('ready\nbye\n'); // written before it ended, still readable
    expect(alive(p.child.pid!)).toBe(false);
  });

  test('a process that ignores SIGTERM is killed with SIGKILL after the wait delay; what it wrote stays readable', async () => {
    const [ctx, cancel] = withCancel(background());
    const p = spawn(ctx, node, ['-e', `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); ${WAITS_FOR_SIGNALS}`], {
      waitDelayMs: 2_000,
    });
    const out = collect(p.child.stdout!);
    const exit = once(p.child, 'exit');
    await out.until('ready');
    const started = Date.now();
    cancel();
    await out.until('ignoring SIGTERM');
    expect(alive(p.child.pid!)).toBe(true); // SIGTERM alone did not end it
    await expect(p.exited).rejects.toBe(Canceled);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_990);
    expect(await exit).toEqual([null, 'SIGKILL']);
    await out.closed;
    expect(out.text()).toBe('ready\nignoring SIGTERM\n');
    expect(alive(p.child.pid!)).toBe(false);
  });

  test('cancelSignal chooses the polite signal (Go\'s Cmd.Cancel)', async () => {
    const [ctx, cancel] = withCancel(background());
    const p = spawn(ctx, node, ['-e', `process.on('SIGINT', () => { console.log('SIGINT'); process.exit(3); }); ${WAITS_FOR_SIGNALS}`], {
      cancelSignal: 'SIGINT',
    });
    const out = collect(p.child.stdout!);
    const exit = once(p.child, 'exit');
    await out.until('ready');
    cancel();
    await expect(p.exited).rejects.toBe(Canceled);
    expect(await exit).toEqual([3, null]);
    expect(out.text()).toContain('SIGINT');
  });

  test('a process that ends by itself resolves exited with its status, and nothing is signalled afterwards', async () => {
    const [ctx, cancel] = withCancel(background());
    const p = spawn(ctx, node, ['-e', 'process.exitCode = 7'], { stdio: 'ignore' });
    await expect(p.exited).resolves.toEqual({ code: 7, signal: null });
    cancel();
    expect(alive(p.child.pid!)).toBe(false);
  });

  test('a context already done: throws cause(ctx) and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxkit-exec-'));
    try {
      const [ctx, cancel] = withCancelCause(background());
      const why = new Error('too late');
      cancel(why);
      const marker = join(dir, 'ran');
      expect(() => spawn(ctx, node, ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`])).toThrow(why);
      await expect(execFile(ctx, node, ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`])).rejects.toBe(why);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a command that cannot start rejects with Node\'s error', async () => {
    const p = spawn(background(), join(tmpdir(), 'no-such-command-ctxkit'));
    await expect(p.exited).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('execFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ctxkit-exec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('captures stdout and stderr, and feeds input', async () => {
    const r = await execFile(background(), node, ['-e', `process.stdin.pipe(process.stdout); console.error('on stderr')`], { input: 'from input' });
    expect(r).toEqual({ code: 0, signal: null, stdout: 'from input', stderr: 'on stderr\n' });
  });

  test('a code other than 0 rejects with an ExitError holding the output', async () => {
    const failure = await execFile(background(), node, ['-e', `console.log('partial'); process.exit(2)`]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExitError);
    expect(failure).toMatchObject({ name: 'ExitError', code: 2, signal: null, stdout: 'partial\n', stderr: '' });
  });

  test('a deadline stops the process and rejects with DeadlineExceeded; the process is gone', async () => {
    const [ctx] = withTimeout(background(), 3_000);
    const pidFile = join(dir, 'child.pid');
    // It writes its pid once it ignores SIGTERM, so the test knows the signal came after that.
    const script = `process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`;
    const started = Date.now();
    await expect(execFile(ctx, node, ['-e', script, pidFile], { waitDelayMs: 300 })).rejects.toBe(DeadlineExceeded);
    expect(existsSync(pidFile)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_250); // the deadline, then the wait delay: it ignored SIGTERM
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  test('a process left holding the output open (a grandchild) is cut off after the wait delay', async () => {
    const [ctx, cancel] = withCancel(background());
    // The child starts \`sleep 60\` sharing its stdout and stderr, writes that pid down, and exits on SIGTERM.
    const script = `
      const { spawn } = require('child_process');
      const g = spawn('sleep', ['60'], { stdio: ['ignore', 'inherit', 'inherit'] });
      require('fs').writeFileSync(process.argv[1], String(g.pid));
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
    const pidFile = join(dir, 'grandchild.pid');
    const r = execFile(ctx, node, ['-e', script, pidFile], { waitDelayMs: 300 });
    while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 20));
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    try {
      const started = Date.now();
      cancel();
      await expect(r).rejects.toBe(Canceled);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(alive(grandchild)).toBe(true); // signals go to the process only, as in Go
    } finally {
      process.kill(grandchild, 'SIGKILL');
    }
  });
});

describe('in a real process', () => {
  test('nothing outlives the call: after a cancelled execFile the process exits long before the wait delay', () => {
    const r = runNode(`
      const { execFile } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'cjs', 'node', 'index.js'))});
      const [ctx, cancel] = ctxkit.withCancel(ctxkit.background());
      execFile(ctx, process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { waitDelayMs: 60_000 })
        .catch((e) => console.log(e === ctxkit.Canceled));
      setTimeout(cancel, 200);
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true\n');
    expect(r.elapsedMs).toBeLessThan(30_000);
  });
});

describe('validation', () => {
  test('bad arguments throw TypeError before anything starts', async () => {
    expect(() => spawn(undefined as never, node)).toThrow(new TypeError('ctxkit.spawn: ctx must be a Context, got undefined'));
    expect(() => spawn(background(), '')).toThrow(new TypeError('ctxkit.spawn: file must be a non-empty string, got a string (0 characters)'));
    expect(() => spawn(background(), node, [1] as never)).toThrow(new TypeError('ctxkit.spawn: args must be an array of strings, got an object (Array)'));
    expect(() => spawn(background(), node, [], { cancelSignal: 'SIGNOPE' as never })).toThrow(
      new TypeError('ctxkit.spawn: options.cancelSignal must be a signal name such as "SIGTERM", or a signal number, got a string (7 characters)'),
    );
    expect(() => spawn(background(), node, [], { waitDelayMs: -5 })).toThrow(TypeError);
    await expect(execFile(background(), node, [], { input: 5 as never })).rejects.toThrow(
      new TypeError('ctxkit.execFile: options.input must be a string or a Uint8Array, got 5'),
    );
  });
});
