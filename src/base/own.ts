/**
 * An owned copy of a string taken from a message: the parser's strings are slices of the whole
 * header section, so keeping one in a long-lived table would keep that text alive too. Short
 * strings (under V8's 13-character slice minimum) are copies already.
 */
export function own<S extends string | null>(s: S): S {
  return (s === null || s.length < 13 ? s : (' ' + s).slice(1)) as S;
}
