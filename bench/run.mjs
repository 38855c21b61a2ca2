/**
 * ctxkit's benchmark suite: ctxkit against native AbortController /
 * AbortSignal, on workloads modelled on Go's src/context/benchmark_test.go,
 * on every supported Node line side by side.
 *
 *   npm run bench                 full run on Node 20, 22, 24 and 26; writes bench/results.md
 *   npm run bench -- --quick      short run for development; writes nothing unless --out
 *   node bench/run.mjs [--quick] [--node=LINES] [--only=REGEX] [--out=FILE] [--json=FILE] [--verbose]
 *
 *   --node=LINES   the Node lines to run the workloads on, e.g. --node=24 or
 *                  --node=20,24 (default: 20,22,24,26). Node 20 is the node
 *                  that runs this script; 22, 24 and 26 are the binaries
 *                  `node scripts/runtimes.mjs install` puts in .runtimes/. A
 *                  line whose binary is missing is reported as missing, and
 *                  the others run. The headline tables are those of Node 24
 *                  (the current LTS) when it runs, else of the first line given.
 *   --only=REGEX   run only the workloads (and optional modules) whose id matches
 *   --out=FILE     write the markdown report there (default for a full run: bench/results.md)
 *   --json=FILE    also write every raw figure as JSON
 *   --verbose      show what the workload processes print on stderr
 *   --node-flags="--max-semi-space-size=64 …"
 *                  extra flags for the workload processes (for investigation:
 *                  the committed results use Node's defaults)
 *
 * Each timing workload runs in a process of its own (bench/timing.mjs), ctxkit
 * and native variants interleaved inside it; each memory variant runs in a
 * process of its own under --expose-gc (bench/memory.mjs). Processes run one
 * after another, never in parallel; each workload runs on every Node line
 * before the next workload starts, so a burst of load from elsewhere touches
 * the lines alike. Optional modules written by other modules' owners
 * (bench/worker.mjs, bench/servers.mjs, bench/db.mjs, …) are imported if
 * present, run once (under the node running this script; bench/e2e-servers.mjs and
 * bench/request-alloc.mjs start their processes with the headline line's binary) and their rows reported
 * in a section of their own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { presentRuntimes } from '../scripts/runtimes.mjs';
import { renderMarkdown, renderTerminal } from './lib/report.mjs';
import { TIMING_WORKLOADS } from './timing.mjs';
import { MEMORY_WORKLOADS } from './workloads/memory.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');
/** Optional modules: bench/<name>.mjs exporting `async function run()` that returns rows. */
const EXTRA_MODULES = ['worker', 'servers', 'e2e-servers', 'request-alloc', 'signal-floors', 'db', 'group', 'gc', 'rpc'];
/** The supported Node lines, and the one whose figures head the report (the current LTS). */
const NODE_LINES = ['20', '22', '24', '26'];
const HEADLINE_LINE = '24';
/**
 * A workload process that runs longer than this is stopped and reported as
 * "did not finish". Memory processes take seconds, except Node 22's
 * AbortSignal.any, whose collections slow down with a long-lived parent's
 * dependants (up to 78 s for live-cancel; the leak workloads never finish).
 */
const PROCESS_TIMEOUT_MS = { timing: 10 * 60_000, memory: 3 * 60_000 };

function parseArgs(argv) {
  const value = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const only = value('only');
  const lines = (value('node') ?? NODE_LINES.join(',')).split(',').map((l) => l.trim().replace(/^node/, '')).filter(Boolean);
  const unknown = lines.filter((l) => !NODE_LINES.includes(l));
  if (unknown.length > 0) throw new Error(`--node: unsupported line(s) ${unknown.join(', ')}; one or more of ${NODE_LINES.join(', ')}`);
  return {
    quick,
    lines,
    linesAsked: value('node') !== undefined,
    only: only === undefined ? undefined : new RegExp(only),
    out: value('out') ?? (quick ? undefined : join(BENCH_DIR, 'results.md')),
    json: value('json'),
    verbose: argv.includes('--verbose'),
    nodeFlags: (value('node-flags') ?? '').split(/\s+/).filter(Boolean),
    argv,
  };
}

/** Tracks the machine's load average over the run, to flag disturbed figures. */
function loadTracker() {
  const start = os.loadavg()[0];
  let max = start;
  return {
    sample() {
      max = Math.max(max, os.loadavg()[0]);
    },
    summary() {
      const end = os.loadavg()[0];
      return { start, max: Math.max(max, end), end };
    },
  };
}

