/**
 * The plaintext values of a capture (addresses, users, URI hosts, Call-IDs, User-Agents) and a
 * search for them in output strings: shared by the leak tests of the outputs and of the HTTP API.
 */
import { Counters } from '../../src/base/counters.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { DecodeChain, defaultDecodeOptions } from '../../src/pipeline/decode-chain.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { parseUri } from '../../src/sip/uri.js';

export type Kind = 'ip' | 'user' | 'host' | 'call-id' | 'user-agent';

export class Plaintexts {
  readonly values = new Map<string, Kind>();

  add(kind: Kind, v: string | null | undefined): void {
    if (v === null || v === undefined) return;
    const t = v.trim();
    // Values this short cannot be told apart from ordinary text (ports, statuses, "ok"); see MIN_LENGTH.
    if (t.length < MIN_LENGTH) return;
    if (!this.values.has(t)) this.values.set(t, kind);
  }

  uri(u: string | null | undefined): void {
    if (!u) return;
    const p = parseUri(u);
    if (p === null) return;
    this.add('user', p.user);
    this.add('user', p.password);
    if (p.host !== '') this.add('host', p.host);
  }
}

/** Users such as "1" or "20" are left out: any number in a document would "match" them. */
const MIN_LENGTH = 3;

/** Characters that delimit a value inside a larger string (URI and list punctuation, white space). */
const DELIMS = new Set([...':@;=,/ "?&[]\t']);

/** A value of up to four hex digits between colons is an IPv6 address group, not a quoted value. */
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

export function occursIn(s: string, p: string): boolean {
  let i = s.indexOf(p);
  while (i >= 0) {
    const before = i === 0 ? '' : s[i - 1]!;
    const after = i + p.length >= s.length ? '' : s[i + p.length]!;
    const v6group = HEX_GROUP.test(p) && (before === ':' || after === ':') && /[0-9a-f]:[0-9a-f]/i.test(s);
    if ((before === '' || DELIMS.has(before)) && (after === '' || DELIMS.has(after)) && !v6group) return true;
    i = s.indexOf(p, i + 1);
  }
  return false;
}

/** Every string value with its path, and the object keys too where keys are names taken from data. */
export function strings(v: unknown, path: string, out: Array<[string, string]>, keys: boolean): void {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out, keys));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (keys) out.push([`${path}{key}`, k]);
      strings(x, path ? `${path}.${k}` : k, out, keys);
    }
  }
}

/** Collects the plaintexts of every SIP message in the capture, as decode and parse see them. */
export async function fromMessages(file: string, pt: Plaintexts): Promise<void> {
  const onPayload = (p: SipPayload): void => {
    pt.add('ip', p.srcIp);
    pt.add('ip', p.dstIp);
    if (p.kind !== 'sip') return;
    const m = parseSipMessage(p.buf, p.start, p.end);
    pt.add('call-id', m.callId);
    pt.uri(m.from?.uri);
    pt.uri(m.to?.uri);
    pt.uri(m.pai?.uri);
    if (m.isRequest) pt.uri(m.requestUri);
    for (const c of m.contacts) pt.uri(c.uri);
    pt.add('user', m.credentials?.username);
    pt.add('user-agent', m.userAgent);
    pt.add('user-agent', m.server);
  };
  const chain = new DecodeChain(defaultDecodeOptions, new Counters(), onPayload);
  await readCapture(file, chain.onFrame);
  chain.finish();
}

/** Plaintext values found in the output strings (the key-id field, ours, is not searched). */
export function search(leaves: Array<[string, string]>, pt: Plaintexts): string[] {
  const hits: string[] = [];
  for (const [path, s] of leaves) {
    if (path === 'sip.key_id') continue;
    for (const [p, kind] of pt.values) if (occursIn(s, p)) hits.push(`${kind} ${JSON.stringify(p)} in ${path}: ${s.slice(0, 120)}`);
  }
  return hits;
}

