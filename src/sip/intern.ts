/**
 * Bounded interning of short strings decoded from bytes. Methods, transports, param names,
 * reason phrases and the like repeat in almost every message; looking them up by their bytes
 * returns an existing string without allocating. The cache is a fixed-size direct-mapped table,
 * so hostile input can only evict entries, never grow memory.
 */
import { LOWER } from './chars.js';

const SLOTS = 2048;
const MASK = SLOTS - 1;
/** Longer strings are rarely repeated exactly and would make the byte compare costly. */
export const INTERN_MAX_LEN = 48;

const exact: string[] = new Array<string>(SLOTS).fill('');
const lower: string[] = new Array<string>(SLOTS).fill('');

/**
 * Bytes [start, end) as a string, shared with earlier calls for the same bytes. Pure ASCII up to
 * INTERN_MAX_LEN bytes is interned; anything else is decoded as UTF-8 without caching.
 */
export function intern(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return '';
  if (len > INTERN_MAX_LEN) return buf.toString('utf8', start, end);
  let h = len;
  for (let p = start; p < end; p++) {
    const c = buf[p];
    if (c >= 0x80) return buf.toString('utf8', start, end);
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 13)) & MASK;
  const cand = exact[slot];
  if (cand.length === len) {
    let i = 0;
    while (i < len && cand.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return cand;
  }
  const s = buf.toString('latin1', start, end);
  exact[slot] = s;
  return s;
}

/** Like intern, but the result is ASCII lower-cased (for case-insensitive names). */
export function internLower(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return '';
  let h = len;
  let hasUpper = false;
  for (let p = start; p < end; p++) {
    const c = buf[p];
    if (c >= 0x80 || len > INTERN_MAX_LEN) return asciiLower(buf.toString('utf8', start, end));
    const l = LOWER[c];
    if (l !== c) hasUpper = true;
    h = Math.imul(h ^ l, 0x01000193);
  }
  const slot = (h ^ (h >>> 13)) & MASK;
  const cand = lower[slot];
  if (cand.length === len) {
    let i = 0;
    while (i < len && cand.charCodeAt(i) === LOWER[buf[start + i]]) i++;
    if (i === len) return cand;
  }
  const raw = buf.toString('latin1', start, end);
  const s = hasUpper ? raw.toLowerCase() : raw;
  lower[slot] = s;
  return s;
}

/** ASCII-only lower-casing (String#toLowerCase would also fold non-ASCII letters). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
