/**
 * Small frame builders for the network decode tests (checksums left zero: the decoder does not
 * check them). Each returns a fresh Buffer holding the header followed by its payload.
 */
import type { Frame } from '../../../src/capture/frame.js';

export function frame(data: Buffer, linkType = 1, tsUs = 1_000_000): Frame {
  return { tsUs, linkType, data, origLen: data.length, source: 'synthetic', offset: 0 };
}

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

export function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** Parses full or '::'-compressed IPv6 text (no embedded IPv4). */
export function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export const MAC_A = Buffer.from('020000000001', 'hex');
export const MAC_B = Buffer.from('020000000002', 'hex');

export function eth(type: number, payload: Buffer): Buffer {
  return Buffer.concat([MAC_B, MAC_A, u16(type), payload]);
}

/** An 802.1Q-style tag (TPID given by the enclosing header): TCI then the inner EtherType. */
export function vlanTag(vid: number, innerType: number, payload: Buffer): Buffer {
  return Buffer.concat([u16(vid), u16(innerType), payload]);
}

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  id?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  mf?: boolean;
  /** Extra header bytes (options), a multiple of 4. */
  options?: number;
  /** Override of the Total Length field. */
  totalLength?: number;
}

export function ipv4(proto: number, payload: Buffer, o: Ipv4Opts = {}): Buffer {
  const optLen = o.options ?? 0;
  const h = Buffer.alloc(20 + optLen);
  h[0] = 0x40 | ((20 + optLen) / 4);
  h.writeUInt16BE(o.totalLength ?? h.length + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE(((o.fragOffset ?? 0) / 8) | (o.mf ? 0x2000 : 0), 6);
  h[8] = 64;
  h[9] = proto;
  ipv4Bytes(o.src ?? '10.0.0.1').copy(h, 12);
  ipv4Bytes(o.dst ?? '10.0.0.2').copy(h, 16);
  return Buffer.concat([h, payload]);
}

export function ipv6(next: number, payload: Buffer, src = '2001:db8::1', dst = '2001:db8::2'): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = 64;
  ipv6Bytes(src).copy(h, 8);
  ipv6Bytes(dst).copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** A generic IPv6 extension header (hop-by-hop, routing, destination options...) of `len8` 8-octet units. */
export function ipv6Ext(next: number, payload: Buffer, len8 = 1): Buffer {
  const h = Buffer.alloc(len8 * 8);
  h[0] = next;
  h[1] = len8 - 1;
  if (len8 === 1) h[2] = 1; // PadN option filling the rest
  return Buffer.concat([h, payload]);
}

export function ipv6Frag(next: number, offset: number, more: boolean, id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = next;
  h.writeUInt16BE(offset | (more ? 1 : 0), 2);
  h.writeUInt32BE(id >>> 0, 4);
  return Buffer.concat([h, payload]);
}

/** Authentication Header (RFC 4302) with a 12-byte ICV. */
export function ah(next: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(24);
  h[0] = next;
  h[1] = 24 / 4 - 2;
  return Buffer.concat([h, payload]);
}

export function udp(sport: number, dport: number, payload: Buffer): Buffer {
  return Buffer.concat([u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload]);
}

export function tcp(sport: number, dport: number, seq: number, ack: number, flags: number, payload: Buffer, optLen = 0): Buffer {
  const h = Buffer.alloc(20 + optLen);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = ((20 + optLen) / 4) << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  for (let i = 20; i < h.length; i++) h[i] = 1; // NOP options
  return Buffer.concat([h, payload]);
}

export function sctp(sport: number, dport: number, chunks: Buffer): Buffer {
  return Buffer.concat([u16(sport), u16(dport), u32(0x01020304), u32(0), chunks]);
}

/** An SCTP DATA chunk (RFC 9260 §3.3.1) carrying `data` with PPID 0. */
export function sctpData(data: Buffer): Buffer {
  const len = 16 + data.length;
  const pad = (4 - (len % 4)) % 4;
  return Buffer.concat([Buffer.from([0, 3]), u16(len), u32(1), u16(0), u16(0), u32(0), data, Buffer.alloc(pad)]);
}

export function icmpv4(type: number, code: number, quoted: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, code, 0, 0]), u32(0), quoted]);
}

export function icmpv6(type: number, code: number, quoted: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, code, 0, 0]), u32(0), quoted]);
}

export interface GreOpts {
  checksum?: boolean;
  key?: number;
  seq?: number;
}

export function gre(proto: number, payload: Buffer, o: GreOpts = {}): Buffer {
  let flags = 0;
  const parts: Buffer[] = [];
  if (o.checksum) {
    flags |= 0x8000;
    parts.push(u32(0));
  }
  if (o.key !== undefined) {
    flags |= 0x2000;
    parts.push(u32(o.key));
  }
  if (o.seq !== undefined) {
    flags |= 0x1000;
    parts.push(u32(o.seq));
  }
  return Buffer.concat([u16(flags), u16(proto), ...parts, payload]);
}

