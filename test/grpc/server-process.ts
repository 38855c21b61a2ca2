/**
 * Starts test/grpc/server.cjs (the Echo service on ctxkit/grpc) as a child
 * process and follows the events it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import readline from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface ServerEvent {
  event: string;
  id?: string;
  [field: string]: unknown;
}

export interface EchoServer {
  readonly port: number;
  readonly address: string;
  readonly events: ServerEvent[];
  readonly child: ChildProcess;
  /** Resolves with the first event named `name` (about `id`, if given), waiting up to 20 s. */
  waitFor(name: string, id?: string): Promise<ServerEvent>;
  /** Sends a command line to the server's stdin ("stats", "shutdown 100"). */
  command(line: string): void;
  kill(): void;
}

/** Starts the Echo server process with `options` ({ maxTimeoutMs }) and resolves once it listens. */
export function startEchoServer(options: { maxTimeoutMs?: number } = {}, nodeFlags: string[] = []): Promise<EchoServer> {
  return startServerProcess(join(__dirname, 'server.cjs'), options, nodeFlags);
}

/** Starts `script` (which prints JSON events, "listening" with its port first) with `options` as JSON in argv, and resolves once it listens. */
export async function startServerProcess(script: string, options: object = {}, nodeFlags: string[] = []): Promise<EchoServer> {
  const child = spawn(process.execPath, [...nodeFlags, script, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const events: ServerEvent[] = [];
  const waiters: Array<{ name: string; id?: string; resolve: (e: ServerEvent) => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as ServerEvent;
    events.push(event);
    for (const w of [...waiters]) {
      if (w.name === event.event && (w.id === undefined || w.id === event.id)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const waitFor = (name: string, id?: string): Promise<ServerEvent> => {
    const seen = events.find((e) => e.event === name && (id === undefined || e.id === id));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} event for ${id} within 20 s; stderr: ${stderr}`)), 20_000);
      waiters.push({ name, id, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  };
  const listening = await waitFor('listening');
  const port = listening.port as number;
  return {
    port,
    address: `127.0.0.1:${port}`,
    events,
    child,
    waitFor,
    command: (line) => child.stdin!.write(`${line}\n`),
    kill: () => child.kill('SIGKILL'),
  };
}

/** The Echo client constructor, loaded from echo.proto. */
export function echoClientConstructor(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(join(__dirname, 'echo.proto'));
  return (grpc.loadPackageDefinition(definition) as any).ctxkit.test.Echo as grpc.ServiceClientConstructor;
}

/** Polls the server's stats until `idle` holds for them (default: no handler runs), or 20 s pass, and returns the last. */
export async function idleStats(server: EchoServer, idle: (stats: ServerEvent) => boolean = (s) => s.handlers === 0): Promise<ServerEvent> {
  const started = Date.now();
  for (;;) {
    const before = server.events.length;
    server.command('stats');
    let stats: ServerEvent | undefined;
    while (stats === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stats = server.events.slice(before).find((e) => e.event === 'stats');
    }
    if (idle(stats) || Date.now() - started > 20_000) return stats;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
