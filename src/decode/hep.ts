import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Counters } from '../base/counters.js';
import type { DatagramClassifier } from './classify.js';
import type { PayloadEncapInterner } from './payload-encap.js';
import { FlowContext } from './flow-context.js';
import { ipv4Text as formatIPv4, ipv6Text as formatIPv6 } from './ip/address.js';
import type { SipTransport } from './sip-payload.js';

/**
 * HEP (Homer Encapsulation Protocol): SIP captured elsewhere and sent to us with its original
 * addresses, ports and time. HEP3 is a 6-byte header ("HEP3", total length) followed by TLV chunks
 * (vendor u16, type u16, length u16 including the 6-byte chunk header), big-endian, any order.
 * Chunk types used here (vendor 0): 1 IP family, 2 IP protocol, 3/4 IPv4 src/dst, 5/6 IPv6 src/dst,
 * 7/8 ports, 9/10 seconds/microseconds, 11 protocol type (1 = SIP), 12 capture agent id,
 * 14 authentication key, 15 payload, 16 compressed payload. Legacy HEP v1/v2 is decoded best-effort on HEP ports.
 */

export const HEP3_HEADER = 6;
/** heplify-server's cap on a HEP packet over streams. */
export const MAX_HEP_PACKET = 65_507;

const HEP_PROTO_SIP = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
/** Kamailio marks TLS/WS/WSS captures with IPPROTO_IDP (22); they are stream transports. */
const IPPROTO_IDP = 22;

export const HEP3_MAGIC = Buffer.from('HEP3', 'latin1');

export function isHep3Magic(buf: Buffer, p: number, end: number): boolean {
  return end - p >= 4 && buf[p] === 0x48 && buf[p + 1] === 0x45 && buf[p + 2] === 0x50 && buf[p + 3] === 0x33;
}

/** Encap layers appended for an inner packet: [hep version][family v6?][transport index]. */
const TRANSPORTS: readonly SipTransport[] = ['udp', 'tcp', 'sctp'];
function suffixes(version: string): readonly (readonly string[])[][] {
  return ['ipv4', 'ipv6'].map((ip) => TRANSPORTS.map((t) => Object.freeze([version, ip, t])));
}
const SUFFIX: Readonly<Record<number, readonly (readonly string[])[][]>> = {
  1: suffixes('hep1'),
  2: suffixes('hep2'),
  3: suffixes('hep3'),
};

export class HepDecoder {
  /** Scratch context for the inner packet. */
  private readonly inner = new FlowContext();
  // Chunk fields of the packet being decoded (offsets into its buffer, -1 = absent).
  private family = 0;
  private ipProto = -1;
  private src4 = -1;
  private dst4 = -1;
  private src6 = -1;
  private dst6 = -1;
  private srcPort = -1;
  private dstPort = -1;
  private tsec = -1;
  private tusec = -1;
  private protoType = -1;
  private captureId = 0;
  private payloadStart = -1;
  private payloadEnd = -1;
  private compressed = false;
  /** Last encap extension (outer path, suffix) → result: HEP packets of a capture share it. */
  private lastOuter: readonly string[] | null = null;
  private lastSuffix: readonly string[] | null = null;
  private lastEncap: string[] = [];

  constructor(
    private readonly classifier: DatagramClassifier,
    private readonly interner: PayloadEncapInterner,
    private readonly counters: Counters,
    private readonly maxMessageBytes: number,
    authKey: string | null = null,
  ) {
    this.inner.sipFlow = true;
    this.authKey = authKey === null || authKey === '' ? null : Buffer.from(authKey, 'utf8');
  }

  /** Required key (chunk 14); null accepts every packet. */
  private readonly authKey: Buffer | null;
  private keyStart = -1;
  private keyEnd = -1;

  /**
   * A datagram on a HEP port or starting with "HEP3". "For datagrams require total length ==
   * datagram length" (heplify-server); legacy v1/v2 only on HEP ports. Returns false when the
   * datagram is not HEP at all (the caller classifies it as usual).
   */
  datagram(outer: FlowContext, buf: Buffer, start: number, end: number, onHepPort: boolean): boolean {
    if (isHep3Magic(buf, start, end)) {
      if (end - start < HEP3_HEADER || ((buf[start + 4] << 8) | buf[start + 5]) !== end - start) {
        this.counters.inc('decode.hep.malformed');
        return true;
      }
      this.packet3(outer, buf, start, end);
      return true;
    }
    if (!onHepPort) return false;
    if (this.authKey !== null) {
      // HEP v1/v2 cannot carry a key.
      this.counters.inc('decode.hep.auth_failed');
      return true;
    }
    if (this.legacy(outer, buf, start, end)) return true;
    this.counters.inc('decode.hep.malformed');
    return true;
  }

