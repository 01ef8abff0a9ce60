/**
 * User-Agent strings of SIP attack and audit tools, from public IDS rules, honeypot reports and the
 * tools' own sources (../docs/detection.md lists where each comes from). Matched case-insensitively
 * as substrings of User-Agent and of the From display name. A tool can change its User-Agent, so
 * the structural fingerprints and the behavioural rules stay the main line of defence.
 *
 * sipsak is also an everyday admin tool, hence medium severity (review, not block). Short or
 * common words (smap, sipp) are left out: as substrings they hit real products.
 */
export interface UserAgentSignature {
  match: string;
  tool: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
}

export const DEFAULT_USER_AGENT_SIGNATURES: readonly UserAgentSignature[] = [
  { match: 'friendly-scanner', tool: 'sipvicious', severity: 'high' },
  { match: 'sipvicious', tool: 'sipvicious', severity: 'high' },
  { match: 'sundayddr', tool: 'sipvicious (modified)', severity: 'high' },
  { match: 'sipsscuser', tool: 'sipvicious (modified)', severity: 'high' },
  { match: 'sipcli', tool: 'sipcli', severity: 'high' },
  { match: 'pplsip', tool: 'pplsip', severity: 'high' },
  { match: 'vaxsipuseragent', tool: 'vaxvoip', severity: 'high' },
  { match: 'vaxipuseragent', tool: 'vaxvoip', severity: 'high' },
  { match: 'siparmyknife', tool: 'sip army knife', severity: 'high' },
  { match: 'sivus', tool: 'sivus', severity: 'high' },
  { match: 'sip-scan', tool: 'sip-scan', severity: 'high' },
  { match: 'sipscan', tool: 'sipscan', severity: 'high' },
  { match: 'iwar', tool: 'iwar', severity: 'high' },
  { match: 'nsauditor', tool: 'nsauditor', severity: 'high' },
  { match: 'sipsak', tool: 'sipsak', severity: 'medium' },
];

/** Compiled signature list: one lower-casing of the header, then substring tests. */
export class UserAgentMatcher {
  private readonly sigs: Array<UserAgentSignature & { lower: string }>;
  /** A network has few distinct User-Agents: remember the verdict rather than lower-case each request's. */
  private readonly seen = new Map<string, UserAgentSignature | null>();

  constructor(signatures: readonly UserAgentSignature[]) {
    this.sigs = signatures.map((s) => ({ ...s, lower: s.match.toLowerCase() }));
  }

  match(text: string | null): UserAgentSignature | null {
    if (text === null || text === '') return null;
    let v = this.seen.get(text);
    if (v !== undefined) return v;
    v = null;
    const t = text.toLowerCase();
    for (const s of this.sigs) {
      if (t.includes(s.lower)) {
        v = s;
        break;
      }
    }
    if (this.seen.size >= 4096) this.seen.clear();
    this.seen.set(text, v);
    return v;
  }
}