/** Enhanced GRE (RFC 2637) carrying PPP; `payload` null builds an acknowledgment-only packet. */
export function greV1(payload: Buffer | null, callId: number, seq: number, ack?: number): Buffer {
  let flags = 0x2000 | 0x0001;
  const parts: Buffer[] = [u16(payload ? payload.length : 0), u16(callId)];
  if (payload) {
    flags |= 0x1000;
    parts.push(u32(seq));
  }
  if (ack !== undefined) {
    flags |= 0x0080;
    parts.push(u32(ack));
  }
  return Buffer.concat([u16(flags), u16(0x880b), ...parts, payload ?? Buffer.alloc(0)]);
}

export interface PppOpts {
  /** Address/control bytes ff 03 (default true). */
  acf?: boolean;
  /** Protocol-field compression (default false). */
  pfc?: boolean;
}

export function ppp(proto: number, payload: Buffer, o: PppOpts = {}): Buffer {
  const head = o.acf === false ? [] : [0xff, 0x03];
  const p = o.pfc ? [proto & 0xff] : [proto >> 8, proto & 0xff];
  return Buffer.concat([Buffer.from([...head, ...p]), payload]);
}

export function pppoeSession(pppFrame: Buffer, session = 0x1234): Buffer {
  return Buffer.concat([Buffer.from([0x11, 0x00]), u16(session), u16(pppFrame.length), pppFrame]);
}

export function mpls(labels: number[], payload: Buffer): Buffer {
  const parts = labels.map((label, i) => u32(((label & 0xfffff) << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64));
  return Buffer.concat([...parts, payload]);
}

export function vxlan(vni: number, innerFrame: Buffer, flags = 0x08): Buffer {
  return Buffer.concat([Buffer.from([flags, 0, 0, 0]), u32(vni << 8), innerFrame]);
}

export function geneve(proto: number, payload: Buffer, optWords = 0, vni = 7): Buffer {
  const opts = Buffer.alloc(optWords * 4, 0xaa);
  return Buffer.concat([Buffer.from([optWords & 0x3f, 0]), u16(proto), u32(vni << 8), opts, payload]);
}

export interface GtpuOpts {
  seq?: number;
  /** Extension headers as [type, content] with content length 4n-2. */
  ext?: Array<[number, Buffer]>;
  msgType?: number;
}

export function gtpu(teid: number, tpdu: Buffer, o: GtpuOpts = {}): Buffer {
  const ext = o.ext ?? [];
  let flags = 0x30;
  const opt: Buffer[] = [];
  if (o.seq !== undefined || ext.length > 0) {
    if (o.seq !== undefined) flags |= 0x02;
    if (ext.length > 0) flags |= 0x04;
    opt.push(Buffer.concat([u16(o.seq ?? 0), Buffer.from([0, ext.length > 0 ? ext[0]![0] : 0])]));
    ext.forEach(([, content], i) => {
      const next = i + 1 < ext.length ? ext[i + 1]![0] : 0;
      opt.push(Buffer.concat([Buffer.from([(content.length + 2) / 4]), content, Buffer.from([next])]));
    });
  }
  const rest = Buffer.concat([...opt, tpdu]);
  return Buffer.concat([Buffer.from([flags, o.msgType ?? 255]), u16(rest.length), u32(teid), rest]);
}

export function erspan2(session: number, innerFrame: Buffer): Buffer {
  return Buffer.concat([u16(0x1000 | 0), u16(session & 0x3ff), u32(0), innerFrame]);
}

export function erspan3(session: number, innerFrame: Buffer, subheader = false): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x2000, 0);
  h.writeUInt16BE(session & 0x3ff, 2);
  if (subheader) h[11] = 0x01;
  return Buffer.concat([h, subheader ? Buffer.alloc(8, 0xbb) : Buffer.alloc(0), innerFrame]);
}

export function sll(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  MAC_A.copy(h, 6);
  h.writeUInt16BE(proto, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(proto, 0);
  h.writeUInt32BE(3, 4); // interface index
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = 0;
  h[11] = 6;
  MAC_A.copy(h, 12);
  return Buffer.concat([h, payload]);
}

export function nullHdr(family: number, littleEndian: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  if (littleEndian) h.writeUInt32LE(family);
  else h.writeUInt32BE(family);
  return Buffer.concat([h, payload]);
}

export const SIP_INVITE = Buffer.from(
  'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n',
);

/** A long SIP request (for fragmentation tests): `size` bytes. */
export function sipOfSize(size: number): Buffer {
  const head = 'OPTIONS sip:x@example.com SIP/2.0\r\nX-Pad: ';
  const tail = '\r\nContent-Length: 0\r\n\r\n';
  const pad = size - head.length - tail.length;
  return Buffer.from(head + 'p'.repeat(pad) + tail);
}

/** Ethernet + IPv4 + UDP 5060 frame carrying `payload`. */
export function udpSipFrame(payload: Buffer = SIP_INVITE, src = '10.0.0.1', dst = '10.0.0.2'): Buffer {
  return eth(0x0800, ipv4(17, udp(5060, 5060, payload), { src, dst }));
}
