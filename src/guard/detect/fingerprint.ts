/**
 * Structural fingerprints of SIPVicious-family requests: they survive a changed or missing
 * User-Agent (compact mode `-c` drops it) because they come from how the tool builds requests.
 * - From tag: hex of `<data> 0x01 <decimal random>`, i.e. hex pairs, `01`, then `3x` digit pairs;
 *   confirmed by decoding (weight 2).
 * - From URI `sip:100@1.1.1.1` (svmap's fixed source identity; weight 2).
 * - Via branch `z9hG4bK-<digits>` (hyphen after the magic cookie; weight 1).
 * - Call-ID made of digits only, no `@host` (weight 1).
 * One of these alone can occur by chance in real stacks; the default alert score (3) needs two.
 */
export interface FingerprintHits {
  score: number;
  /** Comma list of what matched, for the alert's evidence. */
  signals: string;
}

const HEX_TAG = /^(?:[0-9a-f]{2})+?01(?:3[0-9])+$/i;
const DIGIT_BRANCH = /^z9hG4bK-[0-9]+$/;
const DIGITS = /^[0-9]{6,}$/;

/** True when `tag` is hex of bytes, 0x01, then ASCII digits (at least 4 of them). */
export function isToolTag(tag: string | null): boolean {
  if (tag === null || tag.length < 12 || (tag.length & 1) === 1 || !HEX_TAG.test(tag)) return false;
  const b = Buffer.from(tag, 'hex');
  const sep = b.lastIndexOf(1);
  if (sep < 1 || b.length - sep - 1 < 4) return false;
  for (let i = sep + 1; i < b.length; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return false;
  return true;
}

export function fingerprint(fromTag: string | null, fromUri: string | null, branch: string | null, callId: string | null): FingerprintHits {
  let score = 0;
  const s: string[] = [];
  if (isToolTag(fromTag)) {
    score += 2;
    s.push('from-tag');
  }
  if (fromUri !== null && /^sips?:100@1\.1\.1\.1(?:[;:>]|$)/i.test(fromUri)) {
    score += 2;
    s.push('from-uri');
  }
  if (branch !== null && DIGIT_BRANCH.test(branch)) {
    score += 1;
    s.push('branch');
  }
  if (callId !== null && DIGITS.test(callId)) {
    score += 1;
    s.push('call-id');
  }
  return { score, signals: s.join(',') };
}
