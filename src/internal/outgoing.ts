/**
 * The headers an outgoing HTTP call carries for a context: its remaining
 * budget in each deadline header, and its carried values; the options that
 * say so, and the client's own timeout from the deadline. One computation for
 * every HTTP client adapter (undici, axios, got, ky), so they agree on what crosses.
 */
import { afterFunc } from '../after-func.js';
import { cause } from '../cause.js';
import type { Context } from '../context.js';
import { DeadlineExceeded } from '../errors.js';
import type { DeadlineCodec } from '../propagation/deadline-codecs.js';
import { checkMs, checkOptions, fail } from './check.js';
import { checkCodecs } from './headers.js';

/** The part of a DeadlineCodec this needs: its header and how it writes a budget. */
interface BudgetCodec {
  readonly header: string;
  encode(ms: number): string;
}

/** The part of a ValuesHeader this needs. */
interface ValuesEncoder {
  readonly header: string;
  encode(ctx: Context): string | undefined;
}

/**
 * outgoingHeaders returns the `[name, value]` headers of a call made under
 * ctx: the budget left until ctx's deadline, less `marginMs`, in every codec's
 * header (none without a deadline), then the values header if it has any
 * values. It returns undefined when ctx has a deadline and no budget is left:
 * such a call must not be sent.
 */
export function outgoingHeaders(ctx: Context, marginMs: number, codecs: readonly BudgetCodec[], values: ValuesEncoder | undefined): Array<[string, string]> | undefined {
  const headers: Array<[string, string]> = [];
  const deadline = ctx.deadline();
  if (deadline !== undefined) {
    const budget = deadline.getTime() - Date.now() - marginMs;
    if (budget <= 0) return undefined;
    for (const codec of codecs) headers.push([codec.header, codec.encode(budget)]);
  }
  const carried = values?.encode(ctx);
  if (carried !== undefined) headers.push([values!.header, carried]);
  return headers;
}

/**
 * requestHeaders returns outgoingHeaders for a request about to be sent under
 * ctx, or throws what the request must fail with instead: cause(ctx) if ctx
 * is done, DeadlineExceeded if no budget is left after the margin.
 */
export function requestHeaders(ctx: Context, marginMs: number, codecs: readonly BudgetCodec[], values: ValuesEncoder | undefined): Array<[string, string]> {
  if (ctx.err() !== undefined) throw cause(ctx);
  const headers = outgoingHeaders(ctx, marginMs, codecs, values);
  if (headers === undefined) throw DeadlineExceeded;
  return headers;
}

/** The options every HTTP client adapter takes for what a request sends (as AxiosContextOptions). */
export interface OutgoingOptions {
  marginMs?: number;
  deadlineCodecs?: readonly DeadlineCodec[];
  values?: ValuesEncoder;
}

/**
 * checkOutgoingOptions checks an adapter's OutgoingOptions (the argument
 * named `arg` in errors) and returns them with their defaults: no margin,
 * `defaultCodecs`, no values.
 */
export function checkOutgoingOptions(
  fn: string,
  options: OutgoingOptions | undefined,
  defaultCodecs: readonly DeadlineCodec[],
  arg = 'options',
): { margin: number; codecs: readonly DeadlineCodec[]; values: ValuesEncoder | undefined } {
  const o = checkOptions(fn, arg, options);
  const margin = checkMs(fn, `${arg}.marginMs`, o.marginMs ?? 0);
  const codecs = checkCodecs(fn, `${arg}.deadlineCodecs`, o.deadlineCodecs ?? defaultCodecs);
  const values = o.values;
  if (values !== undefined && (typeof values !== 'object' || values === null || typeof values.encode !== 'function')) {
    fail(fn, `${arg}.values`, 'a ValuesHeader', values);
  }
  return { margin, codecs, values };
}

/**
 * clientTimeout returns the timeout, in whole milliseconds (at least 1), a
 * client library should apply to a request under ctx: the time left until
 * ctx's deadline (the margin is for the budget sent, not for this side), or
 * `given` if that is shorter; `given` when ctx has no deadline.
 */
export function clientTimeout(ctx: Context, given: number | undefined): number | undefined {
  const deadline = ctx.deadline();
  if (deadline === undefined) return given;
  const left = Math.max(Math.ceil(deadline.getTime() - Date.now()), 1);
  return given !== undefined && given > 0 && given < left ? given : left;
}

/**
 * sendUnder runs `send` with a signal of the request's own, aborted with
 * cause(ctx) when ctx ends and let go when send's promise settles, so that
 * many requests in flight under one long-lived context leave nothing each on
 * ctx's signal; a rejection is replaced by what `report` makes of it.
 */
export async function sendUnder<R>(ctx: Context, send: (signal: AbortSignal) => PromiseLike<R>, report: (error: unknown) => unknown): Promise<Awaited<R>> {
  const controller = new AbortController();
  const stop = afterFunc(ctx, () => controller.abort(cause(ctx)));
  try {
    return await send(controller.signal);
  } catch (error) {
    throw report(error);
  } finally {
    stop();
  }
}
