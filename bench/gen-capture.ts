/**
 * Writes a large Ethernet/IPv4/UDP pcap of realistic SIP traffic for benchmarks:
 *
 *   node dist/bench/gen-capture.js OUT.pcap [--messages N] [--seed S] [--hours H]
 *
 * Mix (by message count): about 62 % REGISTER refreshes (REGISTER, 401, REGISTER with credentials,
 * 200), OPTIONS pings, INVITE calls (INVITE, 100, 180, 200 with SDP, ACK, BYE, 200), failed calls
 * (486 Busy, 404), and a few scanner messages. Thousands of users, each with its own address; call
 * ends are scheduled minutes later, so dialogs interleave. Timestamps increase monotonically over a
 * few hours. The file is streamed: memory holds only the pending messages of calls in progress.
 */
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { LinkType } from '../src/capture/frame.js';
import { PcapWriter } from '../src/capture/pcap-writer.js';
import { ethIp, ipUdp, seededRandom } from '../test/helpers/packet-builder.js';

export interface BenchCaptureOptions {
  /** SIP messages to write (default 400,000). */
  messages?: number;
  /** Random seed (default 1): the same seed gives the same file. */
  seed?: number;
  /** Time of the first packet, seconds since the epoch (default 2024-05-14T08:00:00Z). */
  startSec?: number;
  /** Approximate span of the capture in hours (default 3). */
  hours?: number;
  /** Distinct users (default 20,000). */
  users?: number;
}

export interface BenchCaptureResult {
  messages: number;
  packets: number;
  bytes: number;
  firstTsUs: number;
  lastTsUs: number;
  methods: Record<string, number>;
  statuses: Record<string, number>;
}

const PROXIES = ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13'];
const DOMAIN = 'voip.example.com';
const AGENTS = ['Yealink SIP-T46S 66.86.0.15', 'Grandstream GXP2170 1.0.11.23', 'Linphone/5.2.0 (belle-sip/5.2.0)', 'Zoiper rv2.10.19.6', 'Cisco-CP8845/14.1.1', 'Obihai/OBi200-3.2.2'];
const SERVER = 'sipsentry-bench-proxy/1.0';
const SCANNER = 'friendly-scanner';
const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, NOTIFY, SUBSCRIBE, REFER, INFO, UPDATE';

// Scenario weights per started scenario; with their message counts (4, 2, 7, 4, 3, 1) REGISTER
// refreshes make about 62 % of the messages.
const SCENARIOS: ReadonlyArray<[kind: string, weight: number]> = [
  ['register', 0.6], ['options', 0.18], ['call', 0.11], ['busy', 0.04], ['notfound', 0.03], ['attack', 0.04],
];
const MEAN_MESSAGES_PER_SCENARIO = 0.6 * 4 + 0.18 * 2 + 0.11 * 7 + 0.04 * 4 + 0.03 * 3 + 0.04 * 1;

interface Pending {
  tsUs: number;
  order: number;
  frame: Buffer;
  label: string;
}

