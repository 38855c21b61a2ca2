/**
 * Renders the collected results: tables for the terminal and bench/results.md.
 */
import { markdownTable } from './format.mjs';
import { buildRows, collectNotes } from './goals.mjs';

const COLUMNS = ['workload', 'ctxkit', 'native(s)', 'ratio ctxkit ÷ native', 'goal (docs/performance.md)', 'against the goal', 'Go 1.19'];

/** The rows of the report grouped by section, in order. */
function sections(rows) {
  const bySection = new Map();
  for (const row of rows) {
    if (!bySection.has(row.section)) bySection.set(row.section, []);
    bySection.get(row.section).push(row);
  }
  return bySection;
}

function tableOf(rows) {
  return markdownTable(
    COLUMNS,
    rows.map((r) => [r.workload, r.ctxkit, r.natives, r.ratio, r.goal, r.standing.text, r.go]),
  );
}

/** Every row with a goal: the goal and where the figure stands. */
function goalLines(rows) {
  return rows
    .filter((r) => r.standing.reached !== null)
    .map((r) => {
      const line = `- ${r.workload}: ${r.goal} — ${r.standing.text}`;
      return r.standing.note ? `${line}\n  - note: ${r.standing.note}` : line;
    });
}

function goalCount(rows) {
  const withGoal = rows.filter((r) => r.standing.reached !== null);
  return { reached: withGoal.filter((r) => r.standing.reached).length, total: withGoal.length };
}

/** The rows an optional module (bench/worker.mjs, bench/servers.mjs) returned, as a table. */
function extraSection(extra) {
  if (extra.error) return `### ${extra.module}\n\nfailed: ${extra.error}`;
  const format = (v, unit) => (typeof v === 'number' ? `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit ?? ''}`.trim() : String(v ?? '—'));
  const rows = extra.rows.map((r) => [r.name ?? JSON.stringify(r), format(r.median, r.unit), format(r.p99, r.unit), String(r.samples ?? '—')]);
  return `### ${extra.module} (bench/${extra.module}.mjs)\n\n${markdownTable(['case', 'median', 'p99', 'samples'], rows)}`;
}

/** Where and how the figures were taken. */
function machineLines(meta) {
  const load = meta.load;
  const lines = [
    `- Date: ${meta.date}`,
    `- Machine: ${meta.cpu}, ${meta.cores} cores (os.cpus()), ${meta.platform}, ${meta.memoryGiB} GiB`,
    `- Node: ${meta.node} (V8 ${meta.v8})`,
    `- Command: \`${meta.command}\`${meta.quick ? ' (quick: fewer rounds, shorter measurements; for development only)' : ''}`,
    `- Duration: ${Math.round(meta.seconds)} s`,
    `- Load average (1 min) during the run: ${load.start.toFixed(2)} at start, ${load.max.toFixed(2)} at most, ${load.end.toFixed(2)} at end; the benchmark itself keeps one to two cores busy`,
  ];
  if (meta.loaded) lines.push(`- **The machine was busy with other work during this run: figures may be disturbed. Repeat on a quiet machine.**`);
  return lines;
}

const HOW_TO_READ = [
  'Times are medians: each round measures every variant once with mitata and keeps its median;',
  'the figure is the median over rounds. A ratio is ctxkit ÷ native (below 1: ctxkit is faster),',
  'taken as the median of the per-round ratios. "Native" in a goal is AbortController +',
  'AbortSignal.any (what users compare with); the listener-based native variant is shown beside it.',
  'Rows in [brackets] are ctxkit variants that also read the signal or done(): ctxkit makes those',
  'lazily, so the plain rows do not pay for them. "(ref.)" marks a reference that is neither side,',
  'such as plain objects (what V8 charges for allocating as many objects). Bytes are heap bytes',
  'after full collections, per context. The goals, and the Go 1.19 figures beside them, are',
  'those of docs/performance.md.',
].join('\n');

/** The whole report for the terminal. */
export function renderTerminal(results) {
  const rows = buildRows(results);
  const out = [];
  for (const [section, sectionRows] of sections(rows)) out.push(`\n## ${section}\n\n${tableOf(sectionRows)}`);
  const { reached, total } = goalCount(rows);
  out.push(`\nGoals: ${reached} of ${total} reached.`);
  const short = goalLines(rows).filter((l) => l.includes('not reached'));
  if (short.length > 0) out.push(short.join('\n'));
  for (const extra of results.extra ?? []) out.push(`\n${extraSection(extra)}`);
  if (results.meta.loaded) out.push('\nThe machine was busy with other work during this run: figures may be disturbed.');
  return out.join('\n');
}

/** The whole report as bench/results.md. */
export function renderMarkdown(results) {
  const rows = buildRows(results);
  const { reached, total } = goalCount(rows);
  const out = ['# ctxkit benchmark results', '', ...machineLines(results.meta), '', HOW_TO_READ, ''];
  for (const [section, sectionRows] of sections(rows)) out.push(`## ${section}`, '', tableOf(sectionRows), '');
  out.push(`## Goals: ${reached} of ${total} reached`, '', ...goalLines(rows), '');
  const notes = collectNotes(results);
  if (notes.length > 0) out.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  if ((results.extra ?? []).length > 0) {
    out.push('## Other modules', '');
    for (const extra of results.extra) out.push(extraSection(extra), '');
  }
  return out.join('\n');
}
