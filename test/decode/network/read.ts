/**
 * A tiny capture reader for these tests only (the project's reader lives in src/capture):
 * classic pcap in either byte order with micro- or nanosecond stamps, and pcapng SHB/IDB/EPB/SPB.
 */
import { readFileSync } from 'node:fs';
import type { Frame } from '../../../src/capture/frame.js';

export function readFrames(path: string): Frame[] {
  const buf = readFileSync(path);
  const magic = buf.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) return readPcapng(buf, path);
  return readPcap(buf, path);
}

function readPcap(buf: Buffer, source: string): Frame[] {
  const m = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) {
    le = true;
    nano = m === 0xa1b23c4d;
  } else {
    const mb = buf.readUInt32BE(0);
    if (mb !== 0xa1b2c3d4 && mb !== 0xa1b23c4d) throw new Error('not a capture: ' + source);
    le = false;
    nano = mb === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const frames: Frame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    if (off + 16 + incl > buf.length) break;
    frames.push({
      tsUs: sec * 1_000_000 + (nano ? Math.floor(frac / 1000) : frac),
      linkType,
      data: buf.subarray(off + 16, off + 16 + incl),
      origLen: orig,
      source,
      offset: off,
    });
    off += 16 + incl;
  }
  return frames;
}

interface Iface {
  linkType: number;
  /** Timestamp units per second. */
  unitsPerSec: number;
}

function readPcapng(buf: Buffer, source: string): Frame[] {
  const frames: Frame[] = [];
  let le = true;
  let ifaces: Iface[] = [];
  let off = 0;
  while (off + 12 <= buf.length) {
    let type = buf.readUInt32LE(off);
    if (type === 0x0a0d0d0a) {
      le = buf.readUInt32LE(off + 8) === 0x1a2b3c4d;
      ifaces = [];
    }
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    type = u32(off);
    const len = u32(off + 4);
    if (len < 12 || off + len > buf.length) break;
    if (type === 1) {
      const iface: Iface = { linkType: u16(off + 8), unitsPerSec: 1_000_000 };
      let o = off + 16;
      while (o + 4 <= off + len - 4) {
        const code = u16(o);
        const olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = buf[o + 4]!;
          iface.unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** (v & 0x7f);
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push(iface);
    } else if (type === 6) {
      const iface = ifaces[u32(off + 8)]!;
      const ts = u32(off + 12) * 2 ** 32 + u32(off + 16);
      const cap = u32(off + 20);
      const orig = u32(off + 24);
      frames.push({
        tsUs: Math.floor((ts * 1_000_000) / iface.unitsPerSec),
        linkType: iface.linkType,
        data: buf.subarray(off + 28, off + 28 + cap),
        origLen: orig,
        source,
        offset: off,
      });
    } else if (type === 3) {
      const orig = u32(off + 8);
      const cap = Math.min(orig, len - 16);
      frames.push({
        tsUs: 0,
        linkType: ifaces[0]!.linkType,
        data: buf.subarray(off + 12, off + 12 + cap),
        origLen: orig,
        source,
        offset: off,
      });
    }
    off += len;
  }
  return frames;
}
