// @ts-nocheck: a test fixture that loads the built package by path, so it has no types to check against.
// What the server processes of the HTTP, Connect and client tests share: the
// built package, the options given as JSON in argv, the carried "tenant"
// value, the events printed as JSON lines on stdout, and one request's work:
//   {"event":"start","id":…,"remainingMs":…,"tenant":…}   a request arrived
//   {"event":"end","id":…,"err":…,"cause":…}              a "hang" request's context ended
//   {"event":"stats","handlers":…,"deadlines":…,…}        the answer to "stats" on stdin (after a full GC
//                                                           when run with --expose-gc); deadlines: pending
//                                                           deadlines beyond those pending at start
'use strict';
const { join } = require('node:path');
const readline = require('node:readline');
const root = join(__dirname, '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const { valuesHeader, carry } = require(join(root, 'propagation', 'index.js'));
const { pendingDeadlines } = require(join(root, 'testing', 'index.js'));

const baselineDeadlines = pendingDeadlines();
const tenantKey = ctxkit.createKey('tenant');
const report = (event) => process.stdout.write(JSON.stringify(event) + '\n');
let handlers = 0;

/**
 * Runs one request under ctx: reports its start; "hang" waits for ctx to end,
 * reports that and throws cause(ctx); anything else answers at once.
 */
async function serve(ctx, id, mode) {
  handlers++;
  try {
    const deadline = ctx.deadline();
    const remainingMs = deadline === undefined ? -1 : deadline.getTime() - Date.now();
    const tenant = ctx.value(tenantKey) ?? '';
    report({ event: 'start', id, remainingMs, tenant });
    if (mode === 'hang') {
      await ctx.done();
      report({ event: 'end', id, err: ctx.err()?.name, cause: ctxkit.cause(ctx)?.name });
      throw ctxkit.cause(ctx);
    }
    return { id, remainingMs, tenant };
  } finally {
    handlers--;
  }
}

/** Answers "stats" on stdin with the running handlers, the pending deadlines and what `more()` adds. */
function answerStats(more) {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'stats') return;
    if (global.gc) global.gc();
    report({ event: 'stats', handlers, deadlines: pendingDeadlines() - baselineDeadlines, ...more() });
  });
}

module.exports = {
  ctxkit,
  load: (subpath) => require(join(root, subpath, 'index.js')),
  options: JSON.parse(process.argv[2] ?? '{}'),
  values: valuesHeader([carry('tenant', tenantKey)]),
  report,
  serve,
  answerStats,
};
