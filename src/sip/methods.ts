/**
 * Request methods. The common ones (RFC 3261 §27.4 and the extension methods registered since)
 * are recognised by their bytes and returned as constant strings; anything else goes through the
 * bounded intern cache. Methods are case-sensitive (RFC 3261 §7.1), so the compare is exact.
 */
import { intern } from './intern.js';

export const KNOWN_METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
] as const;

/** Candidates by first byte. */
const BY_FIRST: string[][] = (() => {
  const t: string[][] = [];
  for (let c = 0; c < 256; c++) t.push([]);
  for (const m of KNOWN_METHODS) t[m.charCodeAt(0)].push(m);
  return t;
})();

/** The method token in [start, end) as a (shared) string. */
export function methodName(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  const cands = BY_FIRST[buf[start]];
  for (let k = 0; k < cands.length; k++) {
    const m = cands[k];
    if (m.length !== len) continue;
    let i = 1;
    while (i < len && m.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return m;
  }
  return intern(buf, start, end);
}
