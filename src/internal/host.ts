/**
 * What differs between JavaScript hosts (Node, Deno, Bun, browsers, workerd),
 * in one place for the core and every subpath.
 */

/** The longest delay setTimeout honours; longer ones fire at once (Node) or wrap. */
export const MAX_DELAY = 2 ** 31 - 1;

/** A setTimeout delay for `ms`: clamped to [0, MAX_DELAY], so it never fires early by wrapping. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_DELAY);
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
