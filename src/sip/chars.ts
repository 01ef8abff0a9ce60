/**
 * Byte constants and byte-class tables shared by the SIP parsers. Tables are built once at
 * start-up so the hot loops test a class with one array load instead of a chain of comparisons.
 */
import { alphanumAnd } from '../base/char-class.js';

export const HT = 9;
export const LF = 10;
export const CR = 13;
export const SP = 32;
export const DQUOTE = 34;
export const COMMA = 44;
export const SLASH = 47;
export const DIGIT_0 = 48;
export const DIGIT_9 = 57;
export const COLON = 58;
export const SEMI = 59;
export const LAQUOT = 60;
export const EQUAL = 61;
export const RAQUOT = 62;
export const LBRACKET = 91;
export const BACKSLASH = 92;
export const RBRACKET = 93;

/**
 * RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
 * https://www.rfc-editor.org/rfc/rfc3261#section-25.1
 */
export const IS_TOKEN: Uint8Array = alphanumAnd("-.!%*_+`'~");

/** ASCII case fold: LOWER[c] is c with A-Z mapped to a-z, every other byte unchanged. */
export const LOWER: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return t;
})();

/** Bit flags of CHAR_CLASS. C_LWS: SP, HT, CR, LF (RFC 3261 §25.1 LWS once folding is accounted for). */
export const C_LWS = 1;
export const C_TOKEN = 2;
/** Ends an unquoted parameter value or a host: ';' ',' and LWS. */
export const C_VALUE_STOP = 4;
/** Ends a parameter name: C_VALUE_STOP plus '='. */
export const C_NAME_STOP = 8;
export const C_COLON = 16;

/** One table load classifies a byte for every scanner (instead of a chain of compares). */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const c of [SP, HT, CR, LF]) t[c] |= C_LWS | C_VALUE_STOP | C_NAME_STOP;
  for (let c = 0; c < 256; c++) if (IS_TOKEN[c] === 1) t[c] |= C_TOKEN;
  t[SEMI] |= C_VALUE_STOP | C_NAME_STOP;
  t[COMMA] |= C_VALUE_STOP | C_NAME_STOP;
  t[EQUAL] |= C_NAME_STOP;
  t[COLON] |= C_COLON;
  return t;
})();
