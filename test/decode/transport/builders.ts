/**
 * Small builders for the transport tests: hand-made L4Packets and a decoder harness that copies
 * every SipPayload (its buf is a view valid only during the callback) and poisons each packet
 * buffer after `receive`, so a decoder that keeps a view instead of a copy fails loudly.
 */
import { Counters } from '../../../src/base/counters.js';
import type { L4Packet } from '../../../src/decode/l4-packet.js';
import type { PayloadKind, SipPayload } from '../../../src/decode/sip-payload.js';
import { defaultTransportOptions, TransportDecoder, type TransportOptions } from '../../../src/decode/transport-decoder.js';

export const CLIENT = '10.0.0.1';
export const SERVER = '10.0.0.2';

export interface Seen {
  kind: PayloadKind;
  text: string;
  tsUs: number;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  transport: string;
  encap: string[];
  skipped: number;
  hep: { version: number; captureId: number } | null;
  ipVersion: 4 | 6;
  /** The payload object itself, to check identity-related properties (encap interning). */
  raw: SipPayload;
}

export function bytes(s: string | Buffer): Buffer {
  return typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
}

export interface PacketOpts {
  tsUs?: number;
  srcIp?: string;
  dstIp?: string;
  srcPort?: number;
  dstPort?: number;
  encap?: string[];
  ipVersion?: 4 | 6;
  /** Put the payload at this offset inside a larger buffer (checks start/end handling). */
  pad?: number;
}

function packet(protocol: L4Packet['protocol'], payload: Buffer, o: PacketOpts): L4Packet {
  const pad = o.pad ?? 3;
  // Surround the payload with bytes that would confuse a decoder reading outside [start, end).
  const buf = Buffer.alloc(pad + payload.length + pad, 0x41);
  payload.copy(buf, pad);
  return {
    tsUs: o.tsUs ?? 1_000_000,
    ipVersion: o.ipVersion ?? 4,
    srcIp: o.srcIp ?? CLIENT,
    dstIp: o.dstIp ?? SERVER,
    srcPort: o.srcPort ?? 40000,
    dstPort: o.dstPort ?? 5060,
    protocol,
    encap: o.encap ?? ['eth', 'ipv4', protocol],
    buf,
    start: pad,
    end: pad + payload.length,
    tcpSeq: 0,
    tcpAck: 0,
    tcpFlags: 0,
  };
}

export function udp(payload: string | Buffer, o: PacketOpts = {}): L4Packet {
  return packet('udp', bytes(payload), o);
}

export const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export function tcp(payload: string | Buffer, seq: number, flags: number = F.ACK | F.PSH, o: PacketOpts = {}): L4Packet {
  const p = packet('tcp', bytes(payload), o);
  p.tcpSeq = seq >>> 0;
  p.tcpFlags = flags;
  return p;
}

/** A reply packet (server to client) with the default addresses swapped. */
export function reverse(o: PacketOpts = {}): PacketOpts {
  return { srcIp: SERVER, dstIp: CLIENT, srcPort: 5060, dstPort: 40000, ...o };
}

/** SCTP DATA chunk (RFC 4960 §3.3.1), padded to 4 bytes. */
export function dataChunk(
  payload: string | Buffer,
  c: { tsn: number; sid?: number; ssn?: number; b?: boolean; e?: boolean; u?: boolean },
): Buffer {
  const data = bytes(payload);
  const len = 16 + data.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out[0] = 0;
  out[1] = (c.u ? 4 : 0) | (c.b !== false ? 2 : 0) | (c.e !== false ? 1 : 0);
  out.writeUInt16BE(len, 2);
  out.writeUInt32BE(c.tsn >>> 0, 4);
  out.writeUInt16BE(c.sid ?? 0, 8);
  out.writeUInt16BE(c.ssn ?? 0, 10);
  out.writeUInt32BE(0, 12);
  data.copy(out, 16);
  return out;
}

/** A non-DATA chunk (e.g. SACK type 3) of the given body length. */
export function otherChunk(type: number, bodyLen: number): Buffer {
  const len = 4 + bodyLen;
  const out = Buffer.alloc((len + 3) & ~3, 0x77);
  out[0] = type;
  out[1] = 0;
  out.writeUInt16BE(len, 2);
  return out;
}

export function sctp(chunks: Buffer[], o: PacketOpts = {}): L4Packet {
  return packet('sctp', Buffer.concat(chunks), o);
}

