/**
 * Short descriptions of keys, values and durations for a context's toString().
 * Objects are named by type, never dumped.
 */
import { typeName } from './internal/check.js';

/** A value as it appears in a context's toString(): strings quoted, objects by type name. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 64 ? `${v.slice(0, 61)}...` : v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'symbol':
      return v.toString();
    case 'function':
      return `<function ${v.name || 'anonymous'}>`;
    default:
      return v === null ? 'null' : `<${typeName(v as object)}>`;
  }
}

/** A key as it appears in a context's toString(): its description if it has one. */
export function describeKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'symbol') return k.description ?? 'Symbol()';
  if (typeof k === 'object' && k !== null) {
    const d = (k as { description?: unknown }).description;
    if (typeof d === 'string') return d;
  }
  return describeValue(k);
}

/** A duration for humans: "1.5s", "250ms", "3h0m0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Math.round(rest * 1000) / 1000}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.round(rest) / 1000;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