/** A binary min-heap on (tsUs, order): messages scheduled for later (call answers, BYEs). */
class PendingHeap {
  private readonly items: Pending[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Pending | undefined {
    return this.items[0];
  }

  push(p: Pending): void {
    const a = this.items;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Pending | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(x: Pending, y: Pending): boolean {
  return x.tsUs < y.tsUs || (x.tsUs === y.tsUs && x.order < y.order);
}

/** Generates the capture into `out` (a path or a Writable) and resolves once it is fully written. */
export async function generateBenchCapture(out: string | Writable, opts: BenchCaptureOptions = {}): Promise<BenchCaptureResult> {
  const total = opts.messages ?? 400_000;
  const rng = seededRandom(opts.seed ?? 1);
  const userCount = opts.users ?? 20_000;
  const startUs = (opts.startSec ?? 1715673600) * 1_000_000;
  const spanUs = (opts.hours ?? 3) * 3600 * 1_000_000;
  const meanGapUs = spanUs / Math.max(1, total / MEAN_MESSAGES_PER_SCENARIO);
  const sink = typeof out === 'string' ? createWriteStream(out) : out;
  const writer = new PcapWriter(sink, { linkType: LinkType.ETHERNET });
  const heap = new PendingHeap();
  const regCseq = new Uint32Array(userCount);
  const result: BenchCaptureResult = { messages: 0, packets: 0, bytes: 0, firstTsUs: 0, lastTsUs: 0, methods: {}, statuses: {} };

  let order = 0;
  let scheduled = 0;
  let now = startUs;

  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += ((rng() * 16) | 0).toString(16);
    return s;
  };
  const pick = <T>(list: readonly T[]): T => list[(rng() * list.length) | 0]!;
  const userIp = (u: number): string => `10.${20 + (u >> 16)}.${(u >> 8) & 255}.${u & 255}`;
  const userPort = (u: number): number => (u % 3 === 0 ? 5060 : 20000 + ((u * 7919) % 40000));
  const userName = (u: number): string => String(100000 + u);
  const agentOf = (u: number): string => AGENTS[u % AGENTS.length]!;
  const proxyOf = (u: number): string => PROXIES[u % PROXIES.length]!;

  /** Schedules one message `atUs`; false once the requested total is reached (the rest of the scenario is dropped). */
  const schedule = (atUs: number, srcIp: string, srcPort: number, dstIp: string, dstPort: number, text: string): boolean => {
    if (scheduled >= total) return false;
    scheduled++;
    const frame = ethIp(ipUdp({ src: srcIp, dst: dstIp, srcPort, dstPort }, Buffer.from(text, 'latin1'), { id: order & 0xffff }));
    heap.push({ tsUs: atUs, order: order++, frame, label: text.slice(0, text.indexOf(' ')) === 'SIP/2.0' ? text.slice(8, 11) : text.slice(0, text.indexOf(' ')) });
    return true;
  };

  const flushUntil = async (tsUs: number): Promise<void> => {
    for (let p = heap.peek(); p !== undefined && p.tsUs <= tsUs; p = heap.peek()) {
      heap.pop();
      if (result.messages === 0) result.firstTsUs = p.tsUs;
      result.lastTsUs = p.tsUs;
      result.messages++;
      const table = /^\d{3}$/.test(p.label) ? result.statuses : result.methods;
      table[p.label] = (table[p.label] ?? 0) + 1;
      if (!writer.writePacket(p.tsUs, p.frame)) await writer.drain();
    }
  };

  while (scheduled < total) {
    now += Math.max(1, Math.round(-Math.log(1 - rng()) * meanGapUs));
    await flushUntil(now);
    let r = rng();
    let kind = 'register';
    for (const [k, w] of SCENARIOS) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    const u = (rng() * userCount) | 0;
    switch (kind) {
      case 'register': registerRefresh(u, now); break;
      case 'options': optionsPing(u, now); break;
      case 'call': call(u, now, 'answered'); break;
      case 'busy': call(u, now, 'busy'); break;
      case 'notfound': call(u, now, 'notfound'); break;
      default: attack(now); break;
    }
  }
  await flushUntil(Number.MAX_SAFE_INTEGER);
  await writer.close();
  result.packets = writer.packets;
  result.bytes = writer.bytes;
  return result;

  function via(ip: string, port: number, branch: string): string {
    return `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK${branch};rport`;
  }

  function registerRefresh(u: number, t: number): void {
    const ip = userIp(u);
    const port = userPort(u);
    const proxy = proxyOf(u);
    const user = userName(u);
    const callId = `${hex(24)}@${ip}`;
    const tag = hex(10);
    regCseq[u] = regCseq[u]! + 1;
    const cseq = regCseq[u]!;
    const nonce = hex(32);
    const head = (branch: string, n: number): string[] => [
      `REGISTER sip:${DOMAIN} SIP/2.0`,
      via(ip, port, branch),
      'Max-Forwards: 70',
      `From: <sip:${user}@${DOMAIN}>;tag=${tag}`,
      `To: <sip:${user}@${DOMAIN}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${n} REGISTER`,
      `Contact: <sip:${user}@${ip}:${port};line=${hex(8)}>;reg-id=1;+sip.instance="<urn:uuid:${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}>"`,
      `User-Agent: ${agentOf(u)}`,
      ALLOW,
      'Supported: path, gruu, outbound',
      'Expires: 3600',
    ];
    const b1 = hex(16);
    const b2 = hex(16);
    const reply = (branch: string, n: number, status: string, extra: string[]): string =>
      [`SIP/2.0 ${status}`, `${via(ip, port, branch)}=${port};received=${ip}`, `From: <sip:${user}@${DOMAIN}>;tag=${tag}`, `To: <sip:${user}@${DOMAIN}>;tag=${hex(10)}`, `Call-ID: ${callId}`, `CSeq: ${n} REGISTER`, ...extra, `Server: ${SERVER}`, 'Content-Length: 0', '', ''].join('\r\n');
    const auth = `Authorization: Digest username="${user}", realm="${DOMAIN}", nonce="${nonce}", uri="sip:${DOMAIN}", response="${hex(32)}", algorithm=MD5, cnonce="${hex(16)}", qop=auth, nc=00000001`;
    const n1 = cseq * 2 - 1;
    const ok = schedule(t, ip, port, proxy, 5060, [...head(b1, n1), 'Content-Length: 0', '', ''].join('\r\n'))
      && schedule(t + 12_000, proxy, 5060, ip, port, reply(b1, n1, '401 Unauthorized', [`WWW-Authenticate: Digest realm="${DOMAIN}", nonce="${nonce}", opaque="${hex(16)}", algorithm=MD5, qop="auth"`]))
      && schedule(t + 40_000, ip, port, proxy, 5060, [...head(b2, n1 + 1), auth, 'Content-Length: 0', '', ''].join('\r\n'));
    if (ok) schedule(t + 55_000, proxy, 5060, ip, port, reply(b2, n1 + 1, '200 OK', [`Contact: <sip:${user}@${ip}:${port};line=${hex(8)}>;expires=3600`, `Date: ${new Date(t / 1000).toUTCString()}`]));
  }

  function optionsPing(u: number, t: number): void {
    const ip = userIp(u);
    const port = userPort(u);
    const proxy = proxyOf(u);
    const user = userName(u);
    const branch = hex(16);
    const callId = `${hex(24)}@${proxy}`;
    const tag = hex(10);
    const common = [`From: <sip:pinger@${DOMAIN}>;tag=${tag}`, `To: <sip:${user}@${ip}:${port}>`, `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS'];
    const req = [`OPTIONS sip:${user}@${ip}:${port} SIP/2.0`, via(proxy, 5060, branch), 'Max-Forwards: 70', ...common, `Contact: <sip:pinger@${proxy}:5060>`, `User-Agent: ${SERVER}`, 'Accept: application/sdp', 'Content-Length: 0', '', ''].join('\r\n');
    const res = [`SIP/2.0 200 OK`, `${via(proxy, 5060, branch)}=5060;received=${proxy}`, ...common.map((h) => (h.startsWith('To:') ? `${h};tag=${hex(10)}` : h)), `Contact: <sip:${user}@${ip}:${port}>`, `User-Agent: ${agentOf(u)}`, ALLOW, 'Accept: application/sdp', 'Accept-Language: en', 'Supported: replaces, timer', 'Content-Length: 0', '', ''].join('\r\n');
    if (schedule(t, proxy, 5060, ip, port, req)) schedule(t + 8_000 + ((rng() * 20_000) | 0), ip, port, proxy, 5060, res);
  }

  function sdp(user: string, ip: string): string {
    const id = 1_000_000 + ((rng() * 8_000_000) | 0);
    return ['v=0', `o=${user} ${id} ${id} IN IP4 ${ip}`, 's=SIP Call', `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${10000 + 2 * ((rng() * 10000) | 0)} RTP/AVP 0 8 9 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:9 G722/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
  }

  function call(u: number, t: number, outcome: 'answered' | 'busy' | 'notfound'): void {
    const callee = (rng() * userCount) | 0;
    const ip = userIp(u);
    const port = userPort(u);
    const proxy = proxyOf(u);
    const from = userName(u);
    const to = outcome === 'notfound' ? String(900000 + ((rng() * 99999) | 0)) : userName(callee);
    const callId = `${hex(32)}@${ip}`;
    const ftag = hex(10);
    const ttag = hex(10);
    const branch = hex(16);
    const offer = sdp(from, ip);
    const dialogHeaders = (withToTag: boolean, cseq: string): string[] => [
      `From: "${from}" <sip:${from}@${DOMAIN}>;tag=${ftag}`,
      `To: <sip:${to}@${DOMAIN}>${withToTag ? ';tag=' + ttag : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq}`,
    ];
    const invite = [`INVITE sip:${to}@${DOMAIN} SIP/2.0`, via(ip, port, branch), 'Max-Forwards: 70', ...dialogHeaders(false, '1 INVITE'), `Contact: <sip:${from}@${ip}:${port}>`, `User-Agent: ${agentOf(u)}`, ALLOW, 'Supported: replaces, timer, 100rel', 'Session-Expires: 1800', 'Min-SE: 90', `P-Preferred-Identity: <sip:${from}@${DOMAIN}>`, 'Content-Type: application/sdp', `Content-Length: ${offer.length}`, '', offer].join('\r\n');
    const resp = (status: string, extra: string[], body = '', toTag = true): string =>
      [`SIP/2.0 ${status}`, `${via(ip, port, branch)}=${port};received=${ip}`, ...dialogHeaders(toTag, '1 INVITE'), `Record-Route: <sip:${proxy};lr>`, ...extra, `Server: ${SERVER}`, ...(body.length > 0 ? ['Content-Type: application/sdp'] : []), `Content-Length: ${body.length}`, '', body].join('\r\n');
    const inDialog = (method: string, cseq: string, b: string): string =>
      [`${method} sip:${to}@${userIp(callee)}:${userPort(callee)} SIP/2.0`, via(ip, port, b), 'Max-Forwards: 70', `Route: <sip:${proxy};lr>`, ...dialogHeaders(true, cseq), `Contact: <sip:${from}@${ip}:${port}>`, `User-Agent: ${agentOf(u)}`, 'Content-Length: 0', '', ''].join('\r\n');
    const ackNon2xx = [`ACK sip:${to}@${DOMAIN} SIP/2.0`, via(ip, port, branch), 'Max-Forwards: 70', ...dialogHeaders(true, '1 ACK'), `User-Agent: ${agentOf(u)}`, ALLOW, 'Content-Length: 0', '', ''].join('\r\n');
    if (!schedule(t, ip, port, proxy, 5060, invite)) return;
    if (outcome === 'notfound') {
      if (schedule(t + 15_000, proxy, 5060, ip, port, resp('404 Not Found', ['Reason: Q.850;cause=1;text="Unallocated number"']))) schedule(t + 30_000, ip, port, proxy, 5060, ackNon2xx);
      return;
    }
    if (!schedule(t + 5_000, proxy, 5060, ip, port, resp('100 Trying', ['Supported: replaces, timer'], '', false))) return;
    const ringAt = t + 300_000 + ((rng() * 2_500_000) | 0);
    if (outcome === 'busy') {
      if (schedule(ringAt, proxy, 5060, ip, port, resp('486 Busy Here', ['Reason: Q.850;cause=17;text="User busy"', 'Retry-After: 60']))) schedule(ringAt + 20_000, ip, port, proxy, 5060, ackNon2xx);
      return;
    }
    const calleeContact = `Contact: <sip:${to}@${userIp(callee)}:${userPort(callee)}>`;
    if (!schedule(ringAt, proxy, 5060, ip, port, resp('180 Ringing', [calleeContact, ALLOW]))) return;
    const answerAt = ringAt + 2_000_000 + ((rng() * 13_000_000) | 0);
    if (!schedule(answerAt, proxy, 5060, ip, port, resp('200 OK', [calleeContact, ALLOW, 'Supported: replaces, timer', 'Session-Expires: 1800;refresher=uac'], sdp(to, userIp(callee))))) return;
    if (!schedule(answerAt + 25_000, ip, port, proxy, 5060, inDialog('ACK', '1 ACK', hex(16)))) return;
    const byeAt = answerAt + 20_000_000 + ((rng() * 280_000_000) | 0);
    const byeBranch = hex(16);
    const bye = inDialog('BYE', '2 BYE', byeBranch);
    if (!schedule(byeAt, ip, port, proxy, 5060, bye)) return;
    schedule(byeAt + 18_000, proxy, 5060, ip, port, [`SIP/2.0 200 OK`, `${via(ip, port, byeBranch)}=${port};received=${ip}`, ...dialogHeaders(true, '2 BYE'), `Record-Route: <sip:${proxy};lr>`, ALLOW, 'Supported: replaces, timer', `Server: ${SERVER}`, 'Content-Length: 0', '', ''].join('\r\n'));
  }

  function attack(t: number): void {
    // Scanner probes from a small set of hostile addresses: OPTIONS sweeps and REGISTER guesses.
    const src = `203.0.113.${1 + ((rng() * 20) | 0)}`;
    const sport = 5060 + ((rng() * 10) | 0);
    const proxy = pick(PROXIES);
    const ext = String(100 + ((rng() * 9900) | 0));
    const tag = hex(8);
    const callId = String((rng() * 1e10) | 0);
    const method = rng() < 0.5 ? 'OPTIONS' : 'REGISTER';
    const text = [
      `${method} sip:${ext}@${proxy} SIP/2.0`,
      `Via: SIP/2.0/UDP ${src}:${sport};branch=z9hG4bK-${(rng() * 1e9) | 0};rport`,
      'Max-Forwards: 70',
      `From: "sipvicious"<sip:${ext}@1.1.1.1>;tag=${tag}3133`,
      `To: "sipvicious"<sip:${ext}@1.1.1.1>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:${ext}@${src}:${sport}>`,
      `User-Agent: ${SCANNER}`,
      'Accept: application/sdp',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    schedule(t, src, sport, proxy, 5060, text);
  }
}

/** Shorthand used by bench/run.ts: generates the capture and resolves to the number of SIP messages written. */
export async function generateCapture(out: string | Writable, opts: BenchCaptureOptions = {}): Promise<number> {
  return (await generateBenchCapture(out, opts)).messages;
}

async function main(argv: string[]): Promise<void> {
  const out = argv[0];
  if (out === undefined || out.startsWith('--')) {
    process.stderr.write('usage: node dist/bench/gen-capture.js OUT.pcap [--messages N] [--seed S] [--hours H]\n');
    process.exitCode = 2;
    return;
  }
  const num = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const opts: BenchCaptureOptions = {};
  const messages = num('--messages');
  const seed = num('--seed');
  const hours = num('--hours');
  if (messages !== undefined) opts.messages = messages;
  if (seed !== undefined) opts.seed = seed;
  if (hours !== undefined) opts.hours = hours;
  const r = await generateBenchCapture(out, opts);
  process.stdout.write(`wrote ${r.messages} SIP messages (${r.packets} packets, ${r.bytes} bytes) to ${out}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
