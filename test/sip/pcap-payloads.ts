/**
 * Test helper: the UDP payloads of a classic pcap file (Ethernet, 802.1Q, Linux SLL, BSD
 * loopback or raw IP; IPv4 or IPv6 without extension headers). Enough to feed real captured SIP
 * messages to the parser without depending on the capture and decode stages.
 */
import { readFileSync } from 'node:fs';

export interface UdpPayload {
  buf: Buffer;
  start: number;
  end: number;
}

export function udpPayloads(path: string): UdpPayload[] {
  const f = readFileSync(path);
  const magic = f.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error('not a classic pcap file: ' + path);
  const u32 = (o: number): number => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  const out: UdpPayload[] = [];
  let off = 24;
  while (off + 16 <= f.length) {
    const capLen = u32(off + 8);
    const pkt = off + 16;
    off = pkt + capLen;
    if (off > f.length) break;
    let p = pkt;
    let etherType = 0;
    if (linkType === 1) {
      etherType = f.readUInt16BE(p + 12);
      p += 14;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        etherType = f.readUInt16BE(p + 2);
        p += 4;
      }
    } else if (linkType === 113) {
      etherType = f.readUInt16BE(p + 14);
      p += 16;
    } else if (linkType === 0) {
      const family = f.readUInt32LE(p);
      etherType = family === 2 ? 0x0800 : 0x86dd;
      p += 4;
    } else if (linkType === 101 || linkType === 12) {
      etherType = f[p] >> 4 === 4 ? 0x0800 : 0x86dd;
    } else {
      continue;
    }
    let proto: number;
    let l4: number;
    let ipEnd: number;
    if (etherType === 0x0800) {
      const ihl = (f[p] & 0x0f) * 4;
      const fragOff = f.readUInt16BE(p + 6) & 0x1fff;
      if (fragOff !== 0) continue;
      proto = f[p + 9];
      ipEnd = p + f.readUInt16BE(p + 2);
      l4 = p + ihl;
    } else if (etherType === 0x86dd) {
      proto = f[p + 6];
      ipEnd = p + 40 + f.readUInt16BE(p + 4);
      l4 = p + 40;
    } else {
      continue;
    }
    if (proto !== 17) continue;
    const end = Math.min(l4 + f.readUInt16BE(l4 + 4), ipEnd, off);
    if (end > l4 + 8) out.push({ buf: f, start: l4 + 8, end });
  }
  return out;
}