function machineInfo(options, seconds, load, nodes) {
  const cpus = os.cpus();
  const args = options.argv.join(' ');
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: nodes.headline?.version ?? process.version,
    v8: nodes.headline?.v8 ?? process.versions.v8,
    lines: nodes.lines.map(({ line, version, v8 }) => ({ line, version, v8 })),
    missing: nodes.missing,
    headline: nodes.headline?.line,
    command: viaNpm ? `npm run bench${args ? ` -- ${args}` : ''}` : `node bench/run.mjs${args ? ` ${args}` : ''}`,
    quick: options.quick,
    seconds,
    load,
    // The run itself keeps one to two cores busy (a timing process, V8's GC
    // threads, the worker and server sections' threads and processes): only a
    // load beyond that points at other work.
    loaded: load.max > cpus.length + 1,
  };
}

/**
 * The Node binaries of the lines asked for: { lines: [{ line, bin, version, v8 }],
 * missing: [{ line, why }], headline } (headline: Node 24 if present, else the first).
 */
function resolveNodes(lines) {
  const present = presentRuntimes();
  const found = [];
  const missing = [];
  for (const line of lines) {
    const bin = present[`node${line}`];
    if (bin === undefined) {
      const why =
        line === '20'
          ? 'Node 20 runs as the node that runs bench/run.mjs: run it with Node 20 to include that line'
          : `.runtimes/node${line}/bin/node is missing (install it: node scripts/runtimes.mjs install)`;
      missing.push({ line, why });
      continue;
    }
    const probe = spawnSync(bin, ['-p', 'process.version + " " + process.versions.v8'], { encoding: 'utf8' });
    const [version, v8] = probe.stdout.trim().split(' ');
    if (probe.status !== 0 || !version?.startsWith(`v${line}.`)) {
      missing.push({ line, why: `${bin} does not run as Node ${line} (${probe.error?.message ?? (version || probe.stderr.trim())})` });
      continue;
    }
    found.push({ line, bin, version, v8 });
  }
  return { lines: found, missing, headline: found.find((n) => n.line === HEADLINE_LINE) ?? found[0] };
}

