/**
 * Child processes under a context: Go's `exec.CommandContext`, with its
 * `Cmd.Cancel` (the signal sent first) and `Cmd.WaitDelay` (how long before
 * SIGKILL).
 */
import { spawn as spawnChild, type ChildProcess, type SpawnOptions as NodeSpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { afterFunc, cause, type Context } from '../index.js';
import { checkContext, checkOptions, checkOptionalMs, fail } from '../internal/check.js';

/** SpawnOptions: Node's spawn options (but its `signal`, `killSignal` and `timeout`: the context does that), and how to stop the process. */
export interface SpawnOptions extends Omit<NodeSpawnOptions, 'signal' | 'killSignal' | 'timeout'> {
  /** The signal sent first when the context ends (Go's `Cmd.Cancel`). Default: 'SIGTERM'. */
  cancelSignal?: NodeJS.Signals | number;
  /** How long after that signal the process is sent SIGKILL if it has not exited (Go's `Cmd.WaitDelay`), in milliseconds. Default: 5 000. */
  waitDelayMs?: number;
}

/** ExecOptions: SpawnOptions without `stdio` (output is captured), plus what to write to the process's standard input. */
export interface ExecOptions extends Omit<SpawnOptions, 'stdio'> {
  /** Written to the process's standard input, which is then closed. Default: nothing (closed at once). */
  input?: string | Uint8Array;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What execFile resolves with: the exit status (code 0) and the whole output, decoded as UTF-8. */
export interface ExecResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** A process started by spawn: Node's ChildProcess, and its end. */
export interface ContextProcess {
  /** The process: read its output streams, write to its input. */
  readonly child: ChildProcess;
  /**
   * Resolves once the process has exited (and been reaped: no zombie), or
   * rejects with `cause(ctx)` if the context ended first (still only once the
   * process has exited), or with Node's error if it could not be started.
   */
  readonly exited: Promise<ExitStatus>;
}

/** ExitError: execFile's rejection for a process that exited with a code other than 0 or was killed. */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(signal === null ? `process exited with code ${code}` : `process was ended by ${signal}`);
  }
}

const DEFAULT_WAIT_DELAY_MS = 5_000;

/** The checked arguments of spawn and execFile. */
interface Command {
  file: string;
  args: string[];
  cancelSignal: NodeJS.Signals | number;
  waitDelayMs: number;
  rest: NodeSpawnOptions;
}

function checkCommand(fn: string, ctx: unknown, file: unknown, args: unknown, options: unknown): Command {
  checkContext(fn, 'ctx', ctx);
  if (typeof file !== 'string' || file === '') fail(fn, 'file', 'a non-empty string', file);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) fail(fn, 'args', 'an array of strings', args);
  const { cancelSignal = 'SIGTERM', waitDelayMs, ...rest } = checkOptions(fn, 'options', options as SpawnOptions | undefined);
  const known = typeof cancelSignal === 'string' ? cancelSignal in constants.signals : Number.isSafeInteger(cancelSignal) && cancelSignal > 0;
  if (!known) fail(fn, 'options.cancelSignal', 'a signal name such as "SIGTERM", or a signal number', cancelSignal);
  return {
    file,
    args: args as string[],
    cancelSignal,
    waitDelayMs: checkOptionalMs(fn, 'options.waitDelayMs', waitDelayMs) ?? DEFAULT_WAIT_DELAY_MS,
    rest: rest as NodeSpawnOptions,
  };
}

/** A started process: the child, and `release` to clear the kill timer once nothing more is awaited. */
interface Started {
  child: ChildProcess;
  release: () => void;
}

/**
 * Starts the command and watches ctx: when it ends, sends the cancel signal,
 * then SIGKILL after waitDelayMs if the process has not exited (or, if it has,
 * calls `onWaitDelay`: its output is held open by a process it started).
 * `onExit` runs once the process has exited or failed to start, with whether
 * ctx ended first.
 */