  /** One complete HEP3 packet [start, end) (its length field already checked). */
  packet3(outer: FlowContext, buf: Buffer, start: number, end: number): void {
    this.counters.inc('decode.hep.packets');
    if (!this.parseChunks(buf, start + HEP3_HEADER, end)) {
      this.counters.inc('decode.hep.malformed');
      return;
    }
    if (this.authKey !== null && !this.authorised(buf)) {
      this.counters.inc('decode.hep.auth_failed');
      return;
    }
    if (this.protoType !== -1 && this.protoType !== HEP_PROTO_SIP) {
      this.counters.inc('decode.hep.not_sip');
      return;
    }
    if (this.payloadStart < 0) {
      this.counters.inc('decode.hep.malformed');
      return;
    }
    let pbuf = buf;
    let ps = this.payloadStart;
    let pe = this.payloadEnd;
    if (this.compressed) {
      const out = this.inflate(buf, ps, pe);
      if (out === null) return;
      pbuf = out;
      ps = 0;
      pe = out.length;
    }
    const ctx = this.inner;
    const v6 = this.family === AF_INET6;
    if (v6 ? this.src6 < 0 || this.dst6 < 0 : this.src4 < 0 || this.dst4 < 0) {
      // Without the original addresses the packet still says something; keep the outer ones.
      this.counters.inc('decode.hep.missing_address');
      ctx.ipVersion = outer.ipVersion;
      ctx.srcIp = outer.srcIp;
      ctx.dstIp = outer.dstIp;
    } else {
      ctx.ipVersion = v6 ? 6 : 4;
      ctx.srcIp = v6 ? formatIPv6(buf, this.src6) : formatIPv4(buf, this.src4);
      ctx.dstIp = v6 ? formatIPv6(buf, this.dst6) : formatIPv4(buf, this.dst4);
    }
    ctx.srcPort = this.srcPort < 0 ? 0 : this.srcPort;
    ctx.dstPort = this.dstPort < 0 ? 0 : this.dstPort;
    // heplify-server substitutes the receive time when both time chunks are 0 or absent.
    ctx.tsUs = this.tsec > 0 || this.tusec > 0 ? Math.max(this.tsec, 0) * 1_000_000 + Math.max(this.tusec, 0) : outer.tsUs;
    this.finishInner(outer, 3, v6, this.ipProto, this.captureId);
    this.classifier.deliver(ctx, pbuf, ps, pe);
  }

  /** Chunk 14 equals the configured key (heplify-server compares the plain value). */
  private authorised(buf: Buffer): boolean {
    const key = this.authKey!;
    if (this.keyStart < 0 || this.keyEnd - this.keyStart !== key.length) return false;
    return buf.compare(key, 0, key.length, this.keyStart, this.keyEnd) === 0;
  }

  private finishInner(outer: FlowContext, version: number, v6: boolean, ipProto: number, captureId: number): void {
    const ctx = this.inner;
    let t = 0;
    if (ipProto === IPPROTO_TCP || ipProto === IPPROTO_IDP) t = 1;
    else if (ipProto === IPPROTO_SCTP) t = 2;
    else if (ipProto !== IPPROTO_UDP) this.counters.inc('decode.hep.unknown_ip_protocol');
    ctx.transport = TRANSPORTS[t];
    const suffix = SUFFIX[version][v6 ? 1 : 0][t];
    if (outer.encap !== this.lastOuter || suffix !== this.lastSuffix) {
      this.lastOuter = outer.encap;
      this.lastSuffix = suffix;
      this.lastEncap = this.interner.extend(outer.encap, suffix);
    }
    ctx.encap = this.lastEncap;
    ctx.hep = { version, captureId };
  }

  /** Walks the chunks; false on a chunk that is short, overruns the packet or has a wrong fixed size. */
  private parseChunks(buf: Buffer, p: number, end: number): boolean {
    this.family = 0;
    this.ipProto = -1;
    this.src4 = this.dst4 = this.src6 = this.dst6 = -1;
    this.srcPort = this.dstPort = -1;
    this.tsec = this.tusec = -1;
    this.protoType = -1;
    this.captureId = 0;
    this.payloadStart = this.payloadEnd = -1;
    this.keyStart = this.keyEnd = -1;
    this.compressed = false;
    while (p < end) {
      if (end - p < 6) return false;
      const vendor = (buf[p] << 8) | buf[p + 1];
      const type = (buf[p + 2] << 8) | buf[p + 3];
      const len = (buf[p + 4] << 8) | buf[p + 5];
      if (len < 6 || p + len > end) return false;
      const v = p + 6;
      const n = len - 6;
      if (vendor === 0) {
        switch (type) {
          case 1:
            if (n !== 1) return false;
            this.family = buf[v];
            break;
          case 2:
            if (n !== 1) return false;
            this.ipProto = buf[v];
            break;
          case 3:
          case 4:
            if (n !== 4) return false;
            if (type === 3) this.src4 = v;
            else this.dst4 = v;
            break;
          case 5:
          case 6:
            if (n !== 16) return false;
            if (type === 5) this.src6 = v;
            else this.dst6 = v;
            break;
          case 7:
          case 8:
            if (n !== 2) return false;
            if (type === 7) this.srcPort = (buf[v] << 8) | buf[v + 1];
            else this.dstPort = (buf[v] << 8) | buf[v + 1];
            break;
          case 9:
          case 10:
            if (n !== 4) return false;
            if (type === 9) this.tsec = buf.readUInt32BE(v);
            else this.tusec = buf.readUInt32BE(v);
            break;
          case 11:
            if (n !== 1) return false;
            this.protoType = buf[v];
            break;
          case 12:
            // u32 per the specification; some agents send a u16.
            if (n === 4) this.captureId = buf.readUInt32BE(v);
            else if (n === 2) this.captureId = (buf[v] << 8) | buf[v + 1];
            else return false;
            break;
          case 14:
            this.keyStart = v;
            this.keyEnd = v + n;
            break;
          case 15:
          case 16:
            this.payloadStart = v;
            this.payloadEnd = v + n;
            this.compressed = type === 16;
            break;
          default:
            break; // other chunks are not needed to deliver SIP
        }
      }
      p += len;
    }
    if (this.family === 0) this.family = this.src6 >= 0 ? AF_INET6 : AF_INET;
    return this.family === AF_INET || this.family === AF_INET6;
  }

