/**
 * Small zero-copy helpers over `(buf, start, end)` byte ranges: white space, numbers, quoted
 * strings, comma lists and case-insensitive comparison. None allocates unless it returns a string.
 */
import type { TextSource } from './source.js';
import { BACKSLASH, C_LWS, CHAR_CLASS, COMMA, CR, DIGIT_0, DIGIT_9, DQUOTE, HT, LAQUOT, LF, LOWER, RAQUOT, SP } from './chars.js';

/** First index in [p, end) that is not SP/HT/CR/LF, or end. */
export function skipLws(buf: Buffer, p: number, end: number): number {
  while (p < end && (CHAR_CLASS[buf[p]] & C_LWS) !== 0) p++;
  return p;
}

/** True when [start, end) holds only SP/HT/CR/LF (or nothing). */
export function isLwsOnly(buf: Buffer, start: number, end: number): boolean {
  return skipLws(buf, start, end) >= end;
}

/** End of [start, end) with trailing SP/HT/CR/LF removed. */
export function trimLwsEnd(buf: Buffer, start: number, end: number): number {
  while (end > start && (CHAR_CLASS[buf[end - 1]] & C_LWS) !== 0) end--;
  return end;
}

/** The largest value parseUint accepts: delta-seconds and CSeq numbers are 32-bit unsigned. */
export const UINT32_MAX = 4294967295;

/**
 * Decimal digits [start, end) as a number, or -1 when the range is empty, holds a non-digit or
 * exceeds `max`. Digits are bounded (at most 10 read) so overlarge values cannot lose precision.
 */
export function parseUint(buf: Buffer, start: number, end: number, max: number): number {
  const len = end - start;
  if (len <= 0) return -1;
  let p = start;
  // Leading zeros do not count against the ten-digit bound.
  while (p < end - 1 && buf[p] === DIGIT_0) p++;
  if (end - p > 10) return -1;
  let n = 0;
  for (; p < end; p++) {
    const c = buf[p];
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    n = n * 10 + (c - DIGIT_0);
  }
  return n > max ? -1 : n;
}

/**
 * End of a quoted-string opened at `p` (buf[p] is the DQUOTE): the index just after the closing
 * quote, or end when unterminated. RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
 */
export function quotedEnd(buf: Buffer, p: number, end: number): number {
  p++;
  while (p < end) {
    const c = buf[p];
    if (c === DQUOTE) return p + 1;
    p += c === BACKSLASH ? 2 : 1;
  }
  return end;
}

/**
 * End of the current element of a comma-separated header value starting at `p`: the index of the
 * separating comma, or end. Commas inside quoted strings and inside <...> do not separate
 * (RFC 3261 §7.3.1: a list is `field-value *(COMMA field-value)`, and a URI with a comma must be
 * in angle brackets).
 */
export function listItemEnd(buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = buf[p];
    if (c === COMMA) return p;
    if (c === DQUOTE) {
      p = quotedEnd(buf, p, end);
    } else if (c === LAQUOT) {
      p++;
      while (p < end && buf[p] !== RAQUOT) p++;
      if (p < end) p++;
    } else {
      p++;
    }
  }
  return end;
}

/** True when bytes [start, end) equal the lower-case ASCII literal `lower`, ignoring ASCII case. */
export function equalsLower(buf: Buffer, start: number, end: number, lower: string): boolean {
  const len = lower.length;
  if (end - start !== len) return false;
  for (let i = 0; i < len; i++) {
    if (LOWER[buf[start + i]] !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** True when the two ranges of `buf` hold the same bytes. */
export function rangesEqual(buf: Buffer, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) {
    if (buf[s1 + i] !== buf[s2 + i]) return false;
  }
  return true;
}

/**
 * A copy of [start, end) with every line break and the white space around it replaced by one SP.
 * RFC 3261 §7.3.1: a folded header value is equivalent to its unfolded form where each
 * continuation (CRLF plus leading white space) is replaced by a single SP.
 * https://www.rfc-editor.org/rfc/rfc3261#section-7.3.1
 */
export function unfold(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  let p = start;
  while (p < end) {
    const c = buf[p];
    if (c === CR || c === LF) {
      while (n > 0 && (out[n - 1] === SP || out[n - 1] === HT)) n--;
      p++;
      while (p < end) {
        const d = buf[p];
        if (d !== SP && d !== HT && d !== CR && d !== LF) break;
        p++;
      }
      out[n++] = SP;
    } else {
      out[n++] = c;
      p++;
    }
  }
  return out.subarray(0, n);
}

/**
 * The text of a quoted-string [start, end) (including its quotes) with the quotes removed and
 * quoted-pairs resolved (RFC 3261 §25.1). Decoded as UTF-8: quoted strings carry display text.
 */
export function unquote(src: TextSource, start: number, end: number): string {
  const buf = src.buf;
  const s = start + 1;
  let e = end;
  if (e > s && buf[e - 1] === DQUOTE) e--;
  let hasEscape = false;
  for (let p = s; p < e; p++) {
    if (buf[p] === BACKSLASH) {
      hasEscape = true;
      break;
    }
  }
  if (!hasEscape) return src.utf8(s, e);
  const out = Buffer.allocUnsafe(e - s);
  let n = 0;
  for (let p = s; p < e; p++) {
    let c = buf[p];
    if (c === BACKSLASH && p + 1 < e) c = buf[++p];
    out[n++] = c;
  }
  return out.toString('utf8', 0, n);
}
