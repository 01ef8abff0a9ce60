// Small formatting helpers shared by the pages.
import { getPath as get } from '../../src/base/doc-path.js';
import type { Doc } from './types.js';

/** A field by dotted path (nested objects, or a flattened key). */
export { get };

export function str(doc: Doc, path: string): string {
  const v = get(doc, path);
  if (v === undefined || v === null) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

export function num(doc: Doc, path: string): number | null {
  const v = get(doc, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local time with milliseconds: `2026-11-22 08:06:09.092`. */
export function fmtTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function isoTitle(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/** A duration in ms: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`, `3 d 04 h`. */
export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let s: string;
  if (a < 1000) s = `${Math.round(a)} ms`;
  else if (a < 60_000) s = `${(a / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
  else if (a < 3_600_000) s = `${Math.floor(a / 60_000)} min ${pad(Math.floor((a % 60_000) / 1000))} s`;
  else if (a < 86_400_000) s = `${Math.floor(a / 3_600_000)} h ${pad(Math.floor((a % 3_600_000) / 60_000))} min`;
  else s = `${Math.floor(a / 86_400_000)} d ${pad(Math.floor((a % 86_400_000) / 3_600_000))} h`;
  return neg ? '-' + s : s;
}

/** `ip:port`, IPv6 in brackets. */
export function hostPort(ip: string, port: number | string | null | undefined): string {
  if (ip === '') return '';
  const h = ip.includes(':') ? `[${ip}]` : ip;
  return port === null || port === undefined || port === '' ? h : `${h}:${port}`;
}

/** Splits `ip:port` / `[v6]:port` / a bare v6 `a:b::c:port` at the last colon. */
export function splitHostPort(s: string): { ip: string; port: string } {
  const b = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (b !== null) return { ip: b[1]!, port: b[2]! };
  const i = s.lastIndexOf(':');
  if (i <= 0) return { ip: s, port: '' };
  return { ip: s.slice(0, i), port: s.slice(i + 1) };
}

/** `datetime-local` value (local time) from an ISO time or epoch ms. */
export function toLocalInput(t: string): string {
  if (t === '') return '';
  const d = new Date(/^\d+$/.test(t) ? Number(t) : t);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** ISO time from a `datetime-local` value (local time). */
export function fromLocalInput(v: string): string {
  if (v === '') return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}
