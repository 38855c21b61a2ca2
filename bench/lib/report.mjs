/**
 * Renders the collected results: tables for the terminal and bench/results.md.
 */
import { formatBytes, formatMs, formatTime, markdownTable } from './format.mjs';
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
  if (extra.rows[0]?.cells !== undefined) {
    // Rows that bring their own columns (bench/e2e-servers.mjs, bench/request-alloc.mjs).
    const columns = Object.keys(extra.rows[0].cells);
    return `### ${extra.module} (bench/${extra.module}.mjs)\n\n${markdownTable(columns, extra.rows.map((r) => columns.map((c) => String(r.cells[c] ?? '—'))))}`;
  }
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
    `- Node: ${meta.node} (V8 ${meta.v8})${meta.lines?.length > 1 ? ' for the headline tables; side by side: ' + meta.lines.map((l) => `${l.version} (V8 ${l.v8})`).join(', ') : ''}`,
    ...(meta.missing ?? []).map((m) => `- **Node ${m.line} not run**: ${m.why}`),
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

/** The figure of one variant, as the headline tables show it. */
function variantFigure(v) {
  if (v === undefined) return '—';
  if (v.failed) return v.failed.length > 40 ? `${v.failed.slice(0, 40)}…` : v.failed;
  if ('bytes' in v) return formatBytes(v.bytes);
  if (v.lateness) return `p99 ${formatMs(v.lateness.p99)}`;
  return formatTime(v.median);
}

/**
 * Every workload's figures on every Node line, side by side: one row per
 * variant, one column per line; a ctxkit timing figure carries its ratio to the
 * workload's first native variant on that line.
 */
function matrixTable(lines) {
  const ids = [...new Set(lines.flatMap((l) => [...Object.keys(l.timing), ...Object.keys(l.memory)]))];
  const rows = [];
  for (const id of ids) {
    const workloads = lines.map((l) => l.timing[id] ?? l.memory[id]);
    const first = workloads.find(Boolean);
    for (const variant of first.variants) {
      rows.push([
        `${first.title}${variant.name === 'ctxkit' ? '' : ` [${variant.name}]`}`,
        ...workloads.map((w) => {
          const v = w?.variants.find((x) => x.name === variant.name);
          const native = w?.variants.find((x) => x.side === 'native')?.name;
          const ratio = w?.ratios?.[variant.name]?.[native];
          return `${variantFigure(v)}${Number.isFinite(ratio) ? ` (${ratio.toPrecision(2)}× ${native})` : ''}`;
        }),
      ]);
    }
  }
  return markdownTable(['workload [variant]', ...lines.map((l) => `Node ${l.version}`)], rows);
}

/** Each goal's standing on every Node line. */
function goalMatrix(lines) {
  const perLine = lines.map((l) => buildRows(l).filter((r) => r.standing.reached !== null));
  const keys = [...new Set(perLine.flatMap((rows) => rows.map((r) => `${r.workload}\u0000${r.goal}`)))];
  const rows = keys.map((key) => {
    const [workload, goal] = key.split('\u0000');
    return [workload, goal, ...perLine.map((rows) => rows.find((r) => `${r.workload}\u0000${r.goal}` === key)?.standing.text ?? '—')];
  });
  const counts = perLine.map((rows) => `${rows.filter((r) => r.standing.reached).length} of ${rows.length}`);
  return markdownTable(['workload', 'goal', ...lines.map((l) => `Node ${l.version}`)], [...rows, ['goals reached', '', ...counts]]);
}

/** The side-by-side section, when more than one line ran. */
function matrixSection(results) {
  const lines = results.lines ?? [];
  if (lines.length < 2) return [];
  return [
    '## Node lines side by side',
    '',
    'The same workloads, each run on every line in turn (the headline tables above are one of these columns).',
    '',
    matrixTable(lines),
    '',
    '### Goals on every line',
    '',
    goalMatrix(lines),
    '',
  ];
}

/** The whole report for the terminal. */
export function renderTerminal(results) {
  const rows = buildRows(results);
  const out = [];
  for (const [section, sectionRows] of sections(rows)) out.push(`\n## ${section}\n\n${tableOf(sectionRows)}`);
  const { reached, total } = goalCount(rows);
  out.push(`\nGoals: ${reached} of ${total} reached.`);
  const short = goalLines(rows).filter((l) => l.includes('not reached'));
  if (short.length > 0) out.push(short.join('\n'));
  const matrix = matrixSection(results);
  if (matrix.length > 0) out.push(`\n${matrix.join('\n')}`);
  for (const m of results.meta.missing ?? []) out.push(`\nNode ${m.line} not run: ${m.why}`);
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
  out.push(...matrixSection(results));
  const notes = collectNotes(results);
  if (notes.length > 0) out.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  if ((results.extra ?? []).length > 0) {
    out.push('## Other modules', '');
    for (const extra of results.extra) out.push(extraSection(extra), '');
  }
  return out.join('\n');
}
