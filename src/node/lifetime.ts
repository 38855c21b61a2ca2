/**
 * runService: the whole life of a service, from start to exit code. Go's
 * `signal.NotifyContext` then `Server.Shutdown`, with .NET's
 * `IHostApplicationLifetime` phases (Started, Stopping, Stopped) as hooks.
 */
import { once } from 'node:events';
import { constants } from 'node:os';
import {
  afterFunc,
  background,
  Canceled,
  withCancelCause,
  withTracker,
  type Context,
  type Tracker,
} from '../index.js';
import { ServerShutdown } from './causes.js';
import { watchServer } from './connections.js';
import { checkContext, checkFunction, checkMs, checkOptionalFunction, checkOptions, fail } from '../internal/check.js';
import { shutdown, type ShutdownOutcome, type ShutdownServer } from './shutdown.js';
import { withProcessSignals } from './signals.js';

/** A lifetime hook: run once, in its phase, and awaited; a throw or a rejection is a failure of the service. */
export type ServiceHook = () => unknown;

/** Where a failure reported to `onError` happened. */
export type ServicePhase = 'start' | 'started' | 'stopping' | 'shutdown' | 'stopped' | 'task';

/** Service is what `start` receives: the lifetime context, the tracker, the hooks and `stop`. */
export interface Service {
  /**
   * The service-lifetime context: the `parent` for request contexts (Go's
   * `BaseContext`) and for background work. It stays live while the service
   * drains, and is cancelled with ServerShutdown once every server has closed
   * and the tracker has ended.
   */
  readonly ctx: Context;
  /**
   * Done as soon as the service begins to stop (.NET's `ApplicationStopping`):
   * its cause is the ProcessSignalError of the signal, the reason given to
   * `stop`, the failure of `start` or of a Started hook, or the parent's cause.
   */
  readonly stopping: Context;
  /** The service's background work (a child of `ctx`): drained and cancelled alongside the requests. */
  readonly tracker: Tracker;
  /** Runs `hook` once every server is listening, after `start` (in registration order). */
  onStarted(hook: ServiceHook): void;
  /** Runs `hook` when the service begins to stop, before the servers stop accepting (last registered first). */
  onStopping(hook: ServiceHook): void;
  /** Runs `hook` once the servers have closed and the tracker has ended (last registered first). */
  onStopped(hook: ServiceHook): void;
  /** Begins the stop, as a signal would (.NET's `StopApplication`), with `reason` (default `Canceled`) as the cause of `stopping`. */
  stop(reason?: unknown): void;
}

/** ServiceOptions: the signals that stop the service, the grace periods, where failures go. */
export interface ServiceOptions {
  /**
   * The context the service lives under (its values are seen by `ctx`): when
   * it is done the service stops, and `ctx`, its child, is done at once, with
   * no grace period (use `stop()` for a graceful stop). Default: `background()`.
   */
  parent?: Context;
  /** The signals that stop the service; a second one forces the exit. Default: `['SIGINT', 'SIGTERM']`. */
  signals?: readonly NodeJS.Signals[];
  /** How long requests and background tasks may run on once the servers stop accepting. Default: 10 000. */
  graceMs?: number;
  /** How long they get after their contexts were cancelled, before connections are closed. Default: 1 000. */
  cancelGraceMs?: number;
  /**
   * Called with each failure and where it happened, background tasks'
   * included (which do not stop the service). Default: `console.error`.
   */
  onError?: (error: unknown, phase: ServicePhase) => void;
}

/** What `start` returns: the servers to stop (listening, or about to be), or nothing for a service without one. */
export type ServiceServers = ShutdownServer | readonly ShutdownServer[] | undefined | void;

/**
 * ServiceExit: the exit codes `runService` resolves with, besides 128 + the
 * signal's number (130 for SIGINT, 143 for SIGTERM) when a second signal
 * forced the exit.
 */
export const ServiceExit = Object.freeze({
  /** Every request and task finished within the grace period, and nothing failed. */
  drained: 0,
  /** `start`, a server, or a hook failed (whatever else happened). */
  failed: 1,
  /** The grace period ran out: some requests or tasks were cancelled. */
  cancelled: 3,
});

/** Runs hooks one after the other, reporting each failure; returns the first failure, or undefined if all succeeded. */
async function runHooks(hooks: readonly ServiceHook[], phase: ServicePhase, report: (e: unknown, p: ServicePhase) => void): Promise<{ error: unknown } | undefined> {
  let failure: { error: unknown } | undefined;
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      failure ??= { error };
      report(error, phase);
    }
  }
  return failure;
}

/** Resolves once `server` is listening; rejects with its 'error' (EADDRINUSE, …) if it fails to. */
async function listening(server: ShutdownServer): Promise<void> {
  if (!server.listening) await once(server, 'listening');
}

/** The servers `start` returned, checked. */
function serversOf(returned: unknown): ShutdownServer[] {
  const list = returned === undefined ? [] : Array.isArray(returned) ? (returned as unknown[]) : [returned];
  for (const s of list) {
    if (typeof (s as ShutdownServer | null)?.close !== 'function' || typeof (s as ShutdownServer).on !== 'function') {
      fail('runService', 'the result of start', 'a server, an array of servers, or undefined', s);
    }
  }
  return list as ShutdownServer[];
}

