/**
 * The headers an outgoing HTTP call carries for a context: its remaining
 * budget in each deadline header, and its carried values. One computation for
 * every HTTP client adapter (undici, axios), so they agree on what crosses.
 */
import type { Context } from '../context.js';

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
