/**
 * Generic `;name[=value]` parameters (RFC 3261 §25.1 generic-param, uri-parameter, via-params).
 * readParam fills the module-level PARAM cursor instead of returning an object, so walking the
 * parameters of a header allocates nothing until a caller decides to keep a name or value.
 */
import { C_NAME_STOP, C_VALUE_STOP, CHAR_CLASS, DQUOTE, EQUAL, SEMI } from './chars.js';
import { equalsLower, quotedEnd, skipLws, unquote } from './bytes.js';
import { internLower } from './intern.js';
import type { TextSource } from './source.js';

export interface ParamCursor {
  nameStart: number;
  nameEnd: number;
  /** -1 when the parameter has no `=value`. */
  valueStart: number;
  valueEnd: number;
  quoted: boolean;
}

/** The parameter last read by readParam (valid until the next call). */
export const PARAM: ParamCursor = { nameStart: 0, nameEnd: 0, valueStart: -1, valueEnd: -1, quoted: false };

/**
 * Reads one parameter starting at `p` (just after its ';'), tolerating LWS around the name and
 * '='. Returns the index after the parameter. Names and unquoted values run to ';', ',' or LWS;
 * a value may also be a quoted-string.
 */
export function readParam(buf: Buffer, p: number, end: number): number {
  p = skipLws(buf, p, end);
  const nameStart = p;
  while (p < end && (CHAR_CLASS[buf[p]] & C_NAME_STOP) === 0) p++;
  PARAM.nameStart = nameStart;
  PARAM.nameEnd = p;
  PARAM.valueStart = -1;
  PARAM.valueEnd = -1;
  PARAM.quoted = false;
  const q = skipLws(buf, p, end);
  if (q < end && buf[q] === EQUAL) {
    p = skipLws(buf, q + 1, end);
    if (p < end && buf[p] === DQUOTE) {
      const e = quotedEnd(buf, p, end);
      PARAM.valueStart = p;
      PARAM.valueEnd = e;
      PARAM.quoted = true;
      p = e;
    } else {
      const vs = p;
      while (p < end && (CHAR_CLASS[buf[p]] & C_VALUE_STOP) === 0) p++;
      PARAM.valueStart = vs;
      PARAM.valueEnd = p;
    }
  }
  return p;
}

/** The value of PARAM as a string: unquoted when quoted, '' when the parameter has no value. */
export function paramValue(src: TextSource): string {
  if (PARAM.valueStart < 0) return '';
  if (PARAM.quoted) return unquote(src, PARAM.valueStart, PARAM.valueEnd);
  return src.latin1(PARAM.valueStart, PARAM.valueEnd);
}

/** The lower-cased name of PARAM; `tag`, present on most From/To values, skips the intern lookup. */
export function paramName(buf: Buffer): string {
  const s = PARAM.nameStart;
  const e = PARAM.nameEnd;
  if (e - s === 3 && equalsLower(buf, s, e, 'tag')) return 'tag';
  return internLower(buf, s, e);
}

/**
 * Reads every `;param` from `p` into `out` (lower-cased, interned names; first occurrence wins)
 * and returns the index where the parameters stop. Bounded: each iteration consumes at least
 * the ';'.
 */
export function readParams(src: TextSource, p: number, end: number, out: Record<string, string>): number {
  const buf = src.buf;
  p = skipLws(buf, p, end);
  while (p < end && buf[p] === SEMI) {
    p = readParam(buf, p + 1, end);
    if (PARAM.nameEnd > PARAM.nameStart) {
      const name = paramName(buf);
      // '__proto__' would set the prototype instead of a property; such a param is dropped.
      if (name !== '__proto__' && !Object.hasOwn(out, name)) out[name] = paramValue(src);
    }
    p = skipLws(buf, p, end);
  }
  return p;
}
