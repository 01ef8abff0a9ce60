/**
 * Writes the synthetic captures of `fixtures/` and `fixtures/expected.json`: the cases the public
 * capture set lacks (tunnels, fragments, pipelined TCP, HEP, WebSocket, odd link types, negatives).
 *
 *   node dist/scripts/make-fixtures.js [--out DIR] [--tshark]
 *
 * Every expected number is counted here, as the generator writes the packets, never by a decoder.
 * Output is deterministic: fixed timestamps and a seeded random generator per file, so running it
 * again gives identical bytes (test/capture/fixtures.test.ts checks this). `--tshark` also
 * cross-checks the SIP message counts with tshark and rewrites fixtures/README.md with the result.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { LinkType } from '../src/capture/frame.js';
import { encodePcap } from '../src/capture/pcap-writer.js';
import {
  EtherType, IpProto, PppProto, StunType, TcpFlags, VXLAN_PORT, GTPU_PORT, HEP_PORT, WsOpcode,
  erspanII, ethIp, ethernet, gre, gtpu, gtpuPduSessionContainer, hep2, hep3, icmpv4, ipTcp, ipUdp, ipv4,
  ipv4Fragments, ipv6, ipv6Fragments, mpls, pcapngEpb, pcapngIdb, pcapngShb, pcapngBlock, pppoeSession,
  qinqTags, reverse, sctp, sctpData, sdpBody, seededRandom, sipRequest, sipResponse, sll, sll2, stunMessage,
  tlsRecord, udp, vxlan, wsFragmentedMessage, wsFrame,
} from '../test/helpers/packet-builder.js';
import type { Flow, SipParty, SipRequestOptions } from '../test/helpers/packet-builder.js';
import { REPO_ROOT } from '../test/helpers/paths.js';

/** 2024-05-14T09:00:00Z: the first packet of every fixture. */
const BASE_SEC = 1715677200;

type SipTransportName = 'udp' | 'tcp' | 'sctp' | 'ws';
type FileFormat = 'pcap' | 'pcap-ns-be' | 'pcapng' | 'pcap.gz';

/** What a correct decoder must find in one fixture; written to expected.json. */
export interface FixtureExpectation {
  description: string;
  format: FileFormat;
  frames: number;
  linkTypes: number[];
  firstTsUs: number;
  lastTsUs: number;
  sipMessages: number;
  methods: Record<string, number>;
  statuses: Record<string, number>;
  /** SIP messages by the transport that carries them (inside HEP: the transport HEP names). */
  transports: Record<string, number>;
  /** Extra per-theme counts: keepalives, stun, nonSip, tls, fragments, incompleteFragmentSets ... */
  [extra: string]: unknown;
}

interface FixtureRecord {
  tsUs: number;
  extraNs: number;
  linkType: number;
  data: Buffer;
}

/** Accumulates the frames of one fixture and counts, as it goes, what they hold. */
class Fixture {
  readonly records: FixtureRecord[] = [];
  readonly rng: () => number;
  readonly extra: Record<string, number> = {};
  readonly methods: Record<string, number> = {};
  readonly statuses: Record<string, number> = {};
  readonly transports: Record<string, number> = {};
  sipMessages = 0;
  tsUs = BASE_SEC * 1_000_000;
  tsharkArgs: string[] = [];
  /** Why tshark cannot check this file, if it cannot. */
  tsharkBlind: string | null = null;
  private ipId = 0x3a00;

  constructor(readonly name: string, readonly format: FileFormat, readonly description: string, seed: number) {
    this.rng = seededRandom(seed);
  }

  /** Appends a frame `gapUs` after the previous one. */
  add(data: Buffer, gapUs = 1500, linkType: number = LinkType.ETHERNET, extraNs = 0): void {
    this.tsUs += gapUs;
    this.records.push({ tsUs: this.tsUs, extraNs, linkType, data });
  }

  /** Counts one SIP message a decoder must find and returns its bytes. */
  sip(text: string, transport: SipTransportName): Buffer {
    this.sipMessages++;
    const first = text.slice(0, text.indexOf('\r\n'));
    if (first.startsWith('SIP/2.0 ')) inc(this.statuses, first.slice(8, 11));
    else inc(this.methods, first.slice(0, first.indexOf(' ')));
    inc(this.transports, transport);
    return Buffer.from(text, 'utf8');
  }

  count(key: string, n = 1): void {
    this.extra[key] = (this.extra[key] ?? 0) + n;
  }

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(this.rng() * 16).toString(16);
    return s;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.rng() * 256);
    return b;
  }

  /** UDP/IPv4-or-IPv6 in Ethernet, the common case. */
  udpFrame(flow: Flow, payload: Buffer, gapUs?: number): void {
    this.add(ethIp(ipUdp(flow, payload, { id: this.nextIpId() })), gapUs);
  }

  expectation(): FixtureExpectation {
    const linkTypes: number[] = [];
    for (const r of this.records) if (!linkTypes.includes(r.linkType)) linkTypes.push(r.linkType);
    return {
      description: this.description,
      format: this.format,
      frames: this.records.length,
      linkTypes,
      firstTsUs: this.records[0]!.tsUs,
      lastTsUs: this.records[this.records.length - 1]!.tsUs,
      sipMessages: this.sipMessages,
      methods: sortKeys(this.methods),
      statuses: sortKeys(this.statuses),
      transports: sortKeys(this.transports),
      ...sortKeys(this.extra),
    };
  }

  encode(): Buffer {
    switch (this.format) {
      case 'pcap':
        return encodePcap(this.records, { linkType: this.records[0]!.linkType });
      case 'pcap-ns-be':
        return encodePcap(this.records, { linkType: this.records[0]!.linkType, nanoseconds: true, bigEndian: true });
      case 'pcap.gz':
        return gzipSync(encodePcap(this.records, { linkType: this.records[0]!.linkType }), { level: 9 });
      case 'pcapng':
        return encodePcapngByLinkType(this.records);
    }
  }
}

