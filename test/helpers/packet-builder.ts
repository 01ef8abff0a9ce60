/**
 * Builders for test packets and capture files, layer by layer. Each function returns a new Buffer
 * holding its header followed by the payload it wraps, so a frame reads inside out:
 *
 *   ethernet({ type: EtherType.IPV4 }, ipv4({ src, dst, protocol: IpProto.UDP }, udp({ ... })))
 *
 * Checksums are computed (IPv4 header, UDP/TCP with the pseudo-header, SCTP CRC32c) unless an
 * option asks for a wrong or zero one. Test code only: clarity over speed.
 */
import { deflateSync, gzipSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  MPLS: 0x8847,
  PPPOE_SESSION: 0x8864,
  /** Transparent Ethernet Bridging: GRE carrying a whole Ethernet frame. */
  TEB: 0x6558,
  /** ERSPAN type II inside GRE. */
  ERSPAN: 0x88be,
} as const;

export const IpProto = {
  HOPOPTS: 0,
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
} as const;

export const PppProto = { IPV4: 0x0021, IPV6: 0x0057 } as const;

// ---------------------------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------------------------

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export function isIpv6(addr: string): boolean {
  return addr.includes(':');
}

/** Address text to bytes: dotted IPv4 or IPv6 (with `::` and an optional dotted tail). */
export function ipBytes(addr: string): Buffer {
  if (!isIpv6(addr)) {
    const parts = addr.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error('bad IPv4 ' + addr);
    return Buffer.from(parts);
  }
  let text = addr;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) is two 16-bit groups.
    const v4 = ipBytes(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + v4.readUInt16BE(0).toString(16) + ':' + v4.readUInt16BE(2).toString(16);
  }
  const gap = text.indexOf('::');
  const head = (gap < 0 ? text : text.slice(0, gap)).split(':').filter((h) => h !== '').map((h) => parseInt(h, 16));
  const rest = gap < 0 ? [] : text.slice(gap + 2).split(':').filter((h) => h !== '').map((h) => parseInt(h, 16));
  const words = gap < 0 ? head : [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  if (words.length !== 8) throw new Error('bad IPv6 ' + addr);
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** RFC 1071 Internet checksum over the concatenation of the given buffers. */
export function internetChecksum(...parts: Buffer[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i + 1 < all.length; i += 2) sum += all.readUInt16BE(i);
  if (all.length % 2 === 1) sum += all[all.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32c (Castagnoli), the SCTP checksum (RFC 9260 Appendix A). */
export function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC32C_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A deterministic pseudo-random generator (mulberry32), so generated files are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Link layers
// ---------------------------------------------------------------------------------------------

export interface VlanTag {
  vid: number;
  pcp?: number;
  /** Tag protocol id of this tag: 0x8100 (default) or 0x88a8 for a QinQ service tag. */
  tpid?: number;
}

export interface EthernetOptions {
  src?: string;
  dst?: string;
  /** EtherType of the payload (after the tags). */
  type: number;
  /** Tags outermost first; a plain number is an 802.1Q VLAN id. */
  vlans?: Array<number | VlanTag>;
}

export function ethernet(o: EthernetOptions, payload: Buffer): Buffer {
  const parts = [macBytes(o.dst ?? '00:00:5e:00:53:02'), macBytes(o.src ?? '00:00:5e:00:53:01')];
  for (const v of o.vlans ?? []) {
    const tag: VlanTag = typeof v === 'number' ? { vid: v } : v;
    parts.push(u16(tag.tpid ?? EtherType.VLAN), u16(((tag.pcp ?? 0) << 13) | (tag.vid & 0xfff)));
  }
  parts.push(u16(o.type), payload);
  return Buffer.concat(parts);
}

/** QinQ: an 802.1ad service tag (0x88a8) outside an 802.1Q customer tag. */
export function qinqTags(serviceVid: number, customerVid: number): VlanTag[] {
  return [{ tpid: EtherType.QINQ, vid: serviceVid }, { tpid: EtherType.VLAN, vid: customerVid }];
}

export interface SllOptions {
  /** EtherType of the payload. */
  protocol: number;
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  packetType?: number;
  /** ARPHRD_ type, 1 = Ethernet. */
  hatype?: number;
  addr?: string;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16-byte header). */
export function sll(o: SllOptions, payload: Buffer): Buffer {
  const addr = macBytes(o.addr ?? '00:00:5e:00:53:01');
  const h = Buffer.alloc(16);
  h.writeUInt16BE(o.packetType ?? 0, 0);
  h.writeUInt16BE(o.hatype ?? 1, 2);
  h.writeUInt16BE(addr.length, 4);
  addr.copy(h, 6);
  h.writeUInt16BE(o.protocol, 14);
  return Buffer.concat([h, payload]);
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20-byte header with the interface index). */
export function sll2(o: SllOptions & { ifIndex?: number }, payload: Buffer): Buffer {
  const addr = macBytes(o.addr ?? '00:00:5e:00:53:01');
  const h = Buffer.alloc(20);
  h.writeUInt16BE(o.protocol, 0);
  h.writeUInt32BE(o.ifIndex ?? 2, 4);
  h.writeUInt16BE(o.hatype ?? 1, 8);
  h[10] = o.packetType ?? 0;
  h[11] = addr.length;
  addr.copy(h, 12);
  return Buffer.concat([h, payload]);
}

/** BSD loopback (LINKTYPE_NULL): a 4-byte address family in host (here little-endian) order. */
export function nullLoopback(family: 'ipv4' | 'ipv6', payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(family === 'ipv4' ? 2 : 30);
  return Buffer.concat([h, payload]);
}

export interface MplsLabel {
  label: number;
  tc?: number;
  ttl?: number;
}

/** An MPLS label stack (RFC 3032); the bottom-of-stack bit is set on the last entry. */
export function mpls(labels: Array<number | MplsLabel>, payload: Buffer): Buffer {
  const parts = labels.map((l, i) => {
    const e: MplsLabel = typeof l === 'number' ? { label: l } : l;
    const bos = i === labels.length - 1 ? 1 : 0;
    return u32(((e.label & 0xfffff) << 12) | ((e.tc ?? 0) << 9) | (bos << 8) | (e.ttl ?? 64));
  });
  return Buffer.concat([...parts, payload]);
}

/** PPPoE session stage (RFC 2516 §4) with the PPP protocol field in front of the payload. */
export function pppoeSession(o: { sessionId: number; protocol: number }, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x11; // version 1, type 1
  h[1] = 0x00; // code: session data
  h.writeUInt16BE(o.sessionId, 2);
  h.writeUInt16BE(payload.length + 2, 4);
  h.writeUInt16BE(o.protocol, 6);
  return Buffer.concat([h, payload]);
}

// ---------------------------------------------------------------------------------------------
// IPv4
// ---------------------------------------------------------------------------------------------

export interface Ipv4Options {
  src: string;
  dst: string;
  protocol: number;
  id?: number;
  ttl?: number;
  tos?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** Overrides the total length field (to build inconsistent packets). */
  totalLength?: number;
  /** Writes a wrong header checksum. */
  badChecksum?: boolean;
}

export function ipv4(o: Ipv4Options, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = o.tos ?? 0;
  h.writeUInt16BE(o.totalLength ?? 20 + payload.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  const flags = (o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0);
  h.writeUInt16BE(flags | (((o.fragmentOffset ?? 0) >> 3) & 0x1fff), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.protocol;
  ipBytes(o.src).copy(h, 12);
  ipBytes(o.dst).copy(h, 16);
  const sum = internetChecksum(h);
  h.writeUInt16BE(o.badChecksum ? sum ^ 0x5555 : sum, 10);
  return Buffer.concat([h, payload]);
}

/**
 * Splits an IPv4 payload (a whole UDP datagram, say) into fragments (RFC 791 §3.2): every fragment
 * but the last carries a multiple of 8 bytes and the MF flag. `sizes` gives the payload bytes of
 * each fragment but the last (which takes the rest); a number N splits into N near-equal parts.
 * Fragments are returned in offset order; reorder them yourself to test out-of-order arrival.
 */
export function ipv4Fragments(o: Ipv4Options, payload: Buffer, sizes: number | number[]): Buffer[] {
  const cuts = fragmentSizes(payload.length, sizes);
  const out: Buffer[] = [];
  let off = 0;
  cuts.forEach((len, i) => {
    const last = i === cuts.length - 1;
    out.push(ipv4({ ...o, fragmentOffset: off, moreFragments: !last }, payload.subarray(off, off + len)));
    off += len;
  });
  return out;
}

function fragmentSizes(total: number, sizes: number | number[]): number[] {
  let cuts: number[];
  if (typeof sizes === 'number') {
    const step = Math.ceil(total / sizes / 8) * 8;
    cuts = [];
    for (let left = total; left > 0; left -= step) cuts.push(Math.min(step, left));
  } else {
    cuts = [...sizes];
    const used = cuts.reduce((a, b) => a + b, 0);
    if (used < total) cuts.push(total - used);
  }
  cuts.slice(0, -1).forEach((c) => {
    if (c % 8 !== 0) throw new Error('fragment payload sizes must be multiples of 8');
  });
  return cuts;
}

// ---------------------------------------------------------------------------------------------
// IPv6
// ---------------------------------------------------------------------------------------------

export type Ipv6ExtensionHeader =
  | { type: 'hop-by-hop'; options?: Buffer }
  | { type: 'destination'; options?: Buffer }
  | { type: 'routing'; routingType?: number; segmentsLeft?: number; addresses?: string[] }
  | { type: 'fragment'; offset: number; more: boolean; id: number };

function extensionProto(e: Ipv6ExtensionHeader): number {
  switch (e.type) {
    case 'hop-by-hop': return IpProto.HOPOPTS;
    case 'destination': return IpProto.DSTOPTS;
    case 'routing': return IpProto.ROUTING;
    default: return IpProto.FRAGMENT;
  }
}

/** Encodes one extension header (RFC 8200 §4) whose Next Header field is `next`. */
export function ipv6ExtensionHeader(e: Ipv6ExtensionHeader, next: number): Buffer {
  if (e.type === 'fragment') {
    const h = Buffer.alloc(8);
    h[0] = next;
    h.writeUInt16BE(((e.offset >> 3) << 3) | (e.more ? 1 : 0), 2);
    h.writeUInt32BE(e.id >>> 0, 4);
    return h;
  }
  if (e.type === 'routing') {
    // Type 0 layout: 4 reserved bytes, then the addresses; always a multiple of 8 bytes.
    const h = Buffer.from([next, 0, e.routingType ?? 0, e.segmentsLeft ?? 0, 0, 0, 0, 0]);
    return withLength(Buffer.concat([h, ...(e.addresses ?? []).map(ipBytes)]));
  }
  // Hop-by-hop and destination options: the options, then Pad1/PadN up to a multiple of 8 bytes.
  const raw = Buffer.concat([Buffer.from([next, 0]), e.options ?? Buffer.alloc(0)]);
  const padLen = (8 - (raw.length % 8)) % 8;
  const pad = padLen === 1 ? Buffer.from([0]) : padLen > 1 ? Buffer.concat([Buffer.from([1, padLen - 2]), Buffer.alloc(padLen - 2)]) : Buffer.alloc(0);
  return withLength(Buffer.concat([raw, pad]));
}

/** Fills Hdr Ext Len: the length in 8-octet units, not counting the first 8 octets. */
function withLength(h: Buffer): Buffer {
  h[1] = h.length / 8 - 1;
  return h;
}

export interface Ipv6Options {
  src: string;
  dst: string;
  /** The upper-layer protocol after the extension headers. */
  nextHeader: number;
  hopLimit?: number;
  flowLabel?: number;
  trafficClass?: number;
  extensions?: Ipv6ExtensionHeader[];
}

export function ipv6(o: Ipv6Options, payload: Buffer): Buffer {
  const exts = o.extensions ?? [];
  const encoded = exts.map((e, i) => ipv6ExtensionHeader(e, i + 1 < exts.length ? extensionProto(exts[i + 1]!) : o.nextHeader));
  const body = Buffer.concat([...encoded, payload]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((o.trafficClass ?? 0) << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(body.length, 4);
  h[6] = exts.length > 0 ? extensionProto(exts[0]!) : o.nextHeader;
  h[7] = o.hopLimit ?? 64;
  ipBytes(o.src).copy(h, 8);
  ipBytes(o.dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

/**
 * Fragments an IPv6 packet (RFC 8200 §4.5): `unfragmentable` headers (hop-by-hop, routing) are
 * repeated in every fragment, followed by a Fragment header; `payload` is the fragmentable part
 * (e.g. a whole UDP datagram) whose protocol is `o.nextHeader`. Returned in offset order.
 */
export function ipv6Fragments(
  o: Omit<Ipv6Options, 'extensions'> & { unfragmentable?: Ipv6ExtensionHeader[]; id: number },
  payload: Buffer,
  sizes: number | number[],
): Buffer[] {
  const cuts = fragmentSizes(payload.length, sizes);
  const out: Buffer[] = [];
  let off = 0;
  cuts.forEach((len, i) => {
    const frag: Ipv6ExtensionHeader = { type: 'fragment', offset: off, more: i < cuts.length - 1, id: o.id };
    out.push(ipv6({ ...o, extensions: [...(o.unfragmentable ?? []), frag] }, payload.subarray(off, off + len)));
    off += len;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

function pseudoHeader(src: string, dst: string, protocol: number, length: number): Buffer {
  if (isIpv6(src)) {
    const tail = Buffer.alloc(8);
    tail.writeUInt32BE(length, 0);
    tail[7] = protocol;
    return Buffer.concat([ipBytes(src), ipBytes(dst), tail]);
  }
  const tail = Buffer.alloc(4);
  tail[1] = protocol;
  tail.writeUInt16BE(length, 2);
  return Buffer.concat([ipBytes(src), ipBytes(dst), tail]);
}

export interface UdpOptions {
  /** Addresses of the carrying IP header, for the checksum pseudo-header. */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** 'correct' (default), 'zero' (allowed for IPv4 only: no checksum) or 'bad'. */
  checksum?: 'correct' | 'zero' | 'bad';
}

export function udp(o: UdpOptions, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  const mode = o.checksum ?? 'correct';
  if (mode !== 'zero') {
    let sum = internetChecksum(pseudoHeader(o.src, o.dst, IpProto.UDP, 8 + payload.length), h, payload);
    // A computed 0 is sent as all ones, since 0 means "no checksum" (RFC 768).
    if (sum === 0) sum = 0xffff;
    h.writeUInt16BE(mode === 'bad' ? sum ^ 0x5555 : sum, 6);
  }
  return Buffer.concat([h, payload]);
}

export const TcpFlags = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 } as const;

export interface TcpOptions {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  /** TcpFlags bits; default PSH|ACK. */
  flags?: number;
  window?: number;
}

export function tcp(o: TcpOptions, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt32BE(o.seq >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = o.flags ?? TcpFlags.PSH | TcpFlags.ACK;
  h.writeUInt16BE(o.window ?? 65535, 14);
  h.writeUInt16BE(internetChecksum(pseudoHeader(o.src, o.dst, IpProto.TCP, 20 + payload.length), h, payload), 16);
  return Buffer.concat([h, payload]);
}

export interface SctpDataChunk {
  tsn: number;
  streamId?: number;
  streamSeq?: number;
  /** Payload protocol identifier (0 = unspecified). */
  ppid?: number;
  /** E=1, B=2, U=4; default 3 (a whole unfragmented message). */
  flags?: number;
  payload: Buffer;
}

/** One SCTP DATA chunk (RFC 9260 §3.3.1), padded to 4 bytes. */
export function sctpData(c: SctpDataChunk): Buffer {
  const h = Buffer.alloc(16);
  h[0] = 0; // DATA
  h[1] = c.flags ?? 3;
  h.writeUInt16BE(16 + c.payload.length, 2);
  h.writeUInt32BE(c.tsn >>> 0, 4);
  h.writeUInt16BE(c.streamId ?? 0, 8);
  h.writeUInt16BE(c.streamSeq ?? 0, 10);
  h.writeUInt32BE(c.ppid ?? 0, 12);
  return Buffer.concat([h, c.payload, Buffer.alloc((4 - (c.payload.length % 4)) % 4)]);
}

/** An SCTP packet: 12-byte common header with the CRC32c checksum, then the given chunks. */
export function sctp(o: { srcPort: number; dstPort: number; verificationTag?: number }, chunks: Buffer[]): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt32BE((o.verificationTag ?? 0x01020304) >>> 0, 4);
  const pkt = Buffer.concat([h, ...chunks]);
  // The CRC32c goes on the wire least significant byte first (RFC 9260 Appendix A).
  pkt.writeUInt32LE(crc32c(pkt), 8);
  return pkt;
}

/** ICMPv4 message (RFC 792); for errors `quoted` is the start of the offending IP packet. */
export function icmpv4(o: { type: number; code: number; rest?: number }, quoted: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = o.type;
  h[1] = o.code;
  h.writeUInt32BE((o.rest ?? 0) >>> 0, 4);
  h.writeUInt16BE(internetChecksum(h, quoted), 2);
  return Buffer.concat([h, quoted]);
}

// ---------------------------------------------------------------------------------------------
// Tunnels
// ---------------------------------------------------------------------------------------------

export interface GreOptions {
  /** EtherType of the payload (0x0800, 0x86dd, 0x6558 TEB, 0x88be ERSPAN ...). */
  protocol: number;
  key?: number;
  sequence?: number;
  checksum?: boolean;
}

/** GRE header (RFC 2784 with the key and sequence extensions of RFC 2890). */
export function gre(o: GreOptions, payload: Buffer): Buffer {
  let flags = 0;
  if (o.checksum) flags |= 0x8000;
  if (o.key !== undefined) flags |= 0x2000;
  if (o.sequence !== undefined) flags |= 0x1000;
  const parts = [u16(flags), u16(o.protocol)];
  const csumAt = parts.length;
  if (o.checksum) parts.push(Buffer.alloc(4));
  if (o.key !== undefined) parts.push(u32(o.key));
  if (o.sequence !== undefined) parts.push(u32(o.sequence));
  if (o.checksum) {
    const sum = internetChecksum(...parts, payload);
    parts[csumAt] = Buffer.concat([u16(sum), u16(0)]);
  }
  return Buffer.concat([...parts, payload]);
}

export const VXLAN_PORT = 4789;

/** VXLAN header (RFC 7348 §5): flags with the I bit, 24-bit VNI; the payload is an Ethernet frame. */
export function vxlan(o: { vni: number }, innerEthernet: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUIntBE(o.vni & 0xffffff, 4, 3);
  return Buffer.concat([h, innerEthernet]);
}

export const GTPU_PORT = 2152;

export interface GtpuOptions {
  teid: number;
  /** Sets the S flag and the sequence number field. */
  sequence?: number;
  /** Sets the PN flag and the N-PDU number field. */
  npdu?: number;
  /** Extension headers, each as its content (length is added); sets the E flag. */
  extensions?: Array<{ type: number; content: Buffer }>;
}

/**
 * GTP-U G-PDU header (3GPP TS 29.281 §5.1): version 1, PT 1, message type 255. When any of E, S or
 * PN is set the 4 optional bytes (sequence, N-PDU, next extension type) are present.
 */
export function gtpu(o: GtpuOptions, innerIp: Buffer): Buffer {
  const exts = o.extensions ?? [];
  const e = exts.length > 0;
  const s = o.sequence !== undefined;
  const pn = o.npdu !== undefined;
  const parts: Buffer[] = [];
  if (e || s || pn) {
    const opt = Buffer.alloc(4);
    opt.writeUInt16BE(o.sequence ?? 0, 0);
    opt[2] = o.npdu ?? 0;
    opt[3] = e ? exts[0]!.type : 0;
    parts.push(opt);
    exts.forEach((x, i) => {
      // Extension length counts 4-octet units, including the length and next-type bytes.
      const units = Math.ceil((x.content.length + 2) / 4);
      const body = Buffer.alloc(units * 4);
      body[0] = units;
      x.content.copy(body, 1);
      body[body.length - 1] = i + 1 < exts.length ? exts[i + 1]!.type : 0;
      parts.push(body);
    });
  }
  const rest = Buffer.concat([...parts, innerIp]);
  const h = Buffer.alloc(8);
  h[0] = 0x30 | (e ? 4 : 0) | (s ? 2 : 0) | (pn ? 1 : 0);
  h[1] = 0xff;
  h.writeUInt16BE(rest.length, 2);
  h.writeUInt32BE(o.teid >>> 0, 4);
  return Buffer.concat([h, rest]);
}

/** The PDU Session Container extension (type 0x85) that 5G/VoLTE user planes add. */
export function gtpuPduSessionContainer(qfi: number): { type: number; content: Buffer } {
  return { type: 0x85, content: Buffer.from([0x00, qfi & 0x3f]) };
}

/**
 * ERSPAN type II (draft-foschiano-erspan §4.1) inside GRE with a sequence number: an 8-byte header
 * (version 1, VLAN, CoS, session id, index) before the mirrored Ethernet frame.
 */
export function erspanII(o: { sessionId: number; sequence: number; vlan?: number; index?: number }, innerEthernet: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE((1 << 12) | ((o.vlan ?? 0) & 0xfff), 0);
  h.writeUInt16BE(o.sessionId & 0x3ff, 2);
  h.writeUInt32BE((o.index ?? 0) & 0xfffff, 4);
  return gre({ protocol: EtherType.ERSPAN, sequence: o.sequence }, Buffer.concat([h, innerEthernet]));
}

// ---------------------------------------------------------------------------------------------
// Convenience: whole IP packets and frames
// ---------------------------------------------------------------------------------------------

export interface Flow {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

/** IPv4 or IPv6 (by the address form) carrying UDP. */
export function ipUdp(f: Flow, payload: Buffer, ip: Partial<Ipv4Options> = {}): Buffer {
  const l4 = udp(f, payload);
  return isIpv6(f.src)
    ? ipv6({ src: f.src, dst: f.dst, nextHeader: IpProto.UDP }, l4)
    : ipv4({ id: 0x1000, ...ip, src: f.src, dst: f.dst, protocol: IpProto.UDP }, l4);
}

/** IPv4 or IPv6 carrying TCP. */
export function ipTcp(f: Flow, t: { seq: number; ack?: number; flags?: number }, payload: Buffer = Buffer.alloc(0), ip: Partial<Ipv4Options> = {}): Buffer {
  const l4 = tcp({ ...f, ...t }, payload);
  return isIpv6(f.src)
    ? ipv6({ src: f.src, dst: f.dst, nextHeader: IpProto.TCP }, l4)
    : ipv4({ id: 0x2000, ...ip, src: f.src, dst: f.dst, protocol: IpProto.TCP }, l4);
}

/** Ethernet frame around an IPv4 or IPv6 packet. */
export function ethIp(ipPacket: Buffer, o: Partial<EthernetOptions> = {}): Buffer {
  const v6 = (ipPacket[0]! >> 4) === 6;
  return ethernet({ ...o, type: v6 ? EtherType.IPV6 : EtherType.IPV4 }, ipPacket);
}

export function reverse(f: Flow): Flow {
  return { src: f.dst, dst: f.src, srcPort: f.dstPort, dstPort: f.srcPort };
}

// ---------------------------------------------------------------------------------------------
// Application framings
// ---------------------------------------------------------------------------------------------

export const WsOpcode = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** One WebSocket frame (RFC 6455 §5.2); with `mask` the payload is XORed with the 4-byte key. */
export function wsFrame(o: { opcode: number; fin?: boolean; mask?: Buffer | null }, payload: Buffer): Buffer {
  const fin = o.fin ?? true;
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | (o.opcode & 0x0f)];
  const maskBit = o.mask ? 0x80 : 0;
  let ext: Buffer = Buffer.alloc(0);
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) {
    head.push(maskBit | 126);
    ext = u16(len);
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  let body: Buffer = payload;
  if (o.mask) {
    body = Buffer.alloc(len);
    for (let i = 0; i < len; i++) body[i] = payload[i]! ^ o.mask[i % 4]!;
  }
  return Buffer.concat([Buffer.from(head), ext, o.mask ?? Buffer.alloc(0), body]);
}

/**
 * A message split into a first frame and continuation frames (RFC 6455 §5.4) at the given byte
 * counts (the last part takes the rest); each frame masked with `masks[i]` when given.
 */
export function wsFragmentedMessage(opcode: number, payload: Buffer, sizes: number[], masks: Array<Buffer | null> = []): Buffer[] {
  const frames: Buffer[] = [];
  let off = 0;
  const cuts = [...sizes, payload.length - sizes.reduce((a, b) => a + b, 0)];
  cuts.forEach((len, i) => {
    const last = i === cuts.length - 1;
    frames.push(wsFrame({ opcode: i === 0 ? opcode : WsOpcode.CONTINUATION, fin: last, mask: masks[i] ?? null }, payload.subarray(off, off + len)));
    off += len;
  });
  return frames;
}

export const HEP_PORT = 9060;

/** HEP v3 chunk type ids (vendor 0), see the HEP3 specification. */
export const Hep3Chunk = {
  IP_FAMILY: 0x0001,
  IP_PROTO: 0x0002,
  SRC_IPV4: 0x0003,
  DST_IPV4: 0x0004,
  SRC_IPV6: 0x0005,
  DST_IPV6: 0x0006,
  SRC_PORT: 0x0007,
  DST_PORT: 0x0008,
  TS_SEC: 0x0009,
  TS_USEC: 0x000a,
  PROTO_TYPE: 0x000b,
  CAPTURE_ID: 0x000c,
  AUTH_KEY: 0x000e,
  PAYLOAD: 0x000f,
  COMPRESSED_PAYLOAD: 0x0010,
  CORRELATION_ID: 0x0011,
  NODE_NAME: 0x0013,
} as const;

function hepChunk(type: number, value: Buffer, vendor = 0): Buffer {
  const h = Buffer.alloc(6);
  h.writeUInt16BE(vendor, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt16BE(6 + value.length, 4);
  return Buffer.concat([h, value]);
}

export interface Hep3Options {
  /** IP protocol of the original packet (17 UDP, 6 TCP, 132 SCTP). */
  protocol: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  tsSec: number;
  tsUsec: number;
  /** Payload type: 1 = SIP. */
  protoType?: number;
  captureId: number;
  payload: Buffer;
  /** Puts the payload, compressed, in chunk 0x0010 instead of 0x000f: 'zlib' (RFC 1950) or 'gzip' (RFC 1952). */
  compress?: 'zlib' | 'gzip' | null;
  authKey?: string;
  correlationId?: string;
  nodeName?: string;
  /** Extra chunks appended before the payload (e.g. an unknown vendor chunk to test skipping). */
  extraChunks?: Array<{ vendor: number; type: number; value: Buffer }>;
}

/** A HEP v3 packet: "HEP3", total length, then chunks in heplify's usual order. */
export function hep3(o: Hep3Options): Buffer {
  const v6 = isIpv6(o.srcIp);
  const chunks = [
    hepChunk(Hep3Chunk.IP_FAMILY, Buffer.from([v6 ? 10 : 2])),
    hepChunk(Hep3Chunk.IP_PROTO, Buffer.from([o.protocol])),
    hepChunk(v6 ? Hep3Chunk.SRC_IPV6 : Hep3Chunk.SRC_IPV4, ipBytes(o.srcIp)),
    hepChunk(v6 ? Hep3Chunk.DST_IPV6 : Hep3Chunk.DST_IPV4, ipBytes(o.dstIp)),
    hepChunk(Hep3Chunk.SRC_PORT, u16(o.srcPort)),
    hepChunk(Hep3Chunk.DST_PORT, u16(o.dstPort)),
    hepChunk(Hep3Chunk.TS_SEC, u32(o.tsSec)),
    hepChunk(Hep3Chunk.TS_USEC, u32(o.tsUsec)),
    hepChunk(Hep3Chunk.PROTO_TYPE, Buffer.from([o.protoType ?? 1])),
    hepChunk(Hep3Chunk.CAPTURE_ID, u32(o.captureId)),
  ];
  if (o.authKey !== undefined) chunks.push(hepChunk(Hep3Chunk.AUTH_KEY, Buffer.from(o.authKey)));
  if (o.correlationId !== undefined) chunks.push(hepChunk(Hep3Chunk.CORRELATION_ID, Buffer.from(o.correlationId)));
  if (o.nodeName !== undefined) chunks.push(hepChunk(Hep3Chunk.NODE_NAME, Buffer.from(o.nodeName)));
  for (const x of o.extraChunks ?? []) chunks.push(hepChunk(x.type, x.value, x.vendor));
  if (o.compress === 'zlib') chunks.push(hepChunk(Hep3Chunk.COMPRESSED_PAYLOAD, deflateSync(o.payload)));
  else if (o.compress === 'gzip') chunks.push(hepChunk(Hep3Chunk.COMPRESSED_PAYLOAD, gzipSync(o.payload)));
  else chunks.push(hepChunk(Hep3Chunk.PAYLOAD, o.payload));
  const body = Buffer.concat(chunks);
  const h = Buffer.alloc(6);
  h.write('HEP3', 0, 'latin1');
  h.writeUInt16BE(6 + body.length, 4);
  return Buffer.concat([h, body]);
}

/**
 * A HEP v2 packet as the C senders (Kamailio siptrace, captagent) write it: the 8-byte header with
 * header length = 8 + address bytes, the addresses, then the time header copied from a native
 * struct (seconds, microseconds, capture id: little-endian on x86, padded to 12 bytes), then the payload.
 */
export function hep2(o: {
  protocol: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  tsSec: number;
  tsUsec: number;
  captureId: number;
  payload: Buffer;
}): Buffer {
  const v6 = isIpv6(o.srcIp);
  const addrs = Buffer.concat([ipBytes(o.srcIp), ipBytes(o.dstIp)]);
  const h = Buffer.alloc(8);
  h[0] = 2;
  h[1] = 8 + addrs.length;
  h[2] = v6 ? 10 : 2;
  h[3] = o.protocol;
  h.writeUInt16BE(o.srcPort, 4);
  h.writeUInt16BE(o.dstPort, 6);
  const t = Buffer.alloc(12);
  t.writeUInt32LE(o.tsSec >>> 0, 0);
  t.writeUInt32LE(o.tsUsec >>> 0, 4);
  t.writeUInt16LE(o.captureId & 0xffff, 8);
  return Buffer.concat([h, addrs, t, o.payload]);
}

export const StunType = { BINDING_REQUEST: 0x0001, BINDING_SUCCESS: 0x0101 } as const;

/**
 * A STUN message (RFC 8489 §5): type, length, magic cookie 0x2112a442, 12-byte transaction id,
 * then the attributes. A Binding success can carry an XOR-MAPPED-ADDRESS for `mapped`.
 */
export function stunMessage(type: number, transactionId: Buffer, mapped?: { ip: string; port: number }): Buffer {
  let attrs = Buffer.alloc(0);
  if (mapped !== undefined && !isIpv6(mapped.ip)) {
    const a = Buffer.alloc(12);
    a.writeUInt16BE(0x0020, 0); // XOR-MAPPED-ADDRESS
    a.writeUInt16BE(8, 2);
    a[5] = 0x01; // IPv4
    a.writeUInt16BE(mapped.port ^ 0x2112, 6);
    a.writeUInt32BE((ipBytes(mapped.ip).readUInt32BE(0) ^ 0x2112a442) >>> 0, 8);
    attrs = a;
  }
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(attrs.length, 2);
  h.writeUInt32BE(0x2112a442, 4);
  transactionId.copy(h, 8, 0, 12);
  return Buffer.concat([h, attrs]);
}

/** A TLS record (RFC 8446 §5.1): content type, legacy version 0x0303, length, fragment. */
export function tlsRecord(contentType: number, fragment: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = contentType;
  h.writeUInt16BE(0x0303, 1);
  h.writeUInt16BE(fragment.length, 3);
  return Buffer.concat([h, fragment]);
}

// ---------------------------------------------------------------------------------------------
// SIP message text
// ---------------------------------------------------------------------------------------------

export interface SipParty {
  user: string;
  host: string;
  display?: string;
  tag?: string;
}

export interface SipRequestOptions {
  method: string;
  ruri: string;
  transport: 'UDP' | 'TCP' | 'SCTP' | 'WS' | 'TLS';
  /** sent-by of the top Via. */
  viaHost: string;
  viaPort?: number;
  branch: string;
  from: SipParty;
  to: SipParty;
  callId: string;
  cseq: number;
  contact?: string;
  userAgent?: string;
  maxForwards?: number;
  /** Extra header lines, without CRLF. */
  headers?: string[];
  body?: string;
  contentType?: string;
}

function nameAddr(p: SipParty): string {
  const uri = `<sip:${p.user}@${p.host}>`;
  const base = p.display !== undefined ? `"${p.display}" ${uri}` : uri;
  return p.tag !== undefined ? `${base};tag=${p.tag}` : base;
}

/** A complete SIP request (RFC 3261 §7.1) with the mandatory headers and a correct Content-Length. */
export function sipRequest(o: SipRequestOptions): string {
  const body = o.body ?? '';
  const lines = [
    `${o.method} ${o.ruri} SIP/2.0`,
    `Via: SIP/2.0/${o.transport} ${o.viaHost}${o.viaPort !== undefined ? ':' + o.viaPort : ''};branch=${o.branch};rport`,
    `Max-Forwards: ${o.maxForwards ?? 70}`,
    `From: ${nameAddr(o.from)}`,
    `To: ${nameAddr(o.to)}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${o.method}`,
  ];
  if (o.contact !== undefined) lines.push(`Contact: ${o.contact}`);
  if (o.userAgent !== undefined) lines.push(`User-Agent: ${o.userAgent}`);
  lines.push(...(o.headers ?? []));
  if (body.length > 0) lines.push(`Content-Type: ${o.contentType ?? 'application/sdp'}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export interface SipResponseOptions {
  status: number;
  reason: string;
  /** The request answered: Via, From, To, Call-ID and CSeq are copied from it (RFC 3261 §8.2.6.2). */
  request: SipRequestOptions;
  toTag?: string;
  contact?: string;
  server?: string;
  headers?: string[];
  body?: string;
  contentType?: string;
}

export function sipResponse(o: SipResponseOptions): string {
  const r = o.request;
  const body = o.body ?? '';
  const to: SipParty = { ...r.to, ...(o.toTag !== undefined ? { tag: o.toTag } : {}) };
  const lines = [
    `SIP/2.0 ${o.status} ${o.reason}`,
    `Via: SIP/2.0/${r.transport} ${r.viaHost}${r.viaPort !== undefined ? ':' + r.viaPort : ''};branch=${r.branch};rport=${r.viaPort ?? 5060};received=${r.viaHost}`,
    `From: ${nameAddr(r.from)}`,
    `To: ${nameAddr(to)}`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${r.method}`,
  ];
  if (o.contact !== undefined) lines.push(`Contact: ${o.contact}`);
  if (o.server !== undefined) lines.push(`Server: ${o.server}`);
  lines.push(...(o.headers ?? []));
  if (body.length > 0) lines.push(`Content-Type: ${o.contentType ?? 'application/sdp'}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** A plausible SDP offer/answer (RFC 4566) for one audio stream. */
export function sdpBody(o: { user: string; sessionId: number; ip: string; rtpPort: number }): string {
  const fam = isIpv6(o.ip) ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=${o.user} ${o.sessionId} ${o.sessionId} IN ${fam} ${o.ip}`,
    's=-',
    `c=IN ${fam} ${o.ip}`,
    't=0 0',
    `m=audio ${o.rtpPort} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

// ---------------------------------------------------------------------------------------------
// Capture files: pcapng blocks (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/)
// ---------------------------------------------------------------------------------------------

export interface PcapngOption {
  code: number;
  value: Buffer;
}

function pcapngOptions(opts: PcapngOption[], le: boolean): Buffer {
  if (opts.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const o of opts) {
    const h = Buffer.alloc(4);
    if (le) {
      h.writeUInt16LE(o.code, 0);
      h.writeUInt16LE(o.value.length, 2);
    } else {
      h.writeUInt16BE(o.code, 0);
      h.writeUInt16BE(o.value.length, 2);
    }
    parts.push(h, o.value, Buffer.alloc((4 - (o.value.length % 4)) % 4));
  }
  parts.push(Buffer.alloc(4)); // opt_endofopt
  return Buffer.concat(parts);
}

/** Any block: type, total length, body padded to 32 bits, total length again. */
export function pcapngBlock(type: number, body: Buffer, le = true): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const len = 12 + padded.length;
  const h = Buffer.alloc(8);
  const t = Buffer.alloc(4);
  if (le) {
    h.writeUInt32LE(type >>> 0, 0);
    h.writeUInt32LE(len, 4);
    t.writeUInt32LE(len, 0);
  } else {
    h.writeUInt32BE(type >>> 0, 0);
    h.writeUInt32BE(len, 4);
    t.writeUInt32BE(len, 0);
  }
  return Buffer.concat([h, padded, t]);
}

function w16(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

function w32(v: number, le: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

/** Section Header Block (version 1.0, section length unknown). */
export function pcapngShb(o: { le?: boolean; options?: PcapngOption[]; major?: number } = {}): Buffer {
  const le = o.le ?? true;
  const body = Buffer.concat([w32(0x1a2b3c4d, le), w16(o.major ?? 1, le), w16(0, le), Buffer.alloc(8, 0xff), pcapngOptions(o.options ?? [], le)]);
  return pcapngBlock(0x0a0d0d0a, body, le);
}

/** Interface Description Block; `tsresol` and `tsoffset` become the if_tsresol / if_tsoffset options. */
export function pcapngIdb(o: { linkType: number; snaplen?: number; tsresol?: number; tsoffset?: number; le?: boolean; options?: PcapngOption[] }): Buffer {
  const le = o.le ?? true;
  const opts: PcapngOption[] = [...(o.options ?? [])];
  if (o.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([o.tsresol]) });
  if (o.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (le) v.writeBigInt64LE(BigInt(o.tsoffset));
    else v.writeBigInt64BE(BigInt(o.tsoffset));
    opts.push({ code: 14, value: v });
  }
  const body = Buffer.concat([w16(o.linkType, le), w16(0, le), w32(o.snaplen ?? 262144, le), pcapngOptions(opts, le)]);
  return pcapngBlock(1, body, le);
}

/** Splits a 64-bit timestamp (a number of units, up to 2^64) into its high and low words. */
function tsWords(ts: bigint): [number, number] {
  return [Number((ts >> 32n) & 0xffffffffn), Number(ts & 0xffffffffn)];
}

/** Enhanced Packet Block; `ts` counts units of the interface's resolution (microseconds by default). */
export function pcapngEpb(o: { interfaceId: number; ts: bigint; data: Buffer; origLen?: number; le?: boolean; options?: PcapngOption[] }): Buffer {
  const le = o.le ?? true;
  const [hi, lo] = tsWords(o.ts);
  const padded = Buffer.concat([o.data, Buffer.alloc((4 - (o.data.length % 4)) % 4)]);
  const body = Buffer.concat([w32(o.interfaceId, le), w32(hi, le), w32(lo, le), w32(o.data.length, le), w32(o.origLen ?? o.data.length, le), padded, pcapngOptions(o.options ?? [], le)]);
  return pcapngBlock(6, body, le);
}

/** Simple Packet Block: original length and data only. */
export function pcapngSpb(o: { data: Buffer; origLen?: number; le?: boolean }): Buffer {
  const le = o.le ?? true;
  return pcapngBlock(3, Buffer.concat([w32(o.origLen ?? o.data.length, le), o.data]), le);
}

/** The obsolete Packet Block (16-bit interface id and drops count). */
export function pcapngPb(o: { interfaceId: number; ts: bigint; data: Buffer; origLen?: number; le?: boolean }): Buffer {
  const le = o.le ?? true;
  const [hi, lo] = tsWords(o.ts);
  const padded = Buffer.concat([o.data, Buffer.alloc((4 - (o.data.length % 4)) % 4)]);
  const body = Buffer.concat([w16(o.interfaceId, le), w16(0, le), w32(hi, le), w32(lo, le), w32(o.data.length, le), w32(o.origLen ?? o.data.length, le), padded]);
  return pcapngBlock(2, body, le);
}
