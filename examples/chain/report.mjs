// How a chain hop tells its parent process what happens: one JSON object per
// line on stdout, `{ hop, event, at, ...fields }`, where `at` is the monotonic
// clock in milliseconds (process.hrtime), which every process on the machine
// shares, so the parent can order events from different hops and measure
// across processes. The events are listed in hop.mjs.
import { cause } from 'ctxkit';

/** monoNow returns the machine's monotonic clock in milliseconds (fractional). */
export function monoNow() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** createReporter returns `report(event, fields)`, which writes one event line for `hop`. */
export function createReporter(hop) {
  return (event, fields = {}) => {
    process.stdout.write(`${JSON.stringify({ hop, event, at: monoNow(), ...fields })}\n`);
  };
}

/** endFields describes why ctx ended: `{ err, cause }`, the error's message and the cause's class name. */
export function endFields(ctx) {
  return { err: ctx.err()?.message, cause: nameOf(cause(ctx)) };
}

/** nameOf names an error for a report: its class name (ClientDisconnectedError, DeadlineExceededError, …). */
export function nameOf(error) {
  if (error instanceof Error) return error.name;
  return error === undefined ? undefined : String(error);
}