/**
 * runService runs a service from start to exit code, and resolves with that
 * code (use it as `process.exit(await runService(…))`, Go's
 * `os.Exit(run())`). It calls `start(service)`, which makes the servers
 * (request contexts under `service.ctx`), starts them listening, registers
 * hooks and background work, and returns the servers; once they listen it runs
 * the Started hooks. The first of `signals`, `service.stop()`, the parent
 * ending, or a failure of `start` or of a Started hook begins the stop: the
 * Stopping hooks run, then every server is shut down (`shutdown`, sharing
 * `service.ctx` and the tracker), then the Stopped hooks run. It resolves with
 * `ServiceExit.failed` if anything failed, else `ServiceExit.cancelled` if the
 * grace period ran out, else `ServiceExit.drained`. A signal received while
 * stopping forces the exit: `service.ctx` and the tracker are cancelled with
 * ServerShutdown and it resolves at once with 128 + the signal's number,
 * without waiting for the servers or running the Stopped hooks.
 */
export function runService(start: (service: Service) => ServiceServers | Promise<ServiceServers>, options?: ServiceOptions): Promise<number> {
  const FN = 'runService';
  checkFunction(FN, 'start', start);
  const o = checkOptions(FN, 'options', options);
  const parent = o.parent === undefined ? background() : checkContext(FN, 'options.parent', o.parent);
  const graceMs = checkMs(FN, 'options.graceMs', o.graceMs ?? 10_000);
  const cancelGraceMs = checkMs(FN, 'options.cancelGraceMs', o.cancelGraceMs ?? 1_000);
  const onError = checkOptionalFunction<(error: unknown, phase: ServicePhase) => void>(FN, 'options.onError', o.onError);
  const report = (error: unknown, phase: ServicePhase): void => {
    if (onError !== undefined) onError(error, phase);
    else console.error(`ctxkit.runService: ${phase} failed:`, error);
  };
  // Throws the TypeError for bad signals before anything is made.
  const [signalled, stopSignals] = withProcessSignals(parent, o.signals ?? ['SIGINT', 'SIGTERM']);
  const names = [...new Set(o.signals ?? ['SIGINT', 'SIGTERM'])];

  const [stopping, stop] = withCancelCause(signalled);
  const [ctx, end] = withCancelCause(parent);
  const tracker = withTracker(ctx, { onError: (e) => report(e, 'task') });
  const hooks = { started: [] as ServiceHook[], stopping: [] as ServiceHook[], stopped: [] as ServiceHook[] };
  let phase: 'starting' | 'started' | 'stopping' | 'stopped' = 'starting';
  const register = (name: keyof typeof hooks, hook: ServiceHook, before: readonly string[]): void => {
    checkFunction(`Service.on${name[0]!.toUpperCase()}${name.slice(1)}`, 'hook', hook);
    if (!before.includes(phase)) throw new Error(`ctxkit.runService: the ${name} phase has begun; register hooks before it`);
    if (name === 'started') hooks.started.push(hook);
    else hooks[name].unshift(hook); // last registered runs first
  };
  const service: Service = {
    ctx,
    stopping,
    tracker,
    onStarted: (hook) => register('started', hook, ['starting']),
    onStopping: (hook) => register('stopping', hook, ['starting', 'started']),
    onStopped: (hook) => register('stopped', hook, ['starting', 'started', 'stopping']),
    stop: (reason?: unknown) => stop(reason ?? Canceled),
  };

  // A signal once the stop has begun forces the exit.
  let force: (code: number) => void = () => {};
  const forced = new Promise<number>((resolve) => (force = resolve));
  const onSecondSignal = (signal: NodeJS.Signals): void => {
    end(ServerShutdown);
    tracker[Symbol.dispose]();
    force(128 + (constants.signals[signal] ?? 0));
  };
  afterFunc(stopping, () => {
    stopSignals();
    if (phase !== 'stopped') for (const s of names) process.on(s, onSecondSignal);
  });

  const run = async (): Promise<number> => {
    let failed = false;
    let servers: ShutdownServer[] = [];
    try {
      servers = serversOf(await start(service));
      for (const s of servers) watchServer(s);
      await Promise.all(servers.map(listening));
    } catch (error) {
      failed = true;
      report(error, 'start');
      stop(error);
    }
    if (!failed && stopping.err() === undefined) {
      phase = 'started';
      const failure = await runHooks(hooks.started, 'started', report);
      if (failure !== undefined) {
        failed = true;
        stop(failure.error);
      }
    }
    await stopping.done();
    phase = 'stopping';
    if ((await runHooks(hooks.stopping, 'stopping', report)) !== undefined) failed = true;

    // Drain every server that listens, sharing ctx and the tracker; the tracker alone if none does.
    const open = servers.filter((s) => s.listening);
    const drains: Array<Promise<ShutdownOutcome>> =
      open.length > 0
        ? open.map((s) => shutdown(s, { graceMs, cancelGraceMs, cancel: end, tracker }))
        : [tracker.shutdown({ graceMs, cancelGraceMs, cause: ServerShutdown }).then((o) => (o === 'drained' ? 'drained' : 'cancelled'))];
    const outcomes: ShutdownOutcome[] = [];
    for (const r of await Promise.allSettled(drains)) {
      if (r.status === 'fulfilled') {
        outcomes.push(r.value);
      } else {
        failed = true;
        report(r.reason, 'shutdown');
      }
    }
    end(ServerShutdown);
    phase = 'stopped';
    if ((await runHooks(hooks.stopped, 'stopped', report)) !== undefined) failed = true;
    if (failed) return ServiceExit.failed;
    return outcomes.every((x) => x === 'drained') ? ServiceExit.drained : ServiceExit.cancelled;
  };

  return Promise.race([run(), forced]).finally(() => {
    phase = 'stopped';
    for (const s of names) process.removeListener(s, onSecondSignal);
  });
}
