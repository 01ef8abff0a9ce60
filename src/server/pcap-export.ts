import { LinkType } from '../capture/frame.js';
import { encodePcap, type PcapRecord } from '../capture/pcap-writer.js';
import { parseIp, to16 } from '../decode/ip/ip-text.js';
import type { LoggedMessage } from '../track/message-log.js';

/** The most SIP one synthetic IPv4 packet can carry (the 16-bit total length, headers taken off). */
const MAX_V4_PAYLOAD = 65_535 - 20 - 20;

/**
 * A pcap of logged messages (raw IP link type) that Wireshark, sngrep and sipsentry itself read:
 * each message becomes one IPv4/IPv6 packet with its original addresses, ports and timestamp,
 * over UDP, or over TCP (WebSocket and TCP flows; sequence numbers continue per direction so the
 * stream reassembles). SCTP messages are written as UDP; an IPv4 address beside an IPv6 one is written v4-mapped. Checksums are computed: readers that
 * verify them should not flag our own file.
 */
export function callFlowPcap(messages: readonly LoggedMessage[]): Buffer {
  const seq = new Map<string, number>();
  const records: PcapRecord[] = [];
  for (const m of messages) {
    const src = parseIp(m.srcIp);
    const dst = parseIp(m.dstIp);
    if (src === null || dst === null) continue;
    const payload = m.bytes.subarray(0, Math.min(m.bytes.length, MAX_V4_PAYLOAD));
    const tcp = m.transport === 'tcp' || m.transport === 'ws';
    let l4: Buffer;
    if (tcp) {
      const dir = `${m.srcIp}|${m.srcPort}|${m.dstIp}|${m.dstPort}`;
      const s = seq.get(dir) ?? 1;
      seq.set(dir, (s + payload.length) >>> 0);
      l4 = Buffer.alloc(20 + payload.length);
      l4.writeUInt16BE(m.srcPort, 0);
      l4.writeUInt16BE(m.dstPort, 2);
      l4.writeUInt32BE(s, 4);
      l4.writeUInt32BE(1, 8);
      l4[12] = 5 << 4;
      l4[13] = 0x18; // PSH, ACK
      l4.writeUInt16BE(65535, 14);
      payload.copy(l4, 20);
    } else {
      l4 = Buffer.alloc(8 + payload.length);
      l4.writeUInt16BE(m.srcPort, 0);
      l4.writeUInt16BE(m.dstPort, 2);
      l4.writeUInt16BE(l4.length, 4);
      payload.copy(l4, 8);
    }
    const proto = tcp ? 6 : 17;
    const sum = checksum(pseudoHeader(src, dst, proto, l4.length), l4);
    l4.writeUInt16BE(!tcp && sum === 0 ? 0xffff : sum, tcp ? 16 : 6);
    records.push({ tsUs: m.tsUs, data: Buffer.concat([ipHeader(src, dst, proto, l4.length), l4]) });
  }
  return encodePcap(records, { linkType: LinkType.RAW });
}

function ipHeader(src: Buffer, dst: Buffer, proto: number, l4Len: number): Buffer {
  if (src.length === 4 && dst.length === 4) {
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h.writeUInt16BE(20 + l4Len, 2);
    h.writeUInt16BE(0x4000, 6); // don't fragment
    h[8] = 64;
    h[9] = proto;
    src.copy(h, 12);
    dst.copy(h, 16);
    h.writeUInt16BE(checksum(h), 10);
    return h;
  }
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(l4Len, 4);
  h[6] = proto;
  h[7] = 64;
  to16(src).copy(h, 8);
  to16(dst).copy(h, 24);
  return h;
}

function pseudoHeader(src: Buffer, dst: Buffer, proto: number, len: number): Buffer {
  if (src.length === 4 && dst.length === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(len, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  to16(src).copy(p, 0);
  to16(dst).copy(p, 16);
  p.writeUInt32BE(len, 32);
  p[39] = proto;
  return p;
}

/** The Internet checksum (RFC 1071) over the concatenation of the parts (each part even-length except the last). */
function checksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const b of parts) {
    const n = b.length & ~1;
    for (let i = 0; i < n; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    if (b.length & 1) sum += b[b.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
