/**
 * Formatting of figures and tables, shared by the terminal and bench/results.md.
 */

/** A duration given in ns, in the unit that suits it. */
export function formatTime(ns) {
  if (ns === null || ns === undefined || !Number.isFinite(ns)) return 'n/a';
  if (ns < 1e3) return `${round(ns)} ns`;
  if (ns < 1e6) return `${round(ns / 1e3)} µs`;
  if (ns < 1e9) return `${round(ns / 1e6)} ms`;
  return `${round(ns / 1e9)} s`;
}

/** A duration given in ms (lateness of a timer). */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  return `${ms.toFixed(Math.abs(ms) < 10 ? 2 : 1)} ms`;
}

/** A byte count; fractions for the small figures of leak checks. */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
  if (Math.abs(bytes) < 10) return `${bytes.toFixed(2)} B`;
  return `${Math.round(bytes).toLocaleString('en-US')} B`;
}

/** Three significant digits, no exponent. */
export function round(x) {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(digits, 6));
}

/** A ratio ctxkit ÷ native, with what it means: "0.0029 (345× faster)"; for bytes, "smaller" / "larger". */
export function formatRatio(ratio, better = 'faster', worse = 'slower') {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio) || ratio <= 0) return 'n/a';
  if (ratio <= 1) return `${round(ratio)} (${speedup(1 / ratio)} ${better})`;
  return `${round(ratio)} (${speedup(ratio)} ${worse})`;
}

/** "345×", "1.3×". */
export function speedup(factor) {
  if (factor >= 100) return `${Math.round(factor).toLocaleString('en-US')}×`;
  return `${factor.toFixed(factor >= 10 ? 0 : 1)}×`;
}

/**
 * A markdown table padded into columns, readable on a terminal as it is.
 * `columns` are the header names; `rows` arrays of cell strings.
 */
export function markdownTable(columns, rows) {
  const cells = rows.map((row) => row.map((cell) => String(cell ?? '').replaceAll('|', '\\|')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
