/**
 * Reads the files Kamailio's sipdump module writes (mode 1, text): one record per SIP message the
 * proxy received ("rcv") or sent ("snd"), retransmissions included, with addresses and time.
 *
 *   ====================
 *   tag: rcv
 *   time: 1795329469.584699
 *   proto: udp ipv4
 *   srcip: 127.0.0.21
 *   srcport: 5070
 *   dstip: 127.0.0.10
 *   dstport: 5060
 *   ~~~~~~~~~~~~~~~~~~~~
 *   REGISTER sip:127.0.0.10 SIP/2.0
 *   ...
 *   ||||||||||||||||||||
 *
 * Only what the lab's truth needs is parsed from each message: the start line and a few headers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WireMsg {
  /** Direction seen from the proxy. */
  dir: 'rcv' | 'snd';
  time: number;
  proto: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** Request method, or '' for a response. */
  method: string;
  /** Response status code, or 0 for a request. */
  status: number;
  callId: string;
  cseqNum: number;
  cseqMethod: string;
  /** Top Via branch. */
  branch: string;
  fromTag: string;
  toTag: string;
  fromUser: string;
  toUser: string;
  /** Request-URI user (requests only). */
  ruriUser: string;
  userAgent: string;
  contact: string;
  expires: string;
  /** Authorization / Proxy-Authorization username, '' when the request carries none. */
  authUser: string;
  /** Whether a 401/407 challenge says stale=true. */
  stale: boolean;
}

const REC_START = '====================\n';
const BODY_START = '~~~~~~~~~~~~~~~~~~~~\n';
const REC_END = '||||||||||||||||||||';

const COMPACT: Record<string, string> = {
  i: 'call-id', f: 'from', t: 'to', v: 'via', m: 'contact', l: 'content-length', c: 'content-type',
};

/** Header values by lower-case name (compact forms expanded); first occurrence only. */
export function headers(msg: string): { startLine: string; h: Map<string, string> } {
  const end = msg.search(/\r?\n\r?\n/);
  const head = end < 0 ? msg : msg.slice(0, end);
  const lines = head.split(/\r?\n/);
  const h = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    if (!h.has(name)) h.set(name, line.slice(colon + 1).trim());
  }
  return { startLine: lines[0] ?? '', h };
}

function param(value: string, name: string): string {
  const m = new RegExp(';\\s*' + name + '=([^;>\\s,]+)', 'i').exec(value);
  return m ? m[1]! : '';
}

/** The user part of the first SIP URI in a header value ('' when there is none). */
export function uriUser(value: string): string {
  const m = /sips?:([^@;>\s]+)@/i.exec(value);
  return m ? m[1]! : '';
}

/** Parses one SIP message text into the fields of a WireMsg (without the transport fields). */
export function parseSip(text: string): Omit<WireMsg, 'dir' | 'time' | 'proto' | 'src' | 'sport' | 'dst' | 'dport'> {
  const { startLine, h } = headers(text);
  let method = '';
  let status = 0;
  let ruriUser = '';
  const resp = /^SIP\/2\.0\s+(\d{3})/.exec(startLine);
  if (resp) {
    status = Number(resp[1]);
  } else {
    const sp = startLine.indexOf(' ');
    method = sp > 0 ? startLine.slice(0, sp) : startLine;
    ruriUser = uriUser(startLine);
  }
  const cseq = (h.get('cseq') ?? '').split(/\s+/);
  const from = h.get('from') ?? '';
  const to = h.get('to') ?? '';
  const auth = h.get('authorization') ?? h.get('proxy-authorization') ?? '';
  const authUser = /username="([^"]*)"/i.exec(auth)?.[1] ?? '';
  const challenge = h.get('www-authenticate') ?? h.get('proxy-authenticate') ?? '';
  return {
    method,
    status,
    callId: h.get('call-id') ?? '',
    cseqNum: Number(cseq[0] ?? 0),
    cseqMethod: cseq[1] ?? '',
    branch: param(h.get('via') ?? '', 'branch'),
    fromTag: param(from, 'tag'),
    toTag: param(to, 'tag'),
    fromUser: uriUser(from),
    toUser: uriUser(to),
    ruriUser,
    userAgent: h.get('user-agent') ?? '',
    contact: h.get('contact') ?? '',
    expires: h.get('expires') ?? '',
    authUser,
    stale: /stale\s*=\s*"?true/i.test(challenge),
  };
}

function parseRecord(rec: string): WireMsg | undefined {
  const b = rec.indexOf(BODY_START);
  if (b < 0) return undefined;
  const meta = new Map<string, string>();
  for (const line of rec.slice(0, b).split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) meta.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = rec.slice(b + BODY_START.length);
  const e = body.lastIndexOf(REC_END);
  if (e >= 0) body = body.slice(0, e);
  const tag = meta.get('tag');
  if (tag !== 'rcv' && tag !== 'snd') return undefined;
  return {
    dir: tag,
    time: Number(meta.get('time')),
    proto: (meta.get('proto') ?? '').split(' ')[0]!,
    src: meta.get('srcip') ?? '',
    sport: Number(meta.get('srcport')),
    dst: meta.get('dstip') ?? '',
    dport: Number(meta.get('dstport')),
    ...parseSip(body),
  };
}

/** All records of every sipdump-*.data file in `dir`, sorted by time. */
export function readSipdump(dir: string): WireMsg[] {
  const out: WireMsg[] = [];
  const files = readdirSync(dir).filter((f) => f.startsWith('sipdump-') && f.endsWith('.data')).sort();
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'latin1');
    let pos = text.indexOf(REC_START);
    while (pos >= 0) {
      const next = text.indexOf('\n' + REC_START, pos + REC_START.length);
      const rec = text.slice(pos + REC_START.length, next < 0 ? text.length : next + 1);
      const m = parseRecord(rec);
      if (m) out.push(m);
      pos = next < 0 ? -1 : next + 1;
    }
  }
  out.sort((a, b) => a.time - b.time);
  return out;
}

/**
 * Identity of a message on one hop: a message whose identity was already seen is a
 * retransmission (same sender, receiver, start line, transaction and tags).
 */
export function hopKey(m: WireMsg): string {
  return [m.src, m.sport, m.dst, m.dport, m.method || m.status, m.callId, m.cseqNum, m.cseqMethod,
    m.branch, m.fromTag, m.toTag].join('|');
}