function inc(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

function sortKeys<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/** pcapng with one interface per link type, in order of first use; raw-IP interfaces use nanoseconds. */
function encodePcapngByLinkType(records: FixtureRecord[]): Buffer {
  const ifaces: number[] = [];
  for (const r of records) if (!ifaces.includes(r.linkType)) ifaces.push(r.linkType);
  const nano = (lt: number): boolean => lt === LinkType.RAW;
  const appl = Buffer.from('sipsentry make-fixtures');
  const parts = [pcapngShb({ options: [{ code: 4, value: appl }] })];
  for (const lt of ifaces) parts.push(pcapngIdb({ linkType: lt, snaplen: 262144, ...(nano(lt) ? { tsresol: 9 } : {}) }));
  for (const r of records) {
    const ifId = ifaces.indexOf(r.linkType);
    const ts = nano(r.linkType) ? BigInt(r.tsUs) * 1000n + BigInt(r.extraNs) : BigInt(r.tsUs);
    parts.push(pcapngEpb({ interfaceId: ifId, ts, data: r.data }));
  }
  // An Interface Statistics Block at the end, as dumpcap writes: readers skip it.
  const isb = Buffer.alloc(12);
  isb.writeUInt32LE(0, 0);
  const last = BigInt(records[records.length - 1]!.tsUs);
  isb.writeUInt32LE(Number(last >> 32n), 4);
  isb.writeUInt32LE(Number(last & 0xffffffffn), 8);
  parts.push(pcapngBlock(5, isb));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// SIP dialogs
// ---------------------------------------------------------------------------------------------

interface Party {
  user: string;
  domain: string;
  display: string;
  ip: string;
  port: number;
  agent: string;
}

const SIP_VIA: Record<SipTransportName, SipRequestOptions['transport']> = { udp: 'UDP', tcp: 'TCP', sctp: 'SCTP', ws: 'WS' };

/** Builds the requests and responses of one dialog (or one out-of-dialog transaction) between two parties. */
class Dialog {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
  private cseq: number;

  constructor(private readonly fx: Fixture, readonly caller: Party, readonly callee: Party, readonly transport: SipTransportName, cseqStart = 1) {
    this.callId = `${fx.hex(16)}@${caller.ip.includes(':') ? 'ue.' + caller.domain : caller.ip}`;
    this.fromTag = fx.hex(8);
    this.toTag = fx.hex(8);
    this.cseq = cseqStart;
  }

  /** A new request; `inDialog` adds the To tag; ACK/CANCEL reuse the CSeq number of the INVITE. */
  request(method: string, o: { body?: string; headers?: string[]; inDialog?: boolean; cseq?: number; viaHost?: string; branch?: string } = {}): SipRequestOptions {
    const reusesCseq = method === 'ACK' || method === 'CANCEL';
    const cseq = o.cseq ?? (reusesCseq ? this.cseq - 1 : this.cseq++);
    const c = this.caller;
    const d = this.callee;
    const ruri = method === 'REGISTER' ? `sip:${c.domain}` : `sip:${d.user}@${d.domain}`;
    const to: SipParty = method === 'REGISTER'
      ? { user: c.user, host: c.domain, display: c.display }
      : { user: d.user, host: d.domain, display: d.display, ...(o.inDialog ? { tag: this.toTag } : {}) };
    const headers = [...(o.headers ?? [])];
    if (method === 'INVITE' || method === 'REGISTER' || method === 'OPTIONS') {
      headers.push('Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, NOTIFY, SUBSCRIBE, REFER, INFO, UPDATE');
    }
    if (method === 'REGISTER') headers.push('Expires: 3600');
    if (method === 'INVITE') headers.push('Supported: replaces, timer', 'Session-Expires: 1800');
    return {
      method,
      ruri,
      transport: SIP_VIA[this.transport],
      viaHost: o.viaHost ?? c.ip,
      ...(o.viaHost === undefined ? { viaPort: c.port } : {}),
      branch: o.branch ?? 'z9hG4bK' + this.fx.hex(12),
      from: { user: c.user, host: c.domain, display: c.display, tag: this.fromTag },
      to,
      callId: this.callId,
      cseq,
      contact: `<sip:${c.user}@${c.ip.includes(':') ? '[' + c.ip + ']' : c.ip}:${c.port};transport=${this.transport}>`,
      userAgent: c.agent,
      maxForwards: 70,
      headers,
      ...(o.body !== undefined ? { body: o.body } : {}),
    };
  }

  /** The request's text, counted as a SIP message of this fixture. */
  send(req: SipRequestOptions): Buffer {
    return this.fx.sip(sipRequest(req), this.transport);
  }

  /** A response to `req`, counted. 1xx except 100 and all final responses carry the To tag. */
  answer(req: SipRequestOptions, status: number, reason: string, o: { body?: string; headers?: string[] } = {}): Buffer {
    const d = this.callee;
    const text = sipResponse({
      status,
      reason,
      request: req,
      ...(status !== 100 ? { toTag: this.toTag } : {}),
      ...(status >= 180 && status < 300 && req.method === 'INVITE'
        ? { contact: `<sip:${d.user}@${d.ip.includes(':') ? '[' + d.ip + ']' : d.ip}:${d.port};transport=${this.transport}>` }
        : {}),
      server: d.agent,
      ...(o.headers !== undefined ? { headers: o.headers } : {}),
      ...(o.body !== undefined ? { body: o.body } : {}),
    });
    return this.fx.sip(text, this.transport);
  }

  offer(party: Party, extraLines = 0): string {
    let sdp = sdpBody({ user: party.user, sessionId: 1000 + Math.floor(this.fx.rng() * 9000), ip: party.ip, rtpPort: 20000 + 2 * Math.floor(this.fx.rng() * 5000) });
    // Large offers (ICE candidates, SRTP keys) are what pushes a UDP INVITE past the MTU.
    for (let i = 0; i < extraLines; i++) {
      sdp += `a=candidate:${i + 1} 1 UDP ${2130706431 - i * 256} ${party.ip.includes(':') ? '2001:db8:ffff::' + (i + 1).toString(16) : '198.51.100.' + (i + 10)} ${40000 + i * 2} typ ${i % 3 === 0 ? 'host' : i % 3 === 1 ? 'srflx' : 'relay'}\r\n`;
      if (i % 4 === 0) sdp += `a=crypto:${i / 4 + 1} AES_CM_128_HMAC_SHA1_80 inline:${Buffer.from(this.fx.bytes(30)).toString('base64')}\r\n`;
    }
    return sdp;
  }
}

function digestChallenge(fx: Fixture, realm: string): string {
  return `WWW-Authenticate: Digest realm="${realm}", nonce="${fx.hex(32)}", algorithm=MD5, qop="auth"`;
}

function digestCredentials(fx: Fixture, user: string, realm: string): string {
  return `Authorization: Digest username="${user}", realm="${realm}", nonce="${fx.hex(32)}", uri="sip:${realm}", response="${fx.hex(32)}", algorithm=MD5, cnonce="${fx.hex(8)}", nc=00000001, qop=auth`;
}

const PHONE = 'Linphone/5.2.0 (belle-sip/5.2.0)';
const DESK = 'Grandstream GXP2170 1.0.11.23';
const PROXY = 'sipsentry-lab-proxy/1.0';

function party(user: string, domain: string, ip: string, port: number, agent: string, display?: string): Party {
  return { user, domain, display: display ?? `User ${user}`, ip, port, agent };
}

/** Sends INVITE/100/180/200/ACK/BYE/200 over `deliver`, a callback that frames each message. */
function basicCall(d: Dialog, deliver: (fromCaller: boolean, msg: Buffer) => void, o: { bigOffer?: number } = {}): void {
  const inv = d.request('INVITE', { body: d.offer(d.caller, o.bigOffer ?? 0) });
  deliver(true, d.send(inv));
  deliver(false, d.answer(inv, 100, 'Trying'));
  deliver(false, d.answer(inv, 180, 'Ringing'));
  deliver(false, d.answer(inv, 200, 'OK', { body: d.offer(d.callee) }));
  deliver(true, d.send(d.request('ACK', { inDialog: true })));
  const bye = d.request('BYE', { inDialog: true });
  deliver(true, d.send(bye));
  deliver(false, d.answer(bye, 200, 'OK'));
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

function vxlanFixture(): Fixture {
  const fx = new Fixture('vxlan.pcap', 'pcap', 'SIP inside VXLAN over IPv4: a full call on the IANA port 4789 and an OPTIONS ping on the Linux default port 8472 (needs a configured VXLAN port).', 101);
  const vtep1 = '10.0.0.1';
  const vtep2 = '10.0.0.2';
  const a = party('alice', 'example.com', '192.168.10.5', 5060, PHONE, 'Alice');
  const b = party('bob', 'example.com', '192.168.20.7', 5060, DESK, 'Bob');
  const tunnel = (port: number, vni: number) => (fromA: boolean, msg: Buffer): void => {
    const inner = ethIp(ipUdp(fromA ? { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port } : { src: b.ip, dst: a.ip, srcPort: b.port, dstPort: a.port }, msg, { id: fx.nextIpId() }), {
      src: fromA ? '02:42:c0:a8:0a:05' : '02:42:c0:a8:14:07',
      dst: fromA ? '02:42:c0:a8:14:07' : '02:42:c0:a8:0a:05',
    });
    const outer: Flow = fromA ? { src: vtep1, dst: vtep2, srcPort: 49152 + (vni % 1000), dstPort: port } : { src: vtep2, dst: vtep1, srcPort: 49152 + (vni % 1000) + 1, dstPort: port };
    // Outer UDP checksum 0, as VXLAN endpoints usually send (RFC 7348 §5).
    fx.add(ethIp(ipv4({ src: outer.src, dst: outer.dst, protocol: IpProto.UDP, id: fx.nextIpId(), dontFragment: true }, udp({ ...outer, checksum: 'zero' }, vxlan({ vni }, inner)))));
    fx.count('vxlanFrames');
  };
  basicCall(new Dialog(fx, a, b, 'udp'), tunnel(VXLAN_PORT, 5001));
  const ping = new Dialog(fx, b, a, 'udp');
  const opt = ping.request('OPTIONS');
  const on8472 = tunnel(8472, 42);
  on8472(false, ping.send(opt));
  on8472(true, ping.answer(opt, 200, 'OK'));
  fx.tsharkArgs = ['-d', 'udp.port==8472,vxlan'];
  return fx;
}

function ipv4FragmentsFixture(): Fixture {
  const fx = new Fixture('ipv4-fragments.pcap', 'pcap', 'A 3.7 KB UDP INVITE (large SDP with ICE candidates and SRTP keys) in 3 IPv4 fragments, the last one arriving before the middle one, answered 100/180/200/ACK; then a second INVITE whose last fragment never arrives (must not be counted).', 102);
  const a = party('1001', 'voip.example.net', '198.51.100.20', 5060, DESK);
  const b = party('1002', 'voip.example.net', '203.0.113.30', 5060, PHONE);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  const d = new Dialog(fx, a, b, 'udp');
  const inv = d.request('INVITE', { body: d.offer(a, 34) });
  const datagram = udp(flow, d.send(inv));
  const frags = ipv4Fragments({ src: a.ip, dst: b.ip, protocol: IpProto.UDP, id: 0x4d21 }, datagram, [1480, 1480]);
  if (frags.length !== 3) throw new Error('expected 3 fragments');
  for (const f of [frags[0]!, frags[2]!, frags[1]!]) fx.add(ethIp(f), 40);
  fx.count('fragments', 3);
  fx.count('reassembledDatagrams');
  fx.udpFrame(reverse(flow), d.answer(inv, 100, 'Trying'));
  fx.udpFrame(reverse(flow), d.answer(inv, 180, 'Ringing'), 300000);
  fx.udpFrame(reverse(flow), d.answer(inv, 200, 'OK', { body: d.offer(b) }), 2000000);
  fx.udpFrame(flow, d.send(d.request('ACK', { inDialog: true })));
  // The incomplete set: built from text that is not counted as a delivered message.
  const lost = new Dialog(fx, a, b, 'udp');
  const lostInv = sipRequest(lost.request('INVITE', { body: lost.offer(a, 34) }));
  const lostFrags = ipv4Fragments({ src: a.ip, dst: b.ip, protocol: IpProto.UDP, id: 0x4d22 }, udp(flow, Buffer.from(lostInv)), [1480, 1480]);
  fx.add(ethIp(lostFrags[0]!), 5000000);
  fx.add(ethIp(lostFrags[1]!), 40);
  fx.count('fragments', 2);
  fx.count('incompleteFragmentSets');
  return fx;
}

function ipv6FragmentsFixture(): Fixture {
  const fx = new Fixture('ipv6-fragments.pcap', 'pcap', 'A UDP INVITE over IPv6 in 3 fragments (Fragment header after a Hop-by-Hop header), then 100 with Hop-by-Hop, Routing (segments left 0) and Destination Options headers, 180, 200, ACK.', 103);
  const a = party('2001', 'v6.example.org', '2001:db8:10::20', 5060, PHONE);
  const b = party('2002', 'v6.example.org', '2001:db8:20::30', 5060, DESK);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  const d = new Dialog(fx, a, b, 'udp');
  const inv = d.request('INVITE', { body: d.offer(a, 34) });
  const frags = ipv6Fragments({ src: a.ip, dst: b.ip, nextHeader: IpProto.UDP, id: 0x0badcafe, unfragmentable: [{ type: 'hop-by-hop' }] }, udp(flow, d.send(inv)), [1232, 1232]);
  if (frags.length !== 3) throw new Error('expected 3 fragments');
  for (const f of frags) fx.add(ethIp(f), 40);
  fx.count('fragments', 3);
  fx.count('reassembledDatagrams');
  const back = reverse(flow);
  fx.add(ethIp(ipv6({ src: b.ip, dst: a.ip, nextHeader: IpProto.UDP, extensions: [{ type: 'hop-by-hop' }, { type: 'routing', routingType: 0, segmentsLeft: 0, addresses: ['2001:db8:20::1'] }, { type: 'destination', options: Buffer.from([0x1e, 2, 0, 0]) }] }, udp(back, d.answer(inv, 100, 'Trying')))));
  fx.udpFrame(back, d.answer(inv, 180, 'Ringing'), 250000);
  fx.udpFrame(back, d.answer(inv, 200, 'OK', { body: d.offer(b) }), 1500000);
  fx.udpFrame(flow, d.send(d.request('ACK', { inDialog: true })));
  return fx;
}

/** A TCP connection that frames payloads into segments with consistent sequence numbers. */
class TcpConnection {
  private seqC: number;
  private seqS: number;

  constructor(private readonly fx: Fixture, readonly flow: Flow, isnClient: number, isnServer: number, private readonly frame: (ip: Buffer) => Buffer = (ip) => ethIp(ip)) {
    this.seqC = isnClient;
    this.seqS = isnServer;
  }

  handshake(): void {
    this.emit(true, this.seqC, Buffer.alloc(0), TcpFlags.SYN, 0);
    this.seqC++;
    this.emit(false, this.seqS, Buffer.alloc(0), TcpFlags.SYN | TcpFlags.ACK, this.seqC);
    this.seqS++;
    this.emit(true, this.seqC, Buffer.alloc(0), TcpFlags.ACK, this.seqS);
  }

  /** Sends `payload` as one segment and advances the sender's sequence number. */
  send(fromClient: boolean, payload: Buffer, gapUs = 1500): number {
    const seq = this.reserve(fromClient, payload.length);
    this.emit(fromClient, seq, payload, TcpFlags.PSH | TcpFlags.ACK, fromClient ? this.seqS : this.seqC, gapUs);
    return seq;
  }

  /** Takes `n` bytes of sequence space without sending (to send segments out of order later). */
  reserve(fromClient: boolean, n: number): number {
    const seq = fromClient ? this.seqC : this.seqS;
    if (fromClient) this.seqC = (this.seqC + n) >>> 0;
    else this.seqS = (this.seqS + n) >>> 0;
    return seq;
  }

  /** Emits a segment at an explicit sequence number (retransmissions, reordering). */
  emitAt(fromClient: boolean, seq: number, payload: Buffer, gapUs = 1500): void {
    this.emit(fromClient, seq, payload, TcpFlags.PSH | TcpFlags.ACK, fromClient ? this.seqS : this.seqC, gapUs);
  }

  ack(fromClient: boolean): void {
    this.emit(fromClient, fromClient ? this.seqC : this.seqS, Buffer.alloc(0), TcpFlags.ACK, fromClient ? this.seqS : this.seqC, 200);
  }

  close(): void {
    this.emit(true, this.seqC, Buffer.alloc(0), TcpFlags.FIN | TcpFlags.ACK, this.seqS);
    this.seqC++;
    this.emit(false, this.seqS, Buffer.alloc(0), TcpFlags.FIN | TcpFlags.ACK, this.seqC);
    this.seqS++;
    this.emit(true, this.seqC, Buffer.alloc(0), TcpFlags.ACK, this.seqS);
  }

  private emit(fromClient: boolean, seq: number, payload: Buffer, flags: number, ack: number, gapUs = 1500): void {
    const f = fromClient ? this.flow : reverse(this.flow);
    this.fx.add(this.frame(ipTcp(f, { seq, ack, flags }, payload, { id: this.fx.nextIpId(), dontFragment: true })), gapUs);
  }
}

function tcpPipelinedFixture(): Fixture {
  const fx = new Fixture('tcp-pipelined.pcap', 'pcap', 'SIP over one TCP connection: 3 requests pipelined in one segment, CRLF ping/pong keep-alives, an INVITE split over 4 segments, a 200 OK whose 2 segments arrive out of order, a retransmitted ACK segment, and junk bytes followed by a BYE (resync on the next start line).', 104);
  const a = party('3001', 'pbx.example.com', '10.1.1.10', 50000, DESK);
  const b = party('3002', 'pbx.example.com', '10.1.1.1', 5060, PROXY);
  const conn = new TcpConnection(fx, { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port }, 0x1a2b3c4d, 0x5e6f7081);
  conn.handshake();

  // Three requests in one segment.
  const opt = new Dialog(fx, a, b, 'tcp');
  const reg = new Dialog(fx, a, b, 'tcp');
  const msg = new Dialog(fx, a, b, 'tcp');
  const optReq = opt.request('OPTIONS');
  const regReq = reg.request('REGISTER');
  const msgReq = msg.request('MESSAGE', { body: 'Pipelined hello', headers: [] });
  msgReq.contentType = 'text/plain';
  conn.send(true, Buffer.concat([opt.send(optReq), reg.send(regReq), msg.send(msgReq)]));
  fx.count('pipelinedSegments');
  conn.send(false, opt.answer(optReq, 200, 'OK'));
  conn.send(false, reg.answer(regReq, 401, 'Unauthorized', { headers: [digestChallenge(fx, 'pbx.example.com')] }));
  conn.send(false, msg.answer(msgReq, 200, 'OK'));

  // RFC 5626 §3.5.1 keep-alive: the client pings with a double CRLF, the server answers with a single CRLF.
  conn.send(true, Buffer.from('\r\n\r\n'), 30000000);
  conn.send(false, Buffer.from('\r\n'));
  fx.count('keepalives', 2);

  // An INVITE in 4 segments.
  const call = new Dialog(fx, a, b, 'tcp');
  const inv = call.request('INVITE', { body: call.offer(a, 3) });
  const invBytes = call.send(inv);
  const q = Math.ceil(invBytes.length / 4);
  for (let i = 0; i < 4; i++) conn.send(true, invBytes.subarray(i * q, Math.min((i + 1) * q, invBytes.length)), 300);
  fx.count('splitMessages');
  conn.send(false, call.answer(inv, 100, 'Trying'));
  conn.send(false, call.answer(inv, 180, 'Ringing'), 400000);

  // The 200 OK in 2 segments, the second captured first.
  const ok = call.answer(inv, 200, 'OK', { body: call.offer(b) });
  const half = Math.floor(ok.length / 2);
  const okSeq = conn.reserve(false, ok.length);
  conn.emitAt(false, okSeq + half, ok.subarray(half), 2000000);
  conn.emitAt(false, okSeq, ok.subarray(0, half), 200);
  fx.count('outOfOrderSegments');

  // The ACK, then the same segment again (a TCP retransmission, not a new SIP message).
  const ackBytes = call.send(call.request('ACK', { inDialog: true }));
  const ackSeq = conn.send(true, ackBytes);
  conn.emitAt(true, ackSeq, ackBytes, 200000);
  fx.count('retransmittedSegments');

  // Junk, then a BYE at the start of the next segment: a decoder must skip the junk and resync.
  const junk = Buffer.concat([fx.bytes(29).map((x) => (x === 13 || x === 10 ? 0x2e : x)), Buffer.from('\r\n')]);
  conn.send(true, junk, 10000000);
  fx.count('junkBytes', junk.length);
  const bye = call.request('BYE', { inDialog: true });
  conn.send(true, call.send(bye), 100);
  conn.send(false, call.answer(bye, 200, 'OK'));
  conn.close();
  // tshark leaves out-of-order segments unreassembled unless asked.
  fx.tsharkArgs = ['-o', 'tcp.reassemble_out_of_order:TRUE'];
  return fx;
}

function gtpuFixture(): Fixture {
  const fx = new Fixture('gtpu.pcap', 'pcap', 'VoLTE-like SIP: IPv6 UE to P-CSCF inside GTP-U (UDP 2152) over IPv4; uplink G-PDUs carry the sequence number and a PDU Session Container extension header, downlink ones the plain 8-byte header. REGISTER/401/REGISTER/200 then INVITE/100/180/200/ACK.', 105);
  const ue = party('001010123456789', 'ims.mnc001.mcc001.3gppnetwork.org', '2001:db8:ac10::1', 5060, 'Samsung IMS 6.0');
  const pcscf = party('pcscf', 'ims.mnc001.mcc001.3gppnetwork.org', '2001:db8:ac10:ff::10', 5060, 'P-CSCF');
  const enb = '172.16.0.1';
  const sgw = '172.16.0.2';
  let seq = 1;
  const deliver = (uplink: boolean, msg: Buffer): void => {
    const inner = ipUdp(uplink ? { src: ue.ip, dst: pcscf.ip, srcPort: ue.port, dstPort: pcscf.port } : { src: pcscf.ip, dst: ue.ip, srcPort: pcscf.port, dstPort: ue.port }, msg);
    const g = uplink
      ? gtpu({ teid: 0x00001001, sequence: seq++, extensions: [gtpuPduSessionContainer(5)] }, inner)
      : gtpu({ teid: 0x00002002 }, inner);
    const outer: Flow = uplink ? { src: enb, dst: sgw, srcPort: GTPU_PORT, dstPort: GTPU_PORT } : { src: sgw, dst: enb, srcPort: GTPU_PORT, dstPort: GTPU_PORT };
    fx.udpFrame(outer, g);
    fx.count('gtpuFrames');
  };
  const reg = new Dialog(fx, ue, pcscf, 'udp');
  const r1 = reg.request('REGISTER', { headers: ['Require: sec-agree', 'Supported: path, gruu', `Authorization: Digest username="${ue.user}@${ue.domain}", realm="${ue.domain}", uri="sip:${ue.domain}", nonce="", response=""`] });
  deliver(true, reg.send(r1));
  deliver(false, reg.answer(r1, 401, 'Unauthorized', { headers: [digestChallenge(fx, ue.domain)] }));
  const r2 = reg.request('REGISTER', { headers: ['Require: sec-agree', digestCredentials(fx, ue.user, ue.domain)] });
  deliver(true, reg.send(r2));
  deliver(false, reg.answer(r2, 200, 'OK', { headers: [`Service-Route: <sip:orig@scscf.${ue.domain};lr>`, `P-Associated-URI: <sip:+15550100@${ue.domain}>`] }));
  const callee = party('+15550199', ue.domain, pcscf.ip, 5060, 'P-CSCF');
  const call = new Dialog(fx, ue, callee, 'udp');
  const inv = call.request('INVITE', { body: call.offer(ue) });
  deliver(true, call.send(inv));
  deliver(false, call.answer(inv, 100, 'Trying'));
  deliver(false, call.answer(inv, 180, 'Ringing'));
  deliver(false, call.answer(inv, 200, 'OK', { body: call.offer(callee) }));
  deliver(true, call.send(call.request('ACK', { inDialog: true })));
  return fx;
}

function hepFixture(): Fixture {
  const fx = new Fixture('hep.pcap', 'pcap', 'HEP to a collector on UDP 9060: one call whose messages come as HEP v3 with a plain payload chunk, HEP v3 with a zlib (RFC 1950) and a gzip (RFC 1952) compressed payload chunk 0x0010, HEP v3 with an unknown vendor chunk, HEP v3 with IPv6 addresses, and HEP v2 (Kamailio layout: little-endian time struct padded to 12 bytes).', 106);
  const agent: Flow = { src: '10.9.0.5', dst: '10.9.0.1', srcPort: 48123, dstPort: HEP_PORT };
  const a = party('4001', 'example.com', '192.0.2.10', 5060, PHONE);
  const b = party('4002', 'example.com', '192.0.2.20', 5060, DESK);
  const d = new Dialog(fx, a, b, 'udp');
  type Kind = 'v3' | 'v3-zlib' | 'v3-gzip' | 'v3-vendor' | 'v2';
  const deliver = (kind: Kind, fromA: boolean, msg: Buffer): void => {
    fx.tsUs += 1000;
    const sec = Math.floor((fx.tsUs - 200) / 1_000_000);
    const usec = (fx.tsUs - 200) % 1_000_000; // captured by the agent 200 µs before the HEP packet
    const from = fromA ? a : b;
    const to = fromA ? b : a;
    const common = { protocol: IpProto.UDP, srcIp: from.ip, dstIp: to.ip, srcPort: from.port, dstPort: to.port, tsSec: sec, tsUsec: usec, captureId: 2001, payload: msg };
    let pkt: Buffer;
    if (kind === 'v2') pkt = hep2(common);
    else {
      pkt = hep3({
        ...common,
        compress: kind === 'v3-zlib' ? 'zlib' : kind === 'v3-gzip' ? 'gzip' : null,
        ...(kind === 'v3-vendor' ? { extraChunks: [{ vendor: 0x0002, type: 0x0020, value: Buffer.from('kamailio-extension') }] } : {}),
        authKey: 'myHep',
        correlationId: d.callId,
      });
    }
    fx.count(kind === 'v2' ? 'hep2' : 'hep3');
    if (kind === 'v3-zlib' || kind === 'v3-gzip') fx.count('hepCompressed');
    fx.udpFrame(agent, pkt, 0);
  };
  const inv = d.request('INVITE', { body: d.offer(a) });
  deliver('v3', true, d.send(inv));
  deliver('v3-zlib', false, d.answer(inv, 100, 'Trying'));
  deliver('v3-gzip', false, d.answer(inv, 180, 'Ringing'));
  deliver('v3-vendor', false, d.answer(inv, 200, 'OK', { body: d.offer(b) }));
  deliver('v2', true, d.send(d.request('ACK', { inDialog: true })));
  const bye = d.request('BYE', { inDialog: true });
  deliver('v2', true, d.send(bye));
  deliver('v3', false, d.answer(bye, 200, 'OK'));
  // One more over IPv6 addresses inside HEP v3: an OPTIONS ping between two IPv6 hosts.
  const v6a = party('probe', 'example.com', '2001:db8:9::1', 5060, PROXY);
  const v6b = party('edge', 'example.com', '2001:db8:9::2', 5060, PROXY);
  const ping = new Dialog(fx, v6a, v6b, 'udp');
  const opt = ping.request('OPTIONS');
  for (const [fromA, msg] of [[true, ping.send(opt)], [false, ping.answer(opt, 200, 'OK')]] as const) {
    fx.tsUs += 1000;
    const from = fromA ? v6a : v6b;
    const to = fromA ? v6b : v6a;
    fx.count('hep3');
    fx.udpFrame(agent, hep3({ protocol: IpProto.UDP, srcIp: from.ip, dstIp: to.ip, srcPort: from.port, dstPort: to.port, tsSec: Math.floor(fx.tsUs / 1e6), tsUsec: fx.tsUs % 1_000_000, captureId: 2002, payload: msg }), 0);
  }
  fx.tsharkBlind = 'tshark 4.0 has no HEP dissector';
  return fx;
}

function websocketFixture(): Fixture {
  const fx = new Fixture('websocket.pcap', 'pcap', 'SIP over WebSocket (RFC 7118) on TCP 8080 after an HTTP Upgrade with Sec-WebSocket-Protocol: sip: masked client frames, unmasked server frames, a REGISTER fragmented into 3 frames across 3 segments with a Ping between fragments, an INVITE frame split over 2 TCP segments, a Close handshake.', 107);
  const a = party('5001', 'ws.example.com', '10.2.0.20', 52000, 'JsSIP 3.10.1');
  const b = party('5000', 'ws.example.com', '10.2.0.1', 8080, PROXY);
  const conn = new TcpConnection(fx, { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port }, 0x0a0b0c0d, 0x10203040);
  conn.handshake();
  const key = fx.bytes(16).toString('base64');
  conn.send(true, Buffer.from([
    'GET /ws HTTP/1.1', 'Host: ws.example.com:8080', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`, 'Origin: https://www.example.com', 'Sec-WebSocket-Protocol: sip', 'Sec-WebSocket-Version: 13', '', '',
  ].join('\r\n')));
  conn.send(false, Buffer.from([
    'HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${fx.bytes(20).toString('base64')}`, 'Sec-WebSocket-Protocol: sip', '', '',
  ].join('\r\n')));
  const mask = (): Buffer => fx.bytes(4);
  const viaHost = 'df7jal23ls0d.invalid';
  const reg = new Dialog(fx, a, b, 'ws');
  const r1 = reg.request('REGISTER', { viaHost });
  conn.send(true, wsFrame({ opcode: WsOpcode.TEXT, mask: mask() }, reg.send(r1)));
  fx.count('wsFrames');
  conn.send(false, wsFrame({ opcode: WsOpcode.TEXT }, reg.answer(r1, 401, 'Unauthorized', { headers: [digestChallenge(fx, 'ws.example.com')] })));
  fx.count('wsFrames');
  const r2 = reg.request('REGISTER', { viaHost, headers: [digestCredentials(fx, a.user, 'ws.example.com')] });
  const r2Bytes = reg.send(r2);
  const parts = wsFragmentedMessage(WsOpcode.TEXT, r2Bytes, [200, 300], [mask(), mask(), mask()]);
  conn.send(true, parts[0]!);
  // A control frame may sit between the fragments of a message (RFC 6455 §5.4).
  conn.send(true, wsFrame({ opcode: WsOpcode.PING, mask: mask() }, Buffer.from('keepalive')));
  conn.send(true, parts[1]!);
  conn.send(true, parts[2]!);
  fx.count('wsFrames', 4);
  fx.count('wsFragmentedMessages');
  conn.send(false, wsFrame({ opcode: WsOpcode.PONG }, Buffer.from('keepalive')));
  conn.send(false, wsFrame({ opcode: WsOpcode.TEXT }, reg.answer(r2, 200, 'OK', { headers: ['Expires: 600'] })));
  fx.count('wsFrames', 2);
  const callee = party('5002', 'ws.example.com', b.ip, b.port, PROXY);
  const call = new Dialog(fx, a, callee, 'ws');
  const inv = call.request('INVITE', { viaHost, body: call.offer(a) });
  const invFrame = wsFrame({ opcode: WsOpcode.TEXT, mask: mask() }, call.send(inv));
  const cut = Math.floor(invFrame.length / 3);
  conn.send(true, invFrame.subarray(0, cut));
  conn.send(true, invFrame.subarray(cut), 200);
  fx.count('wsFrames');
  conn.send(false, wsFrame({ opcode: WsOpcode.TEXT }, call.answer(inv, 100, 'Trying')));
  conn.send(false, wsFrame({ opcode: WsOpcode.TEXT }, call.answer(inv, 200, 'OK', { body: call.offer(callee) })), 3000000);
  conn.send(true, wsFrame({ opcode: WsOpcode.TEXT, mask: mask() }, call.send(call.request('ACK', { inDialog: true, viaHost }))));
  fx.count('wsFrames', 3);
  conn.send(true, wsFrame({ opcode: WsOpcode.CLOSE, mask: mask() }, Buffer.from([0x03, 0xe8])), 5000000);
  conn.send(false, wsFrame({ opcode: WsOpcode.CLOSE }, Buffer.from([0x03, 0xe8])));
  fx.count('wsFrames', 2);
  conn.close();
  return fx;
}

function l2EncapFixture(): Fixture {
  const fx = new Fixture('l2-encap.pcap', 'pcap', 'Ethernet-level encapsulations: 802.1Q, QinQ (0x88a8 + 0x8100), an MPLS label stack of 2, PPPoE session with IPv4 and with IPv6, and 802.1Q + PPPoE as a BRAS access link.', 108);
  const a = party('6001', 'example.com', '192.0.2.61', 5060, DESK);
  const b = party('6000', 'example.com', '192.0.2.1', 5060, PROXY);
  const a6 = party('6002', 'example.com', '2001:db8:61::2', 5060, PHONE);
  const b6 = party('6000', 'example.com', '2001:db8:61::1', 5060, PROXY);
  const pair = (caller: Party, callee: Party, frameIt: (ip: Buffer) => Buffer, method: string, status: number, reason: string): void => {
    const d = new Dialog(fx, caller, callee, 'udp');
    const req = d.request(method);
    const flow: Flow = { src: caller.ip, dst: callee.ip, srcPort: caller.port, dstPort: callee.port };
    fx.add(frameIt(ipUdp(flow, d.send(req), { id: fx.nextIpId() })));
    fx.add(frameIt(ipUdp(reverse(flow), d.answer(req, status, reason, status === 401 ? { headers: [digestChallenge(fx, 'example.com')] } : {}), { id: fx.nextIpId() })));
  };
  pair(a, b, (ip) => ethernet({ type: EtherType.IPV4, vlans: [100] }, ip), 'OPTIONS', 200, 'OK');
  fx.count('vlanFrames', 2);
  pair(a, b, (ip) => ethernet({ type: EtherType.IPV4, vlans: qinqTags(300, 42) }, ip), 'REGISTER', 200, 'OK');
  fx.count('qinqFrames', 2);
  // MPLS: INVITE refused with 486, then the ACK for the failure.
  const d = new Dialog(fx, a, b, 'udp');
  const inv = d.request('INVITE', { body: d.offer(a) });
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  const overMpls = (ip: Buffer): Buffer => ethernet({ type: EtherType.MPLS }, mpls([{ label: 16004, ttl: 255 }, { label: 299776, ttl: 255 }], ip));
  fx.add(overMpls(ipUdp(flow, d.send(inv), { id: fx.nextIpId() })));
  fx.add(overMpls(ipUdp(reverse(flow), d.answer(inv, 486, 'Busy Here'), { id: fx.nextIpId() })));
  fx.add(overMpls(ipUdp(flow, d.send({ ...d.request('ACK', { inDialog: true }), branch: inv.branch }), { id: fx.nextIpId() })));
  fx.count('mplsFrames', 3);
  const overPppoe = (vlan: number | null) => (ip: Buffer): Buffer => {
    const v6 = (ip[0]! >> 4) === 6;
    const pppoe = pppoeSession({ sessionId: 0x1d2e, protocol: v6 ? PppProto.IPV6 : PppProto.IPV4 }, ip);
    return ethernet({ type: EtherType.PPPOE_SESSION, ...(vlan !== null ? { vlans: [vlan] } : {}) }, pppoe);
  };
  pair(a, b, overPppoe(null), 'REGISTER', 401, 'Unauthorized');
  pair(a6, b6, overPppoe(null), 'OPTIONS', 200, 'OK');
  pair(a, b, overPppoe(210), 'NOTIFY', 200, 'OK');
  fx.count('pppoeFrames', 6);
  return fx;
}

function tunnelsFixture(): Fixture {
  const fx = new Fixture('tunnels.pcap', 'pcap', 'IP tunnels: GRE with a key (IPv4 inside), GRE transparent Ethernet bridging (0x6558), IPv4-in-IPv4, IPv6-in-IPv4, VXLAN nested inside GRE, and an ERSPAN type II mirror session carrying an 802.1Q-tagged frame.', 109);
  const a = party('7001', 'example.com', '192.168.70.1', 5060, DESK);
  const b = party('7002', 'example.com', '192.168.70.2', 5060, PHONE);
  const a6 = party('7003', 'example.com', '2001:db8:70::1', 5060, DESK);
  const b6 = party('7004', 'example.com', '2001:db8:70::2', 5060, PHONE);
  const outer = { src: '203.0.113.1', dst: '203.0.113.2' };
  const outerIp = (protocol: number, payload: Buffer, up: boolean): Buffer =>
    ethIp(ipv4({ src: up ? outer.src : outer.dst, dst: up ? outer.dst : outer.src, protocol, id: fx.nextIpId() }, payload));
  const exchange = (caller: Party, callee: Party, method: string, wrap: (innerIp: Buffer, up: boolean) => Buffer, status = 200, reason = 'OK'): void => {
    const d = new Dialog(fx, caller, callee, 'udp');
    const req = d.request(method);
    const flow: Flow = { src: caller.ip, dst: callee.ip, srcPort: caller.port, dstPort: callee.port };
    fx.add(wrap(ipUdp(flow, d.send(req), { id: fx.nextIpId() }), true));
    fx.add(wrap(ipUdp(reverse(flow), d.answer(req, status, reason), { id: fx.nextIpId() }), false));
  };
  exchange(a, b, 'OPTIONS', (ip, up) => outerIp(IpProto.GRE, gre({ protocol: EtherType.IPV4, key: 77 }, ip), up));
  fx.count('greFrames', 2);
  exchange(a, b, 'REGISTER', (ip, up) => outerIp(IpProto.GRE, gre({ protocol: EtherType.TEB }, ethIp(ip)), up));
  fx.count('greTebFrames', 2);
  exchange(a, b, 'OPTIONS', (ip, up) => outerIp(IpProto.IPIP, ip, up));
  fx.count('ipipFrames', 2);
  exchange(a6, b6, 'OPTIONS', (ip, up) => outerIp(IpProto.IPV6, ip, up));
  fx.count('ip6in4Frames', 2);
  // VXLAN inside GRE: eth / ipv4 / gre / ipv4 / udp 4789 / vxlan / eth / ipv4 / udp / sip.
  const d = new Dialog(fx, a, b, 'udp');
  const inv = d.request('INVITE', { body: d.offer(a) });
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  const nested = (innerIp: Buffer, up: boolean): Buffer => {
    const vt: Flow = up ? { src: '10.70.0.1', dst: '10.70.0.2', srcPort: 51000, dstPort: VXLAN_PORT } : { src: '10.70.0.2', dst: '10.70.0.1', srcPort: 51001, dstPort: VXLAN_PORT };
    const vx = ipUdp(vt, vxlan({ vni: 7070 }, ethIp(innerIp)), { id: fx.nextIpId() });
    return outerIp(IpProto.GRE, gre({ protocol: EtherType.IPV4 }, vx), up);
  };
  fx.add(nested(ipUdp(flow, d.send(inv), { id: fx.nextIpId() }), true));
  fx.add(nested(ipUdp(reverse(flow), d.answer(inv, 603, 'Decline'), { id: fx.nextIpId() }), false));
  fx.add(nested(ipUdp(flow, d.send({ ...d.request('ACK', { inDialog: true }), branch: inv.branch }), { id: fx.nextIpId() }), true));
  fx.count('vxlanInGreFrames', 3);
  let seq = 1;
  exchange(a, b, 'MESSAGE', (ip, up) => outerIp(IpProto.GRE, erspanII({ sessionId: 12, sequence: seq++, vlan: 70, index: 3 }, ethernet({ type: EtherType.IPV4, vlans: [70] }, ip)), up));
  fx.count('erspanFrames', 2);
  return fx;
}

function linksFixture(): Fixture {
  const fx = new Fixture('links.pcapng', 'pcapng', 'pcapng with one interface per link type: Ethernet (µs), raw IP (LINKTYPE_RAW 101, if_tsresol=9: nanoseconds, IPv4 and IPv6 packets), Linux SLL2 (276), raw IPv6 (LINKTYPE_IPV6 229), Linux SLL (113); an Interface Statistics Block at the end.', 110);
  const a = party('8001', 'example.com', '192.0.2.81', 5060, DESK);
  const b = party('8000', 'example.com', '192.0.2.80', 5060, PROXY);
  const a6 = party('8002', 'example.com', '2001:db8:80::2', 5060, PHONE);
  const b6 = party('8000', 'example.com', '2001:db8:80::1', 5060, PROXY);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  const flow6: Flow = { src: a6.ip, dst: b6.ip, srcPort: a6.port, dstPort: b6.port };
  // OPTIONS seen on Ethernet, its answer on the raw-IP interface.
  const ping = new Dialog(fx, a, b, 'udp');
  const opt = ping.request('OPTIONS');
  fx.add(ethIp(ipUdp(flow, ping.send(opt), { id: fx.nextIpId() })), 1500, LinkType.ETHERNET);
  fx.add(ipUdp(reverse(flow), ping.answer(opt, 200, 'OK'), { id: fx.nextIpId() }), 1500, LinkType.RAW, 417);
  const ping6 = new Dialog(fx, a6, b6, 'udp');
  const opt6 = ping6.request('OPTIONS');
  fx.add(ipUdp(flow6, ping6.send(opt6)), 1500, LinkType.RAW, 9);
  fx.add(ipUdp(reverse(flow6), ping6.answer(opt6, 200, 'OK')), 1500, LinkType.RAW, 999);
  const reg = new Dialog(fx, a, b, 'udp');
  const r = reg.request('REGISTER');
  fx.add(sll2({ protocol: EtherType.IPV4, packetType: 4 }, ipUdp(flow, reg.send(r), { id: fx.nextIpId() })), 1500, LinkType.LINUX_SLL2);
  fx.add(sll2({ protocol: EtherType.IPV4, packetType: 0 }, ipUdp(reverse(flow), reg.answer(r, 200, 'OK'), { id: fx.nextIpId() })), 1500, LinkType.LINUX_SLL2);
  const sub = new Dialog(fx, a6, b6, 'udp');
  const s = sub.request('SUBSCRIBE', { headers: ['Event: presence', 'Accept: application/pidf+xml', 'Expires: 3600'] });
  fx.add(ipUdp(flow6, sub.send(s)), 1500, LinkType.IPV6);
  fx.add(ipUdp(reverse(flow6), sub.answer(s, 200, 'OK', { headers: ['Expires: 3600'] })), 1500, LinkType.IPV6);
  const m = new Dialog(fx, a, b, 'udp');
  const mr = m.request('MESSAGE', { body: 'Hello over cooked capture' });
  mr.contentType = 'text/plain';
  fx.add(sll({ protocol: EtherType.IPV4, packetType: 4 }, ipUdp(flow, m.send(mr), { id: fx.nextIpId() })), 1500, LinkType.LINUX_SLL);
  fx.add(sll({ protocol: EtherType.IPV4, packetType: 0 }, ipUdp(reverse(flow), m.answer(mr, 202, 'Accepted'), { id: fx.nextIpId() })), 1500, LinkType.LINUX_SLL);
  return fx;
}

function nanosecondFixture(): Fixture {
  const fx = new Fixture('nanosecond-be.pcap', 'pcap-ns-be', 'A big-endian pcap with nanosecond timestamps (magic a1b23c4d written big-endian), sub-microsecond digits set: one complete call over UDP.', 111);
  const a = party('9001', 'example.com', '192.0.2.91', 5060, PHONE);
  const b = party('9002', 'example.com', '192.0.2.92', 5060, DESK);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  let ns = 123;
  basicCall(new Dialog(fx, a, b, 'udp'), (fromA, msg) => {
    fx.add(ethIp(ipUdp(fromA ? flow : reverse(flow), msg, { id: fx.nextIpId() })), 20000, LinkType.ETHERNET, ns);
    ns = (ns * 7 + 311) % 1000;
  });
  return fx;
}

function gzipFixture(): Fixture {
  const fx = new Fixture('gzip.pcap.gz', 'pcap.gz', 'A gzip-compressed classic pcap: REGISTER with digest challenge and retry, then an OPTIONS ping.', 112);
  const a = party('1101', 'example.com', '192.0.2.111', 5060, DESK);
  const b = party('1100', 'example.com', '192.0.2.110', 5060, PROXY);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  const reg = new Dialog(fx, a, b, 'udp');
  const r1 = reg.request('REGISTER');
  fx.udpFrame(flow, reg.send(r1));
  fx.udpFrame(reverse(flow), reg.answer(r1, 401, 'Unauthorized', { headers: [digestChallenge(fx, 'example.com')] }));
  const r2 = reg.request('REGISTER', { headers: [digestCredentials(fx, a.user, 'example.com')] });
  fx.udpFrame(flow, reg.send(r2));
  fx.udpFrame(reverse(flow), reg.answer(r2, 200, 'OK'));
  const ping = new Dialog(fx, b, a, 'udp');
  const opt = ping.request('OPTIONS');
  fx.udpFrame(reverse(flow), ping.send(opt), 15000000);
  fx.udpFrame(flow, ping.answer(opt, 200, 'OK'));
  return fx;
}

function negativesFixture(): Fixture {
  const fx = new Fixture('negatives.pcap', 'pcap', 'Traffic around SIP that is not SIP: an INVITE to a closed port and the ICMP port-unreachable quoting it, TLS records on TCP 5061, a STUN binding request/response and CRLF keep-alives on UDP 5060, an HTTP request and random bytes sent to UDP 5060; plus one OPTIONS/200 exchange.', 113);
  const a = party('1201', 'example.com', '10.3.0.50', 5060, DESK);
  const b = party('1200', 'example.com', '10.3.0.1', 5060, PROXY);
  const dead = party('1299', 'example.com', '10.3.0.99', 5060, PROXY);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  // The INVITE itself is SIP; the ICMP error quoting its first bytes is not.
  const d = new Dialog(fx, a, dead, 'udp');
  const inv = d.request('INVITE', { body: d.offer(a) });
  const invPacket = ipUdp({ src: a.ip, dst: dead.ip, srcPort: a.port, dstPort: dead.port }, d.send(inv), { id: fx.nextIpId() });
  fx.add(ethIp(invPacket));
  // RFC 1812 §4.3.2.3: the error quotes as much of the original datagram as fits in 576 bytes.
  const quoted = invPacket.subarray(0, Math.min(invPacket.length, 576 - 20 - 8));
  fx.add(ethIp(ipv4({ src: dead.ip, dst: a.ip, protocol: IpProto.ICMP, id: fx.nextIpId() }, icmpv4({ type: 3, code: 3 }, quoted))));
  fx.count('icmpQuotingSip');
  // TLS on 5061: handshake records and application data, all opaque.
  const tls = new TcpConnection(fx, { src: a.ip, dst: b.ip, srcPort: 50610, dstPort: 5061 }, 0x71000000, 0x72000000);
  tls.handshake();
  tls.send(true, tlsRecord(22, Buffer.concat([Buffer.from([0x01, 0x00, 0x00, 0xbc, 0x03, 0x03]), fx.bytes(186)])));
  tls.send(false, Buffer.concat([tlsRecord(22, Buffer.concat([Buffer.from([0x02, 0x00, 0x00, 0x76, 0x03, 0x03]), fx.bytes(118)])), tlsRecord(20, Buffer.from([1])), tlsRecord(23, fx.bytes(1100))]));
  tls.send(true, Buffer.concat([tlsRecord(20, Buffer.from([1])), tlsRecord(23, fx.bytes(58))]));
  tls.send(true, tlsRecord(23, fx.bytes(712)));
  tls.send(false, tlsRecord(23, fx.bytes(420)));
  fx.count('tls', 5);
  // STUN keep-alive on the SIP port (RFC 5626 §4.4.2).
  const tx = fx.bytes(12);
  fx.udpFrame(flow, stunMessage(StunType.BINDING_REQUEST, tx), 20000000);
  fx.udpFrame(reverse(flow), stunMessage(StunType.BINDING_SUCCESS, tx, { ip: a.ip, port: a.port }));
  fx.count('stun', 2);
  // CRLF keep-alives: double-CRLF ping, single-CRLF pong (RFC 5626 §3.5.1).
  fx.udpFrame(flow, Buffer.from('\r\n\r\n'), 10000000);
  fx.udpFrame(reverse(flow), Buffer.from('\r\n'));
  fx.count('keepalives', 2);
  // Not SIP on the SIP port: an HTTP request and random bytes.
  fx.udpFrame({ src: '198.51.100.66', dst: b.ip, srcPort: 41234, dstPort: 5060 }, Buffer.from('GET / HTTP/1.1\r\nHost: 10.3.0.1:5060\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n'), 5000000);
  fx.udpFrame({ src: '198.51.100.67', dst: b.ip, srcPort: 41235, dstPort: 5060 }, fx.bytes(64));
  fx.count('nonSip', 2);
  const ping = new Dialog(fx, a, b, 'udp');
  const opt = ping.request('OPTIONS');
  fx.udpFrame(flow, ping.send(opt), 1000000);
  fx.udpFrame(reverse(flow), ping.answer(opt, 200, 'OK'));
  return fx;
}

function oddPortFixture(): Fixture {
  const fx = new Fixture('odd-port.pcap', 'pcap', 'A complete call over UDP between two hosts that both use port 40000 (no well-known SIP port).', 114);
  const a = party('1301', 'example.com', '10.4.0.10', 40000, PHONE);
  const b = party('1302', 'example.com', '10.4.0.20', 40000, DESK);
  const flow: Flow = { src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port };
  basicCall(new Dialog(fx, a, b, 'udp'), (fromA, msg) => fx.udpFrame(fromA ? flow : reverse(flow), msg, 50000));
  fx.tsharkArgs = ['-d', 'udp.port==40000,sip'];
  return fx;
}

function sctpFixture(): Fixture {
  const fx = new Fixture('sctp-bundled.pcap', 'pcap', 'SIP over SCTP (port 5060): one packet bundling two DATA chunks (OPTIONS and MESSAGE on two streams), then the two answers, the second bundled behind a SACK chunk.', 115);
  const a = party('1401', 'example.com', '10.5.0.10', 5060, PROXY);
  const b = party('1402', 'example.com', '10.5.0.20', 5060, PROXY);
  const opt = new Dialog(fx, a, b, 'sctp');
  const msg = new Dialog(fx, a, b, 'sctp');
  const optReq = opt.request('OPTIONS');
  const msgReq = msg.request('MESSAGE', { body: 'Bundled hello' });
  msgReq.contentType = 'text/plain';
  const up = (chunks: Buffer[]): Buffer => ethIp(ipv4({ src: a.ip, dst: b.ip, protocol: IpProto.SCTP, id: fx.nextIpId() }, sctp({ srcPort: 5060, dstPort: 5060, verificationTag: 0x2f3a4b5c }, chunks)));
  const down = (chunks: Buffer[]): Buffer => ethIp(ipv4({ src: b.ip, dst: a.ip, protocol: IpProto.SCTP, id: fx.nextIpId() }, sctp({ srcPort: 5060, dstPort: 5060, verificationTag: 0x6d7e8f90 }, chunks)));
  fx.add(up([sctpData({ tsn: 1001, streamId: 0, streamSeq: 0, payload: opt.send(optReq) }), sctpData({ tsn: 1002, streamId: 1, streamSeq: 0, payload: msg.send(msgReq) })]));
  fx.count('sctpDataChunks', 2);
  fx.add(down([sctpData({ tsn: 5001, streamId: 0, streamSeq: 0, payload: opt.answer(optReq, 200, 'OK') })]));
  // SACK (RFC 9260 §3.3.4): cumulative TSN ack 1002, a_rwnd, no gaps, no duplicates.
  const sack = Buffer.alloc(16);
  sack[0] = 3;
  sack.writeUInt16BE(16, 2);
  sack.writeUInt32BE(1002, 4);
  sack.writeUInt32BE(106496, 8);
  fx.add(down([sack, sctpData({ tsn: 5002, streamId: 1, streamSeq: 0, payload: msg.answer(msgReq, 200, 'OK') })]));
  fx.count('sctpDataChunks', 2);
  return fx;
}

/** Every fixture, in file-name order of the README. */
export function buildFixtures(): Fixture[] {
  return [
    vxlanFixture(), ipv4FragmentsFixture(), ipv6FragmentsFixture(), tcpPipelinedFixture(), gtpuFixture(),
    hepFixture(), websocketFixture(), l2EncapFixture(), tunnelsFixture(), linksFixture(), nanosecondFixture(),
    gzipFixture(), negativesFixture(), oddPortFixture(), sctpFixture(),
  ];
}

export interface GeneratedFixtures {
  /** File name → bytes, expected.json included. */
  files: Map<string, Buffer>;
  expected: Record<string, FixtureExpectation>;
}

/** Builds every fixture in memory. */
export function generateFixtures(): GeneratedFixtures {
  const files = new Map<string, Buffer>();
  const expected: Record<string, FixtureExpectation> = {};
  for (const fx of buildFixtures()) {
    files.set(fx.name, fx.encode());
    expected[fx.name] = fx.expectation();
  }
  const doc = {
    comment: 'Written by scripts/make-fixtures.ts from what it generated; do not edit by hand. See README.md for the meaning of each field.',
    files: expected,
  };
  files.set('expected.json', Buffer.from(JSON.stringify(doc, null, 2) + '\n'));
  return { files, expected };
}

/** Writes every fixture and expected.json into `outDir`; returns the file names written. */
export function writeFixtures(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const { files } = generateFixtures();
  for (const [name, bytes] of files) writeFileSync(join(outDir, name), bytes);
  return [...files.keys()];
}

// ---------------------------------------------------------------------------------------------
// tshark cross-check
// ---------------------------------------------------------------------------------------------

interface TsharkCheck {
  file: string;
  expected: number;
  tshark: number | null;
  args: string;
  note: string;
}

/** Counts SIP start lines tshark dissects (outside ICMP quotes); null when tshark is missing. */
function tsharkSipCount(path: string, args: string[]): number | null {
  const r = spawnSync('tshark', ['-n', '-r', path, ...args, '-Y', 'sip && !icmp', '-T', 'fields', '-e', 'sip.Method', '-e', 'sip.Status-Code'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  let n = 0;
  for (const line of r.stdout.split('\n')) {
    for (const field of line.split('\t')) for (const v of field.split(',')) if (v.trim() !== '') n++;
  }
  return n;
}

function crossCheck(outDir: string): TsharkCheck[] {
  const out: TsharkCheck[] = [];
  for (const fx of buildFixtures()) {
    const expected = fx.sipMessages;
    if (fx.tsharkBlind !== null) {
      out.push({ file: fx.name, expected, tshark: null, args: '', note: fx.tsharkBlind });
      continue;
    }
    const n = tsharkSipCount(join(outDir, fx.name), fx.tsharkArgs);
    out.push({ file: fx.name, expected, tshark: n, args: fx.tsharkArgs.join(' '), note: n === null ? 'tshark failed' : n === expected ? 'match' : 'MISMATCH' });
  }
  return out;
}

function readme(checks: TsharkCheck[] | null): string {
  const fixtures = buildFixtures();
  const lines = [
    '# Fixtures',
    '',
    'Small synthetic captures for what the public capture set (`../shared/pcaps/public`, see its MANIFEST.md) lacks.',
    'They are written by `scripts/make-fixtures.ts`; do not edit them by hand. Regenerate with',
    '',
    '```',
    'npm run build && node dist/scripts/make-fixtures.js            # rewrites fixtures/*',
    'node dist/scripts/make-fixtures.js --tshark                     # also re-runs the tshark check below',
    '```',
    '',
    'Output is deterministic (fixed timestamps from 2024-05-14T09:00:00Z, one seeded random generator per file);',
    '`test/capture/fixtures.test.ts` regenerates them and compares bytes. The gzip fixture depends on the zlib that',
    'ships with Node.js: a Node upgrade that changes zlib output would need a regeneration.',
    '',
    '## Files',
    '',
    '| File | Frames | SIP msgs | What it holds and why |',
    '|---|---:|---:|---|',
    ...fixtures.map((f) => `| \`${f.name}\` | ${f.records.length} | ${f.sipMessages} | ${f.description} |`),
    '',
    '## expected.json',
    '',
    'Per file, counted by the generator as it wrote the packets (never by a decoder):',
    '',
    '- `frames`, `linkTypes`, `firstTsUs`, `lastTsUs`: what a capture reader must deliver (integer microseconds).',
    '- `sipMessages`: SIP messages a correct decoder must find: each message once, however many fragments or TCP',
    '  segments carry it; TCP retransmissions, SIP quoted in ICMP errors, and fragment sets that never complete do not count.',
    '- `methods` / `statuses`: request-line methods and status codes of those messages; `transports`: the transport',
    '  carrying each (for HEP: the transport named inside HEP).',
    '- `keepalives`: CRLF keep-alive payloads (a double-CRLF ping and a single-CRLF pong count one each).',
    '- `stun`: STUN messages on the SIP port. `nonSip`: payloads on a SIP port that are neither SIP, keep-alive nor STUN.',
    '- `tls`: TCP segments carrying TLS records on 5061 (never SIP). `icmpQuotingSip`: ICMP errors quoting a SIP packet.',
    '- `fragments`: IP fragment frames; `reassembledDatagrams`: fragment sets that complete;',
    '  `incompleteFragmentSets`: sets whose last fragment never arrives.',
    '- `junkBytes`: bytes of junk before a SIP start line on the TCP stream (resync expected, then the next message counts).',
    '- `pipelinedSegments`, `splitMessages`, `outOfOrderSegments`, `retransmittedSegments`: TCP cases present.',
    '- `hep3`, `hep2`, `hepCompressed`: HEP packets by version and those with a compressed payload chunk.',
    '- `wsFrames`, `wsFragmentedMessages`: WebSocket frames (data and control) and messages split into continuation frames.',
    '- `*Frames` (vxlan, gtpu, gre, mpls, pppoe ...): frames carrying that encapsulation.',
    '',
    '## tshark cross-check',
    '',
    'SIP message count of each file as tshark 4.0 sees it: `tshark -n -r F [options] -Y "sip && !icmp" -T fields',
    '-e sip.Method -e sip.Status-Code`, counting every method and status value (several per frame when pipelined).',
    '',
  ];
  if (checks === null) {
    lines.push('(not run: regenerate with `--tshark`)');
  } else {
    lines.push('| File | Expected | tshark | tshark options | Result |', '|---|---:|---:|---|---|');
    for (const c of checks) lines.push(`| \`${c.file}\` | ${c.expected} | ${c.tshark ?? '-'} | ${c.args === '' ? '' : '`' + c.args + '`'} | ${c.note} |`);
  }
  lines.push('');
  return lines.join('\n');
}

function main(argv: string[]): void {
  const outIdx = argv.indexOf('--out');
  const outDir = outIdx >= 0 && argv[outIdx + 1] !== undefined ? resolve(argv[outIdx + 1]!) : join(REPO_ROOT, 'fixtures');
  const names = writeFixtures(outDir);
  process.stdout.write(`wrote ${names.length} files to ${outDir}\n`);
  if (argv.includes('--tshark')) {
    const checks = crossCheck(outDir);
    for (const c of checks) process.stdout.write(`${c.file}: expected ${c.expected}, tshark ${c.tshark ?? '-'} ${c.args} (${c.note})\n`);
    writeFileSync(join(outDir, 'README.md'), readme(checks));
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
