/**
 * What differs between JavaScript hosts (Node, Deno, Bun, browsers, workerd),
 * in one place for the core and every subpath.
 */
import { DISPOSE } from './dispose.js';

/** The longest delay setTimeout honours; longer ones fire at once (Node) or wrap. */
const MAX_DELAY = 2 ** 31 - 1;

/** A setTimeout delay for `ms`: clamped to [0, MAX_DELAY], so it never fires early by wrapping. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_DELAY);
}

/** Cloudflare Workers' runtime, workerd, which also emulates parts of Node (`process`, `events`). */
const WORKERD = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers';

/**
 * Whether the host's timers belong to the request that set them: workerd
 * drops a request's pending timers when that request ends, and refuses
 * setTimeout outside any request (at module load).
 */
export const REQUEST_TIMERS: boolean = WORKERD;

/**
 * For hosts with REQUEST_TIMERS: arms a timer in the current request that
 * calls `fire` once `Date.now()` has reached `at` (re-arming if it wakes
 * early). Outside any request it arms nothing: no timer can run there.
 */
export function requestTimer(at: number, fire: () => void): void {
  const wake = (): void => (Date.now() < at ? requestTimer(at, fire) : fire());
  try {
    globalThis.setTimeout(wake, timerDelay(at - Date.now()));
  } catch {
    // Module load (global scope): workerd throws; a request's own deadlines arm their timers.
  }
}

/**
 * unref lets the host exit while a timer or port is pending: Node and Bun have
 * `unref()`, Deno has `Deno.unrefTimer`; browsers and workerd need neither.
 */
export function unref(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null && typeof (handle as { unref?: unknown }).unref === 'function') {
    (handle as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: unknown) => void } }).Deno;
  if (typeof handle === 'number' && typeof deno?.unrefTimer === 'function') deno.unrefTimer(handle);
}

type AddAbortListener = (signal: AbortSignal, listener: () => void) => Record<symbol, () => void>;

/** Node's events.addAbortListener, where the host is Node itself (Deno's, Bun's and workerd's emulations may not resist). */
function nodeAddAbortListener(): AddAbortListener | undefined {
  const g = globalThis as {
    process?: { versions?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };
    Deno?: unknown;
  };
  const p = g.process;
  if (p === undefined || g.Deno !== undefined || p.versions?.bun !== undefined || WORKERD || typeof p.getBuiltinModule !== 'function') {
    return undefined;
  }
  const events = p.getBuiltinModule('events') as { addAbortListener?: AddAbortListener } | undefined;
  return typeof events?.addAbortListener === 'function' ? events.addAbortListener : undefined;
}

let addAbortListener: AddAbortListener | null | undefined;

/**
 * onAbort calls listener once when signal aborts, in a way no other listener
 * can suppress with stopImmediatePropagation(), and returns the function that
 * unsubscribes. The signal must not have aborted yet.
 *
 * Node: events.addAbortListener. Elsewhere: a listener on AbortSignal.any([signal]),
 * whose abort the platform runs after the signal's own listeners, whatever they
 * do. Only a host with neither (pre-2023 browsers) falls back to a plain listener.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (addAbortListener === undefined) addAbortListener = nodeAddAbortListener() ?? null;
  if (addAbortListener !== null) {
    const subscription = addAbortListener(signal, listener);
    return () => subscription[DISPOSE]();
  }
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  const target = typeof any === 'function' ? any([signal]) : signal;
  target.addEventListener('abort', listener, { once: true });
  return () => target.removeEventListener('abort', listener);
}
