/**
 * Real worker threads for the tests: start a fixture, talk to it, and make sure
 * every worker a test started is gone when it ends.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const fixtures = join(__dirname, 'fixtures');
const running = new Set<Worker>();

/** Starts fixtures/<name>.js with workerData (and the transfer list it needs). */
export function startWorker(name: string, workerData?: unknown, transferList: any[] = []): Worker {
  const w = new Worker(join(fixtures, `${name}.js`), { workerData, transferList });
  running.add(w);
  w.once('exit', () => running.delete(w));
  return w;
}

/** Terminates every worker still running; call it in afterEach. */
export async function stopWorkers(): Promise<void> {
  await Promise.all([...running].map((w) => w.terminate()));
}

/** Resolves with the next message from w for which match is true; rejects if w fails or exits first. */
export function nextMessage<T = any>(w: Worker, match: (m: any) => boolean = () => true): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: any): void => {
      if (!match(m)) return;
      cleanup();
      resolve(m as T);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`worker exited (${code}) before replying`));
    };
    const cleanup = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
  });
}

let nextId = 0;

/** Sends a request to an observe.js worker and resolves with its reply. */
export function ask<T = any>(w: Worker, request: Record<string, unknown>, transferList: any[] = []): Promise<T> {
  const id = ++nextId;
  const reply = nextMessage<T & { error?: string }>(w, (m) => m.id === id).then((r) => {
    if (r.error !== undefined) throw new Error(`worker: ${r.error}`);
    return r;
  });
  w.postMessage({ ...request, id }, transferList);
  return reply;
}

/** Waits ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