export interface Harness {
  dec: TransportDecoder;
  counters: Counters;
  out: Seen[];
  /** receive + poison the packet buffer afterwards. */
  feed(...packets: L4Packet[]): void;
  texts(kind?: PayloadKind): string[];
}

export function options(over: Partial<TransportOptions> = {}, tcpOver: Partial<TransportOptions['tcp']> = {}): TransportOptions {
  return {
    ...defaultTransportOptions,
    ...over,
    tcp: { ...defaultTransportOptions.tcp, ...tcpOver },
  };
}

export function harness(opts: TransportOptions = options()): Harness {
  const counters = new Counters();
  const out: Seen[] = [];
  const dec = new TransportDecoder(opts, counters, (p) => {
    out.push({
      kind: p.kind,
      text: p.buf.toString('latin1', p.start, p.end),
      tsUs: p.tsUs,
      srcIp: p.srcIp,
      srcPort: p.srcPort,
      dstIp: p.dstIp,
      dstPort: p.dstPort,
      transport: p.transport,
      encap: p.encap,
      skipped: p.skipped,
      hep: p.hep,
      ipVersion: p.ipVersion,
      raw: p,
    });
  });
  return {
    dec,
    counters,
    out,
    feed(...packets: L4Packet[]): void {
      for (const p of packets) {
        dec.receive(p);
        p.buf.fill(0xee);
        (p.encap as string[]).fill('poisoned');
      }
    },
    texts(kind?: PayloadKind): string[] {
      return out.filter((s) => kind === undefined || s.kind === kind).map((s) => s.text);
    },
  };
}

// ---- SIP samples ----

export function invite(callId = 'a84b4c76e66710', body = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n'): string {
  return (
    'INVITE sip:bob@example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK776asdhds\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: Bob <sip:bob@example.com>\r\n' +
    'From: Alice <sip:alice@example.com>;tag=1928301774\r\n' +
    `Call-ID: ${callId}\r\n` +
    'CSeq: 314159 INVITE\r\n' +
    'Contact: <sip:alice@10.0.0.1:40000;transport=tcp>\r\n' +
    'Content-Type: application/sdp\r\n' +
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n` +
    '\r\n' +
    body
  );
}

export function ok200(callId = 'a84b4c76e66710'): string {
  return (
    'SIP/2.0 200 OK\r\n' +
    'Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK776asdhds\r\n' +
    'To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n' +
    'From: Alice <sip:alice@example.com>;tag=1928301774\r\n' +
    `Call-ID: ${callId}\r\n` +
    'CSeq: 314159 INVITE\r\n' +
    'Content-Length: 0\r\n' +
    '\r\n'
  );
}

export function options_(n = 1): string {
  return (
    'OPTIONS sip:carol@example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKhjhs8ass877\r\n' +
    `Call-ID: opt-${n}\r\n` +
    `CSeq: ${n} OPTIONS\r\n` +
    'l: 0\r\n' +
    '\r\n'
  );
}

/** A TCP connection whose sequence numbers the test does not have to count. */
export class Conn {
  cseq: number;
  sseq: number;
  constructor(
    readonly c: PacketOpts = {},
    readonly s: PacketOpts = reverse(),
    cisn = 1000,
    sisn = 900_000,
  ) {
    this.cseq = cisn;
    this.sseq = sisn;
  }
  /** SYN, SYN-ACK (and the client's ACK carries no data). */
  handshake(): L4Packet[] {
    const out = [tcp('', this.cseq, F.SYN, this.c), tcp('', this.sseq, F.SYN | F.ACK, this.s)];
    this.cseq++;
    this.sseq++;
    return out;
  }
  client(data: string | Buffer, flags: number = F.ACK | F.PSH, o: PacketOpts = {}): L4Packet {
    const p = tcp(data, this.cseq, flags, { ...this.c, ...o });
    this.cseq = (this.cseq + Buffer.byteLength(data as string, 'latin1')) >>> 0;
    return p;
  }
  server(data: string | Buffer, flags: number = F.ACK | F.PSH, o: PacketOpts = {}): L4Packet {
    const p = tcp(data, this.sseq, flags, { ...this.s, ...o });
    this.sseq = (this.sseq + Buffer.byteLength(data as string, 'latin1')) >>> 0;
    return p;
  }
}