  /** The compressed payload chunk is "gzip/inflate": accept gzip, zlib and raw deflate, bounded. */
  private inflate(buf: Buffer, start: number, end: number): Buffer | null {
    const data = buf.subarray(start, end);
    const opts = { maxOutputLength: this.maxMessageBytes };
    try {
      if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data, opts);
      if (data.length >= 2 && (data[0] & 0x0f) === 8 && ((data[0] << 8) | data[1]) % 31 === 0) {
        return inflateSync(data, opts);
      }
      return inflateRawSync(data, opts);
    } catch {
      this.counters.inc('decode.hep.inflate_error');
      return null;
    }
  }

  /**
   * HEP v1/v2: version, header length (8), family, protocol, source and destination ports, then
   * 4+4 or 16+16 address bytes; v2 adds seconds, microseconds and a u16 capture id. Kamailio
   * writes that block in host order with padding to 12 bytes while heplify-server reads 10 bytes
   * big-endian, so both layouts are tried: the one whose payload starts like SIP, and the byte order
   * whose time is nearer the outer packet time.
   */
  private legacy(outer: FlowContext, buf: Buffer, start: number, end: number): boolean {
    if (end - start < 8) return false;
    const version = buf[start];
    if ((version !== 1 && version !== 2) || buf[start + 1] < 8) return false;
    const family = buf[start + 2];
    if (family !== AF_INET && family !== AF_INET6) return false;
    const v6 = family === AF_INET6;
    const addr = start + 8;
    let payload = addr + (v6 ? 32 : 8);
    if (payload > end) return false;
    const ctx = this.inner;
    ctx.tsUs = outer.tsUs;
    let captureId = 0;
    if (version === 2) {
      const t = payload;
      if (t + 10 > end) return false;
      payload = t + 12 <= end && startsLikeSip(buf, t + 12, end) ? t + 12 : startsLikeSip(buf, t + 10, end) ? t + 10 : Math.min(t + 12, end);
      const secBE = buf.readUInt32BE(t);
      const secLE = buf.readUInt32LE(t);
      const outerSec = outer.tsUs / 1_000_000;
      const le = Math.abs(secLE - outerSec) < Math.abs(secBE - outerSec);
      const sec = le ? secLE : secBE;
      const usec = le ? buf.readUInt32LE(t + 4) : buf.readUInt32BE(t + 4);
      captureId = le ? buf.readUInt16LE(t + 8) : buf.readUInt16BE(t + 8);
      if (sec > 0 || usec > 0) ctx.tsUs = sec * 1_000_000 + (usec < 1_000_000 ? usec : 0);
    }
    this.counters.inc('decode.hep.packets');
    ctx.ipVersion = v6 ? 6 : 4;
    ctx.srcIp = v6 ? formatIPv6(buf, addr) : formatIPv4(buf, addr);
    ctx.dstIp = v6 ? formatIPv6(buf, addr + 16) : formatIPv4(buf, addr + 4);
    ctx.srcPort = (buf[start + 4] << 8) | buf[start + 5];
    ctx.dstPort = (buf[start + 6] << 8) | buf[start + 7];
    this.finishInner(outer, version, v6, buf[start + 3], captureId);
    this.classifier.deliver(ctx, buf, payload, end);
    return true;
  }
}

/** First byte of a SIP start line or keep-alive (a cheap layout test, not classification). */
function startsLikeSip(buf: Buffer, p: number, end: number): boolean {
  if (p >= end) return false;
  const b = buf[p];
  return (b >= 0x41 && b <= 0x5a) || b === 0x0d || b === 0x0a;
}
