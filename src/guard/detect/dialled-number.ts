/**
 * Dialled numbers as toll-fraud rules need them: the digits of a Request-URI user part (visual
 * separators dropped, a leading `+` kept), split into the dial-out prefix an attacker varies and the
 * national or international number behind it.
 */

/** `+49 (30) 123-45` → `+493012345`; null when the user part is not a phone number. */
export function normaliseNumber(user: string | null): string | null {
  if (user === null) return null;
  let out = '';
  for (let i = 0; i < user.length; i++) {
    const c = user.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) out += user[i];
    else if (c === 0x2b /* + */ && out === '') out = '+';
    else if (c === 0x2d || c === 0x2e || c === 0x20 || c === 0x28 || c === 0x29) continue; // - . space ( )
    else return null;
  }
  return out.length >= 3 && out !== '+' ? out : null;
}

export interface DialAnalysis {
  /** Outside-line prefix stripped (e.g. '9'), or ''. */
  outside: string;
  /** International prefix found ('+', '00', '011'), or null for a national/short number. */
  international: string | null;
  /** Number after both prefixes (country code first when international). */
  rest: string;
}

/**
 * The longest matching international prefix wins, first as dialled, then after one outside-line
 * prefix (`9011…`, `0011…`).
 */
export function analyseNumber(n: string, internationalPrefixes: readonly string[], outsideLinePrefixes: readonly string[]): DialAnalysis {
  const intl = (s: string): string | null => {
    let best: string | null = null;
    for (const p of internationalPrefixes) {
      if (p !== '' && s.startsWith(p) && s.length > p.length && (best === null || p.length > best.length)) best = p;
    }
    return best;
  };
  const direct = intl(n);
  if (direct !== null) return { outside: '', international: direct, rest: n.slice(direct.length) };
  for (const o of outsideLinePrefixes) {
    if (!n.startsWith(o)) continue;
    const after = n.slice(o.length);
    const p = intl(after);
    if (p !== null) return { outside: o, international: p, rest: after.slice(p.length) };
  }
  return { outside: '', international: null, rest: n };
}

/** Longest listed prefix of `digits`, or null. */
export function matchPrefix(digits: string, prefixes: readonly string[]): string | null {
  let best: string | null = null;
  for (const p of prefixes) if (digits.startsWith(p) && (best === null || p.length > best.length)) best = p;
  return best;
}
