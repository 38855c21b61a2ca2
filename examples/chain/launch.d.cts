// Types of launch.cjs, for the TypeScript e2e test.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** One line a hop reported (see hop.mjs for the events and their fields). */
export interface HopEvent {
  hop: string;
  event: string;
  /** The monotonic clock, in ms (monoNow()). */
  at: number;
  id?: string;
  [field: string]: unknown;
}

/** The options of hop.mjs (see options.mjs). */
export interface HopOptions {
  name?: string;
  port?: number;
  next?: string;
  workMs?: number;
  budgetMs?: number;
  maxTimeoutMs?: number;
  marginMs?: number;
  framework?: 'http' | 'express';
  h2?: boolean;
  debug?: boolean;
  graceMs?: number;
}

export interface LaunchOptions {
  /** Flags for node, such as --expose-gc. */
  nodeFlags?: string[];
  /** How long a hop may take to start listening. Default 15 000 ms. */
  timeoutMs?: number;
}

export interface HopExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export declare class HopProcess extends EventEmitter {
  readonly name: string;
  readonly child: ChildProcess;
  readonly events: HopEvent[];
  readonly output: string;
  readonly exit: HopExit | undefined;
  readonly port: number;
  readonly h2Port: number | undefined;
  readonly url: string;
  eventsFor(id: string): HopEvent[];
  find(event: string, id: string): HopEvent | undefined;
  waitFor(predicate: (event: HopEvent) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<HopEvent>;
  waitForEvent(event: string, id: string, timeoutMs?: number): Promise<HopEvent>;
  stop(options?: { timeoutMs?: number }): Promise<HopExit>;
  kill(): void;
}

export interface Chain {
  hops: Record<string, HopProcess>;
  entry: HopProcess;
  all: HopProcess[];
  stop(): Promise<HopExit[]>;
  kill(): void;
}

export declare function monoNow(): number;
export declare function startHop(options: HopOptions, launch?: LaunchOptions): Promise<HopProcess>;
export declare function startChain(specs: HopOptions[], launch?: LaunchOptions): Promise<Chain>;
