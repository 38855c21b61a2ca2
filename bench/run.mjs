/**
 * ctxkit's benchmark suite: ctxkit against native AbortController /
 * AbortSignal, on workloads modelled on Go's src/context/benchmark_test.go.
 *
 *   npm run bench                 full run; writes bench/results.md
 *   npm run bench -- --quick      short run for development; writes nothing unless --out
 *   node bench/run.mjs [--quick] [--only=REGEX] [--out=FILE] [--json=FILE] [--verbose]
 *
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
 * after another, never in parallel. Optional modules written by other modules'
 * owners (bench/worker.mjs, bench/servers.mjs, bench/db.mjs) are imported if present and
 * their rows reported in a section of their own.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderMarkdown, renderTerminal } from './lib/report.mjs';
import { TIMING_WORKLOADS } from './timing.mjs';
import { MEMORY_WORKLOADS } from './workloads/memory.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');
/** Optional modules: bench/<name>.mjs exporting `async function run()` that returns rows. */
const EXTRA_MODULES = ['worker', 'servers', 'db', 'group', 'gc', 'rpc'];
/** A workload process that runs longer than this is stopped and reported as failed. */
const PROCESS_TIMEOUT_MS = 10 * 60_000;

function parseArgs(argv) {
  const value = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const only = value('only');
  return {
    quick,
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

function machineInfo(options, seconds, load) {
  const cpus = os.cpus();
  const args = options.argv.join(' ');
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
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

/** Runs `node args…` and resolves with its exit code, stdout and stderr. */
function runNode(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs one workload process and returns the JSON its last line holds, or throws with its stderr. */
async function runWorkloadProcess(script, args, options) {
  const flags = ['--expose-gc', ...options.nodeFlags, join(BENCH_DIR, script), ...args, ...(options.quick ? ['--quick'] : [])];
  const { code, signal, stdout, stderr } = await runNode(flags);
  if (options.verbose && stderr.trim()) process.stderr.write(stderr);
  const last = stdout.trim().split('\n').pop();
  if (code !== 0 || !last) {
    throw new Error(`${script} ${args.join(' ')} exited with ${signal ?? code}:\n${stderr.trim().split('\n').slice(-15).join('\n')}`);
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

async function runAll(options, load) {
  const results = { timing: {}, memory: {}, extra: [], failures: [] };
  const runs = plannedRuns(options);
  for (const [i, run] of runs.entries()) {
    const started = Date.now();
    try {
      if (run.kind === 'timing') {
        results.timing[run.workload.id] = await runWorkloadProcess('timing.mjs', [run.workload.id], options);
      } else {
        const figure = await runWorkloadProcess('memory.mjs', [run.workload.id, run.variant.name], options);
        const entry = (results.memory[run.workload.id] ??= { id: run.workload.id, title: run.workload.title, kind: run.workload.kind, variants: [] });
        entry.variants.push(figure);
      }
    } catch (error) {
      results.failures.push({ run: run.label, error: error.message });
      process.stderr.write(`${error.message}\n`);
      if (run.kind === 'memory') {
        const entry = (results.memory[run.workload.id] ??= { id: run.workload.id, title: run.workload.title, kind: run.workload.kind, variants: [] });
        entry.variants.push({ name: run.variant.name, side: run.variant.side, bytes: NaN, failed: 'failed (see stderr)' });
      }
    }
    load.sample();
    progress(i + 1, runs.length, run.label, (Date.now() - started) / 1000);
  }
  results.extra = await runExtraModules(options);
  return results;
}

/** Imports and runs the optional modules that exist; each gives rows or an error. */
async function runExtraModules(options) {
  const sections = [];
  for (const name of EXTRA_MODULES) {
    const file = join(BENCH_DIR, `${name}.mjs`);
    if (!existsSync(file) || (options.only !== undefined && !options.only.test(name))) continue;
    const started = Date.now();
    try {
      const module = await import(pathToFileURL(file).href);
      if (typeof module.run !== 'function') throw new Error(`bench/${name}.mjs does not export run()`);
      const rows = await module.run();
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
  process.stderr.write(`ctxkit bench: ${options.quick ? 'quick' : 'full'} run, Node ${process.version}, ${os.cpus().length} cores\n`);
  const results = await runAll(options, load);
  results.meta = machineInfo(options, (Date.now() - started) / 1000, load.summary());
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
}

await main();