function start(
  ctx: Context,
  command: Command,
  onExit: (status: ExitStatus, error: Error | undefined, cancelled: boolean) => void,
  onWaitDelay?: () => void,
): Started {
  const child = spawnChild(command.file, command.args, command.rest);
  let cancelled = false;
  let exited = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stopWatching = afterFunc(ctx, () => {
    if (exited) return;
    cancelled = true;
    child.kill(command.cancelSignal);
    killTimer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
      else onWaitDelay?.();
    }, command.waitDelayMs);
  });
  const end = (status: ExitStatus, error: Error | undefined): void => {
    if (exited) return;
    exited = true;
    stopWatching();
    onExit(status, error, cancelled);
  };
  child.once('exit', (code, signal) => end({ code, signal }, undefined));
  // A process that could not be started (ENOENT, EACCES) emits 'error' and no 'exit'; other errors (a failed kill) change nothing.
  child.on('error', (error) => {
    if (child.pid === undefined) end({ code: null, signal: null }, error);
  });
  return { child, release: () => clearTimeout(killTimer) };
}

/** Throws (or rejects with) cause(ctx) if ctx is done: nothing is started then. */
function throwIfDone(ctx: Context): void {
  if (ctx.err() !== undefined) throw cause(ctx);
}

/**
 * spawn starts `file` with `args` (no shell) under ctx, as Go's
 * `exec.CommandContext` does: when ctx ends before the process exits, it is
 * sent `cancelSignal` (SIGTERM), then SIGKILL if it has not exited
 * `waitDelayMs` later, and `exited` rejects with `cause(ctx)` once it has
 * exited. What the process wrote before it ended stays readable on
 * `child.stdout` and `child.stderr`. Throws `cause(ctx)`, starting nothing, if
 * ctx is already done. The signal goes to the process only, not to processes
 * it started.
 */
export function spawn(ctx: Context, file: string, args: readonly string[] = [], options?: SpawnOptions): ContextProcess {
  const command = checkCommand('spawn', ctx, file, args, options);
  throwIfDone(ctx);
  let started!: Started;
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    started = start(ctx, command, (status, error, cancelled) => {
      started.release();
      if (error !== undefined) reject(error);
      else if (cancelled) reject(cause(ctx));
      else resolve(status);
    });
  });
  const { child } = started;
  return { child, exited };
}

/**
 * execFile runs `file` with `args` (no shell) under ctx and captures its
 * output: it resolves with the output once the process has exited with code
 * 0 and its output streams have closed, or rejects with an ExitError (other
 * codes, signals), Node's error (it could not start), or `cause(ctx)` if ctx
 * ended first, stopping the process as spawn does; if a process it started
 * holds the output open, that is cut `waitDelayMs` after the cancel signal.
 * It rejects with `cause(ctx)`, starting nothing, if ctx is already done. The
 * output is kept in memory: for large or streamed output, use spawn.
 */
export async function execFile(ctx: Context, file: string, args: readonly string[] = [], options?: ExecOptions): Promise<ExecResult> {
  const FN = 'execFile';
  const command = checkCommand(FN, ctx, file, args, options);
  const input = (command.rest as ExecOptions).input;
  if (input !== undefined && typeof input !== 'string' && !(input instanceof Uint8Array)) fail(FN, 'options.input', 'a string or a Uint8Array', input);
  delete (command.rest as ExecOptions).input;
  throwIfDone(ctx);
  command.rest.stdio = ['pipe', 'pipe', 'pipe'];
  return await new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let ended: { status: ExitStatus; error: Error | undefined; cancelled: boolean } | undefined;
    const settle = (): void => {
      if (ended === undefined) return;
      release();
      const { status, error, cancelled } = ended;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (error !== undefined) reject(error);
      else if (cancelled) reject(cause(ctx));
      else if (status.code === 0) resolve({ ...status, stdout, stderr });
      else reject(new ExitError(status.code, status.signal, stdout, stderr));
    };
    const { child, release } = start(
      ctx,
      command,
      (status, error, cancelled) => {
        ended = { status, error, cancelled };
        if (error !== undefined) settle();
      },
      () => {
        child.stdout!.destroy();
        child.stderr!.destroy();
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    // 'close' comes after 'exit', once every output stream has closed.
    child.once('close', settle);
    child.stdin!.on('error', () => {}); // EPIPE: the process exited without reading its input
    child.stdin!.end(input);
  });
}
