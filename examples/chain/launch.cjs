// Starts chain hops (hop.mjs) as child processes and follows what they report:
// used by the demo, the e2e test (test/e2e) and the benchmark (bench/servers.mjs).
// CommonJS so that the Jest suite, which runs as CommonJS, can load it too;
// its types are in launch.d.cts.
'use strict';
const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const { join } = require('node:path');
const readline = require('node:readline');

const HOP_SCRIPT = join(__dirname, 'hop.mjs');
const REPO_ROOT = join(__dirname, '..', '..');

/** monoNow returns the machine's monotonic clock in ms: the clock of the hops' `at`. */
function monoNow() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One running hop process and every event it has reported. */
class HopProcess extends EventEmitter {
  constructor(name, child) {
    super();
    this.name = name;
    this.child = child;
    /** Every event reported so far, in order. */
    this.events = [];
    /** What the process wrote that is not an event (stderr, stray stdout). */
    this.output = '';
    /** Set once the process has exited: `{ code, signal }`. */
    this.exit = undefined;
    readline.createInterface({ input: child.stdout }).on('line', (line) => this._line(line));
    child.stderr.on('data', (chunk) => (this.output += chunk));
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      this.emit('exit', this.exit);
    });
  }

  _line(line) {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      this.output += `${line}\n`;
      return;
    }
    this.events.push(event);
    this.emit('event', event);
  }

  /** The base URL of the hop's HTTP/1 server. */
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The events about request `id`, in order. */
  eventsFor(id) {
    return this.events.filter((e) => e.id === id);
  }

  /** The first event named `event` about request `id`, or undefined. */
  find(event, id) {
    return this.events.find((e) => e.event === event && e.id === id);
  }

  /** Resolves with the first event (reported already or to come) that matches; rejects after `timeoutMs` or if the process exits. */
  waitFor(predicate, { timeoutMs = 10_000, what = 'an event' } = {}) {
    const found = this.events.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('exit', onExit);
      };
      const onEvent = (event) => {
        if (!predicate(event)) return;
        cleanup();
        resolve(event);
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`hop ${this.name} exited (${JSON.stringify(this.exit)}) while waiting for ${what}\n${this.output}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        const last = this.events.slice(-5).map((e) => JSON.stringify(e)).join('\n');
        reject(new Error(`hop ${this.name}: no ${what} within ${timeoutMs} ms; last events:\n${last}\n${this.output}`));
      }, timeoutMs);
      this.on('event', onEvent);
      if (this.exit === undefined) this.on('exit', onExit);
      else onExit();
    });
  }

  /** waitFor the event named `event` about request `id`. */
  waitForEvent(event, id, timeoutMs) {
    return this.waitFor((e) => e.event === event && e.id === id, { timeoutMs, what: `"${event}" of ${id}` });
  }

  /** Asks the hop to stop (SIGTERM) and resolves with its exit; kills it if it has not exited within `timeoutMs`. */
  stop({ timeoutMs = 10_000 } = {}) {
    if (this.exit !== undefined) return Promise.resolve(this.exit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      this.once('exit', (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
      this.child.kill('SIGTERM');
    });
  }

  /** Kills the process at once (SIGKILL) if it is still running: for cleanup after a failure. */
  kill() {
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }
}

/** The command-line arguments of hop.mjs for `options` (see options.mjs): `{ workMs: 5 }` → `--work-ms=5`. */
function toArgs(options) {
  const args = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    args.push(value === true ? `--${name}` : `--${name}=${value}`);
  }
  return args;
}

/**
 * startHop starts one hop with `options` (those of options.mjs, camelCase) and
 * resolves once it listens. `nodeFlags` go to node (such as --expose-gc).
 */
async function startHop(options, { nodeFlags = [], timeoutMs = 15_000 } = {}) {
  const child = spawn(process.execPath, [...nodeFlags, HOP_SCRIPT, ...toArgs(options)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const hop = new HopProcess(options.name ?? 'hop', child);
  try {
    const listening = await hop.waitFor((e) => e.event === 'listening', { timeoutMs, what: '"listening"' });
    hop.port = listening.port;
    hop.h2Port = listening.h2Port;
  } catch (error) {
    hop.kill();
    throw error;
  }
  return hop;
}

/**
 * startChain starts the hops of `specs`, listed from the client's side
 * ([A, B, C]), last first so that each knows the next one's URL. Resolves
 * with `{ hops, entry, all, stop, kill }`: hops by name, the first hop, the
 * list, a graceful stop of every hop (their exits, in order), and a kill.
 */
async function startChain(specs, launchOptions) {
  const started = [];
  const kill = () => started.forEach((hop) => hop.kill());
  try {
    let next;
    for (const spec of [...specs].reverse()) {
      const hop = await startHop({ ...spec, next }, launchOptions);
      started.unshift(hop);
      next = hop.url;
    }
  } catch (error) {
    kill();
    throw error;
  }
  return {
    hops: Object.fromEntries(started.map((hop) => [hop.name, hop])),
    entry: started[0],
    all: started,
    stop: () => Promise.all(started.map((hop) => hop.stop())),
    kill,
  };
}

module.exports = { HopProcess, monoNow, startChain, startHop };
