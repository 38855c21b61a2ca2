/**
 * Renders the collected results: tables for the terminal and bench/results.md.
 */
import { markdownTable } from './format.mjs';
import { buildRows, collectNotes } from './targets.mjs';

const COLUMNS = ['workload', 'ctxkit', 'native(s)', 'ratio ctxkit ÷ native', 'required', 'met?', 'heading for (Go 1.19 here)'];

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
    rows.map((r) => [r.workload, r.ctxkit, r.natives, r.ratio, r.target, r.verdict.text, r.heading]),
  );
}

/** Every judged row: its target and verdict. */
function targetLines(rows) {
  return rows
    .filter((r) => r.verdict.met !== null)
    .map((r) => {
      const line = `- ${r.verdict.met ? 'met' : '**NOT met**'}: ${r.workload}: ${r.target} — ${r.verdict.text}`;
      return r.verdict.why ? `${line}\n  - suspected cause: ${r.verdict.why}` : line;
    });
}

function targetCount(rows) {
  const judged = rows.filter((r) => r.verdict.met !== null);
  return { met: judged.filter((r) => r.verdict.met).length, total: judged.length };
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
  'taken as the median of the per-round ratios. "Native" in a target is AbortController +',
  'AbortSignal.any (what users compare with); the listener-based native variant is shown beside it.',
  'Rows in [brackets] are ctxkit variants that also read the signal or done(): ctxkit makes those',
  'lazily, so the plain rows do not pay for them. "(ref.)" marks a reference that is neither side,',
  'such as plain objects (what V8 charges for allocating as many objects). Bytes are heap bytes',
  'after full collections, per context. See docs/performance.md.',
].join('\n');

/** The whole report for the terminal. */
export function renderTerminal(results) {
  const rows = buildRows(results);
  const out = [];
  for (const [section, sectionRows] of sections(rows)) out.push(`\n## ${section}\n\n${tableOf(sectionRows)}`);
  const { met, total } = targetCount(rows);
  out.push(`\nTargets: ${met} of ${total} met.`);
  const missed = targetLines(rows).filter((l) => l.includes('NOT met'));
  if (missed.length > 0) out.push(missed.join('\n'));
  for (const extra of results.extra ?? []) out.push(`\n${extraSection(extra)}`);
  if (results.meta.loaded) out.push('\nThe machine was busy with other work during this run: figures may be disturbed.');
  return out.join('\n');
}

/** The whole report as bench/results.md. */
export function renderMarkdown(results) {
  const rows = buildRows(results);
  const { met, total } = targetCount(rows);
  const out = ['# ctxkit benchmark results', '', ...machineLines(results.meta), '', HOW_TO_READ, ''];
  for (const [section, sectionRows] of sections(rows)) out.push(`## ${section}`, '', tableOf(sectionRows), '');
  out.push(`## Targets: ${met} of ${total} met`, '', ...targetLines(rows), '');
  const notes = collectNotes(results);
  if (notes.length > 0) out.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  if ((results.extra ?? []).length > 0) {
    out.push('## Other modules', '');
    for (const extra of results.extra) out.push(extraSection(extra), '');
  }
  return out.join('\n');
}
