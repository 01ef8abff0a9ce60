import { formatIpv4, formatIpv6 } from './address.js';

/**
 * IP address text ⇄ bytes. Formatting goes through the decode stage's formatter (RFC 5952 for
 * IPv6), so an address decrypts to exactly the text the probe wrote before it was encrypted.
 */

/** The 4 or 16 bytes of a dotted-quad IPv4 or an IPv6 address (optionally with a dotted tail), or null. */
export function parseIp(text: string): Buffer | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function parseIpv4(text: string): Buffer | null {
  const out = Buffer.allocUnsafe(4);
  return parseDotted(text, 0, text.length, out, 0) ? out : null;
}

function parseDotted(s: string, from: number, to: number, out: Buffer, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

export function parseIpv6(text: string): Buffer | null {
  const s = text;
  const out = Buffer.alloc(16);
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (n < 2 || n > 45) return null;
  if (s.startsWith('::')) {
    gap = 0;
    i = 2;
    if (i === n) return out;
  } else if (s.charCodeAt(0) === 58) {
    return null;
  }
  while (i < n) {
    let j = i;
    let v = 0;
    while (j < n && j - i < 5) {
      const c = s.charCodeAt(j);
      const h = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      // Dotted IPv4 tail: the last 32 bits.
      if (groups.length > 6) return null;
      const tail = Buffer.allocUnsafe(4);
      if (!parseDotted(s, i, n, tail, 0)) return null;
      groups.push((tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!);
      i = n;
      break;
    }
    if (j === i || j - i > 4) return null;
    groups.push(v);
    if (j === n) {
      i = n;
      break;
    }
    if (s.charCodeAt(j) !== 58) return null;
    if (j + 1 < n && s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      i = j + 2;
      if (i === n) break;
    } else {
      i = j + 1;
      if (i === n) return null;
    }
  }
  if (groups.length > 8 || (gap < 0 && groups.length !== 8) || (gap >= 0 && groups.length > 7)) return null;
  const tailCount = gap < 0 ? 0 : groups.length - gap;
  for (let g = 0; g < groups.length; g++) {
    const pos = gap >= 0 && g >= gap ? 8 - tailCount + (g - gap) : g;
    out[pos * 2] = groups[g]! >>> 8;
    out[pos * 2 + 1] = groups[g]! & 0xff;
  }
  return out;
}

/** Text of 4 or 16 address bytes (IPv4 dotted, IPv6 RFC 5952). */
export function formatIp(bytes: Buffer): string {
  return bytes.length === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
}

/** IPv4 as its IPv4-mapped IPv6 form ::ffff:a.b.c.d (16 bytes); IPv6 unchanged. */
export function to16(bytes: Buffer): Buffer {
  if (bytes.length === 16) return bytes;
  const out = Buffer.alloc(16);
  out[10] = 0xff;
  out[11] = 0xff;
  bytes.copy(out, 12);
  return out;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, else the 16 bytes unchanged. */
export function from16(bytes: Buffer): Buffer {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.subarray(12, 16) : bytes;
}
