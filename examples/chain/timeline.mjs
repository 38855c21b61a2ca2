// The demo's timeline: the events of one request, from every hop and the
// client, in the order they happened, one readable line each.

/** formatTimeline returns the lines for `events` (with `at` in monoNow() ms), timed from `startAt`. */
export function formatTimeline(events, startAt, hopNames) {
  return [...events]
    .sort((a, b) => a.at - b.at)
    .map((e) => `  ${`+${(e.at - startAt).toFixed(1)}`.padStart(8)} ms  ${e.hop.padEnd(6)} ${describe(e, hopNames)}`);
}

/** What one event says, in words. */
function describe(e, hopNames) {
  switch (e.event) {
    case 'received':
      return `received the request, ${e.budgetMs} ms left${e.header === undefined ? ' (its own budget: no deadline header)' : ` (ctxkit-timeout-ms: ${e.header})`}`;
    case 'body-read':
      return `read the body (${e.bytes} bytes)`;
    case 'work-started':
      return `starts working (${e.ms} ms of work)`;
    case 'work-done':
      return `work done`;
    case 'work-stopped':
      return `work stopped: err=${e.err}, cause=${e.cause}`;
    case 'call-sent':
      return `calls ${hopNames.get(e.to) ?? e.to}, passing ${e.budgetMs} ms`;
    case 'call-answered':
      return `got ${e.status} from the next hop`;
    case 'call-failed':
      return `call to the next hop stopped: cause=${e.cause}`;
    case 'responded':
      return e.status === null ? 'answers nothing: the client is gone (logged as 499)' : `answers ${e.status}`;
    case 'context-done':
      return `request context done: err=${e.err}, cause=${e.cause}`;
    default:
      return e.text ?? `${e.event} ${JSON.stringify(e)}`;
  }
}
