// @ts-check
// Starts hops of the chain example (examples/chain/hop.mjs) as child processes
// and follows what they report: the process orchestration of the e2e test
// (test/e2e/chain.test.ts), the benchmark (bench/servers.mjs) and the demo
// (examples/chain/demo-chain.mjs). CommonJS so that Jest, which runs the
// suite as CommonJS, and the ES modules of the bench and the demo all load
// it; its types are the JSDoc below, checked by tsc (allowJs).
'use strict';
const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const { join } = require('node:path');
const readline = require('node:readline');

const REPO_ROOT = join(__dirname, '..', '..');
const HOP_SCRIPT = join(REPO_ROOT, 'examples', 'chain', 'hop.mjs');

/**
 * One line a hop reported (examples/chain/hop.mjs lists the events and their fields).
 * @typedef {{ hop: string, event: string, at: number, id?: string, [field: string]: unknown }} HopEvent
 */

/**
 * The options of hop.mjs (examples/chain/options.mjs), camelCase.
 * @typedef {{ name?: string, port?: number, next?: string, workMs?: number, budgetMs?: number, maxTimeoutMs?: number,
 *   marginMs?: number, framework?: 'http' | 'express', h2?: boolean, debug?: boolean, graceMs?: number }} HopOptions
 */

/**
 * How hops are started: `nodeFlags` for node (such as --expose-gc); `timeoutMs`, how long a hop may take to listen (default 15 000).
 * @typedef {{ nodeFlags?: string[], timeoutMs?: number }} LaunchOptions
 */

/** @typedef {{ code: number | null, signal: NodeJS.Signals | null }} HopExit */

/** monoNow returns the machine's monotonic clock in ms: the clock of the hops' `at`. */
function monoNow() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One running hop process and every event it has reported. */
class HopProcess extends EventEmitter {
  /**
   * @param {string} name
   * @param {import('node:child_process').ChildProcess} child started with stdout and stderr piped
   */
  constructor(name, child) {
    super();
    this.name = name;
    this.child = child;
    /** Every event reported so far, in order. @type {HopEvent[]} */
    this.events = [];
    /** What the process wrote that is not an event (stderr, stray stdout). */
    this.output = '';
    /** Set once the process has exited. @type {HopExit | undefined} */
    this.exit = undefined;
    /** The port of its HTTP/1 server on 127.0.0.1 (set once it listens). */
    this.port = 0;
    /** The port of its HTTP/2 server, if started with `h2`. @type {number | undefined} */
    this.h2Port = undefined;
    const { stdout, stderr } = /** @type {{ stdout: import('node:stream').Readable, stderr: import('node:stream').Readable }} */ (child);
    readline.createInterface({ input: stdout }).on('line', (line) => this._line(line));
    stderr.on('data', (chunk) => (this.output += chunk));
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      this.emit('exit', this.exit);
    });
  }

  /** @param {string} line */
  _line(line) {
    /** @type {HopEvent} */
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

  /** The events about request `id`, in order. @param {string} id */
  eventsFor(id) {
    return this.events.filter((e) => e.id === id);
  }

  /**
   * The first event named `event` about request `id`, or undefined.
   * @param {string} event
   * @param {string} id
   */
  find(event, id) {
    return this.events.find((e) => e.event === event && e.id === id);
  }

  /**
   * Resolves with the first event (reported already or to come) that matches; rejects after `timeoutMs` or if the process exits.
   * @param {(event: HopEvent) => boolean} predicate
   * @param {{ timeoutMs?: number, what?: string }} [options]
   * @returns {Promise<HopEvent>}
   */
  waitFor(predicate, { timeoutMs = 10_000, what = 'an event' } = {}) {
    const found = this.events.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('exit', onExit);
      };
      /** @param {HopEvent} event */
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

  /**
   * waitFor the event named `event` about request `id`.
   * @param {string} event
   * @param {string} id
   * @param {number} [timeoutMs]
   */
  waitForEvent(event, id, timeoutMs) {
    return this.waitFor((e) => e.event === event && e.id === id, { timeoutMs, what: `"${event}" of ${id}` });
  }

  /**
   * Asks the hop to stop (SIGTERM) and resolves with its exit; kills it if it has not exited within `timeoutMs`.
   * @param {{ timeoutMs?: number }} [options]
   * @returns {Promise<HopExit>}
   */
  stop({ timeoutMs = 10_000 } = {}) {
    if (this.exit !== undefined) return Promise.resolve(this.exit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      this.once('exit', (/** @type {HopExit} */ exit) => {
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

/**
 * The command-line arguments of hop.mjs for `options`: `{ workMs: 5 }` → `--work-ms=5`.
 * @param {HopOptions} options
 */
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
 * startHop starts one hop with `options` and resolves once it listens.
 * @param {HopOptions} options
 * @param {LaunchOptions} [launch]
 * @returns {Promise<HopProcess>}
 */
async function startHop(options, { nodeFlags = [], timeoutMs = 15_000 } = {}) {
  const child = spawn(process.execPath, [...nodeFlags, HOP_SCRIPT, ...toArgs(options)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const hop = new HopProcess(options.name ?? 'hop', child);
  try {
    const listening = await hop.waitFor((e) => e.event === 'listening', { timeoutMs, what: '"listening"' });
    hop.port = /** @type {number} */ (listening.port);
    hop.h2Port = /** @type {number | undefined} */ (listening.h2Port ?? undefined);
  } catch (error) {
    hop.kill();
    throw error;
  }
  return hop;
}

/**
 * A started chain: hops by name, the first hop, the list, a graceful stop of
 * every hop (their exits, in order), and a kill.
 * @typedef {{ hops: Record<string, HopProcess>, entry: HopProcess, all: HopProcess[], stop(): Promise<HopExit[]>, kill(): void }} Chain
 */

/**
 * startChain starts the hops of `specs`, listed from the client's side
 * ([A, B, C]), last first so that each knows the next one's URL.
 * @param {HopOptions[]} specs
 * @param {LaunchOptions} [launchOptions]
 * @returns {Promise<Chain>}
 */
async function startChain(specs, launchOptions) {
  /** @type {HopProcess[]} */
  const started = [];
  const kill = () => started.forEach((hop) => hop.kill());
  try {
    /** @type {string | undefined} */
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
    entry: /** @type {HopProcess} */ (started[0]),
    all: started,
    stop: () => Promise.all(started.map((hop) => hop.stop())),
    kill,
  };
}

module.exports = { HopProcess, monoNow, startChain, startHop };