/** Runs `<bin> args…`, killed after timeoutMs; resolves with its exit code, stdout, stderr and whether it timed out. */
function runNode(bin, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** A workload process that failed; `cell` is what the report shows in its place. */
class WorkloadFailure extends Error {
  constructor(message, cell) {
    super(message);
    this.cell = cell;
  }
}

/** Runs one workload process of `kind` ('timing' or 'memory') and returns the JSON its last line holds, or throws a WorkloadFailure. */
async function runWorkloadProcess(node, kind, args, options) {
  const script = `${kind}.mjs`;
  const flags = ['--expose-gc', ...options.nodeFlags, join(BENCH_DIR, script), ...args, ...(options.quick ? ['--quick'] : [])];
  const timeoutMs = PROCESS_TIMEOUT_MS[kind];
  const { code, signal, stdout, stderr, timedOut } = await runNode(node.bin, flags, timeoutMs);
  if (options.verbose && stderr.trim()) process.stderr.write(stderr);
  const what = `Node ${node.line}: ${script} ${args.join(' ')}`;
  if (timedOut) throw new WorkloadFailure(`${what} did not finish within ${timeoutMs / 1000} s: stopped`, `did not finish in ${timeoutMs / 1000} s`);
  const last = stdout.trim().split('\n').pop();
  if (code !== 0 || !last) {
    throw new WorkloadFailure(`${what} exited with ${signal ?? code}:\n${stderr.trim().split('\n').slice(-15).join('\n')}`, 'failed (see stderr)');
  }
  return JSON.parse(last);
}

function progress(step, total, label, seconds) {
  process.stderr.write(`[${String(step).padStart(2)}/${total}] ${label.padEnd(48)} ${seconds.toFixed(1)} s\n`);
}

/** Every process to run: timing workloads, then memory variants. */
function plannedRuns(options) {
  const wanted = (id) => options.only === undefined || options.only.test(id);
  const timing = TIMING_WORKLOADS.filter((w) => wanted(w.id)).map((w) => ({ kind: 'timing', workload: w, label: w.id }));
  const memory = MEMORY_WORKLOADS.filter((w) => wanted(w.id)).flatMap((w) =>
    w.variants.map((v) => ({ kind: 'memory', workload: w, variant: v, label: `${w.id}: ${v.name}` })),
  );
  return [...timing, ...memory];
}

/** Runs every planned process on every Node line; per line the figures as one run's results. */
async function runAll(options, load, nodes) {
  const perLine = nodes.lines.map((node) => ({ ...node, timing: {}, memory: {}, failures: [] }));
  const runs = plannedRuns(options);
  for (const [i, run] of runs.entries()) {
    const started = Date.now();
    for (const results of perLine) await runOne(run, results, options);
    load.sample();
    progress(i + 1, runs.length, `${run.label} (Node ${perLine.map((r) => r.line).join(', ')})`, (Date.now() - started) / 1000);
  }
  const extra = await runExtraModules(options, nodes.headline);
  return { perLine, extra };
}

/** One workload process on one line, its figure or failure recorded in that line's results. */
async function runOne(run, results, options) {
  try {
    if (run.kind === 'timing') {
      results.timing[run.workload.id] = await runWorkloadProcess(results, 'timing', [run.workload.id], options);
    } else {
      const figure = await runWorkloadProcess(results, 'memory', [run.workload.id, run.variant.name], options);
      memoryEntry(results, run.workload).variants.push(figure);
    }
  } catch (error) {
    results.failures.push({ run: `${run.label} (Node ${results.line})`, error: error.message });
    process.stderr.write(`${error.message}\n`);
    if (run.kind === 'memory') memoryEntry(results, run.workload).variants.push({ name: run.variant.name, side: run.variant.side, bytes: NaN, failed: error.cell });
  }
}

function memoryEntry(results, workload) {
  return (results.memory[workload.id] ??= { id: workload.id, title: workload.title, kind: workload.kind, variants: [] });
}

/** Imports and runs the optional modules that exist; each gives rows or an error. */
async function runExtraModules(options, headline) {
  const sections = [];
  for (const name of EXTRA_MODULES) {
    const file = join(BENCH_DIR, `${name}.mjs`);
    if (!existsSync(file) || (options.only !== undefined && !options.only.test(name))) continue;
    const started = Date.now();
    try {
      const module = await import(pathToFileURL(file).href);
      if (typeof module.run !== 'function') throw new Error(`bench/${name}.mjs does not export run()`);
      const rows = await module.run({ quick: options.quick, node: headline?.bin ?? process.execPath });
      if (!Array.isArray(rows)) throw new Error(`run() of bench/${name}.mjs did not return an array of rows`);
      sections.push({ module: name, rows });
    } catch (error) {
      sections.push({ module: name, error: error?.stack ?? String(error) });
    }
    process.stderr.write(`[extra] bench/${name}.mjs ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  return sections;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const load = loadTracker();
  const nodes = resolveNodes(options.lines);
  process.stderr.write(
    `ctxkit bench: ${options.quick ? 'quick' : 'full'} run, ${os.cpus().length} cores, Node ${nodes.lines.map((n) => n.version).join(', ') || 'none'}` +
      `${nodes.headline ? ` (headline: ${nodes.headline.version})` : ''}\n`,
  );
  for (const { line, why } of nodes.missing) process.stderr.write(`Node ${line}: not run: ${why}\n`);
  if (nodes.lines.length === 0) {
    process.stderr.write('no Node line to run\n');
    process.exitCode = 1;
    return;
  }
  const { perLine, extra } = await runAll(options, load, nodes);
  const headline = perLine.find((r) => r.line === nodes.headline.line);
  const results = {
    timing: headline.timing,
    memory: headline.memory,
    failures: perLine.flatMap((r) => r.failures),
    extra,
    lines: perLine,
    meta: machineInfo(options, (Date.now() - started) / 1000, load.summary(), nodes),
  };
  console.log(renderTerminal(results));
  if (options.out) {
    writeFileSync(options.out, renderMarkdown(results));
    process.stderr.write(`\nwrote ${relative(process.cwd(), options.out) || options.out}\n`);
  }
  if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
  if (results.failures.length > 0) {
    process.stderr.write(`\n${results.failures.length} workload process(es) failed: ${results.failures.map((f) => f.run).join(', ')}\n`);
    process.exitCode = 1;
  }
  // A line asked for by name must run; of the default lines, a missing one is reported.
  if (options.linesAsked && nodes.missing.length > 0) process.exitCode = 1;
}

await main();
