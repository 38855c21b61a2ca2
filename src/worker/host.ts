/**
 * What the host offers beyond ECMAScript, detected at run time, so that this
 * folder has no static `node:` import and loads unchanged in Web Workers, Deno
 * and Bun as well as in Node's worker_threads.
 */
import { HEADER_BYTES, type PortLike } from './layout.js';

/** HostSerializer is a structured serializer to bytes and back: Node's `v8.serialize` / `v8.deserialize`. */
export interface HostSerializer {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

let serializer: HostSerializer | null | undefined;

/**
 * hostSerializer returns Node's v8 serializer where `process.getBuiltinModule`
 * offers it (Node 20.16+ and 22.3+, Deno, Bun), or null (browsers, older Node).
 */
export function hostSerializer(): HostSerializer | null {
  if (serializer === undefined) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 =
      typeof proc?.getBuiltinModule === 'function'
        ? (proc.getBuiltinModule('node:v8') as Partial<HostSerializer> | undefined)
        : undefined;
    const usable = typeof v8?.serialize === 'function' && typeof v8.deserialize === 'function';
    serializer = usable ? (v8 as HostSerializer) : null;
  }
  return serializer;
}

/**
 * sharedMemoryAvailable tells whether a SharedArrayBuffer can be made and posted:
 * false on a browser page that is not cross-origin isolated.
 */
export function sharedMemoryAvailable(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer === 'function' && isolated !== false;
}

type GrowableConstructor = new (length: number, options: { maxByteLength: number }) => SharedArrayBuffer;

/** Room for the cause where buffers cannot grow (engines before ES2024): enough for a typical error. */
const FIXED_CAUSE_BYTES = 4096;

/**
 * allocateState makes the shared state: the header, growable by up to
 * maxCauseBytes for the cause, so a context that ends without a cause costs 16
 * bytes. Engines without growable buffers get a fixed room of at most 4 KiB.
 */
export function allocateState(maxCauseBytes: number): SharedArrayBuffer {
  const Growable = SharedArrayBuffer as unknown as GrowableConstructor;
  const buffer = new Growable(HEADER_BYTES, { maxByteLength: HEADER_BYTES + maxCauseBytes });
  if ((buffer as { growable?: boolean }).growable === true) return buffer;
  return new SharedArrayBuffer(HEADER_BYTES + Math.min(maxCauseBytes, FIXED_CAUSE_BYTES));
}

/** growTo grows a shared buffer to at least `length` bytes; it returns false if it cannot. */
export function growTo(buffer: SharedArrayBuffer, length: number): boolean {
  if (buffer.byteLength >= length) return true;
  const b = buffer as SharedArrayBuffer & { grow?: (n: number) => void; maxByteLength?: number };
  if (typeof b.grow !== 'function' || b.maxByteLength === undefined || b.maxByteLength < length) return false;
  b.grow(length);
  return true;
}

/** The result of Atomics.waitAsync (ES2024). */
interface WaitAsyncResult {
  async: boolean;
  value: Promise<string> | string;
}

type WaitAsync = (view: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

/** atomicsWaitAsync returns Atomics.waitAsync where the engine has it (not every browser does), else undefined. */
export function atomicsWaitAsync(): WaitAsync | undefined {
  const w = (Atomics as { waitAsync?: WaitAsync }).waitAsync;
  return typeof w === 'function' ? w : undefined;
}

/** messageChannel returns a new MessageChannel's two ports, or undefined where the host has none. */
export function messageChannel(): { port1: PortLike; port2: PortLike } | undefined {
  type Channel = new () => { port1: PortLike; port2: PortLike };
  const MC = (globalThis as unknown as { MessageChannel?: Channel }).MessageChannel;
  return typeof MC === 'function' ? new MC() : undefined;
}

/**
 * unref lets the host exit while a timer or port is pending: Node and Bun have
 * `unref()`, Deno has `Deno.unrefTimer`; browsers need neither.
 */
export function unref(handle: unknown): void {
  if (typeof handle === 'object' && handle !== null && typeof (handle as { unref?: unknown }).unref === 'function') {
    (handle as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: unknown) => void } }).Deno;
  if (typeof handle === 'number' && typeof deno?.unrefTimer === 'function') deno.unrefTimer(handle);
}
