/**
 * IP address text, built cheaply: addresses repeat from packet to packet, so each family has a
 * small direct-mapped cache (bounded; a collision simply replaces the slot) in front of the
 * formatter. All stages should format addresses through here so the text is the same everywhere.
 */

const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

const V4_SLOTS = 4096;
const v4Keys = new Uint32Array(V4_SLOTS);
const v4Text: string[] = new Array<string>(V4_SLOTS).fill('');

/** Dotted-decimal text of the IPv4 address at buf[off..off+4). The caller checks bounds. */
export function ipv4Text(buf: Buffer, off: number): string {
  const a = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  const slot = Math.imul(a, 0x9e3779b1) >>> 20;
  const hit = v4Text[slot]!;
  if (hit !== '' && v4Keys[slot] === a) return hit;
  const text = formatIpv4(buf, off);
  v4Keys[slot] = a;
  v4Text[slot] = text;
  return text;
}

export function formatIpv4(buf: Buffer, off: number): string {
  return DECIMAL[buf[off]!] + '.' + DECIMAL[buf[off + 1]!] + '.' + DECIMAL[buf[off + 2]!] + '.' + DECIMAL[buf[off + 3]!];
}

const V6_SLOTS = 1024;
const v6Keys = new Int32Array(V6_SLOTS * 4);
const v6Text: string[] = new Array<string>(V6_SLOTS).fill('');

function word(buf: Buffer, off: number): number {
  return (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
}

/** RFC 5952 text of the IPv6 address at buf[off..off+16). The caller checks bounds. */
export function ipv6Text(buf: Buffer, off: number): string {
  const w0 = word(buf, off);
  const w1 = word(buf, off + 4);
  const w2 = word(buf, off + 8);
  const w3 = word(buf, off + 12);
  let h = Math.imul(w0, 0x9e3779b1) ^ w1;
  h = Math.imul(h, 0x85ebca6b) ^ w2;
  h = Math.imul(h, 0xc2b2ae35) ^ w3;
  const slot = Math.imul(h, 0x9e3779b1) >>> 22;
  const k = slot * 4;
  const hit = v6Text[slot]!;
  if (hit !== '' && v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) {
    return hit;
  }
  const text = formatIpv6(buf, off);
  v6Keys[k] = w0;
  v6Keys[k + 1] = w1;
  v6Keys[k + 2] = w2;
  v6Keys[k + 3] = w3;
  v6Text[slot] = text;
  return text;
}

/**
 * RFC 5952 §4 (https://www.rfc-editor.org/rfc/rfc5952#section-4): lowercase hex without leading
 * zeros; "::" replaces the longest run of two or more zero groups (the first such run on a tie)
 * and never a single zero group.
 * RFC 5952 §5: an IPv4-mapped address (::ffff:0:0/96) is written with its IPv4 part dotted.
 */
export function formatIpv6(buf: Buffer, off: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const zero = buf[off + 2 * i] === 0 && buf[off + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
      const len = i - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  if (bestStart === 0 && bestLen === 5 && buf[off + 10] === 0xff && buf[off + 11] === 0xff) {
    return '::ffff:' + formatIpv4(buf, off + 12);
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += ((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!).toString(16);
    if (i < 7) out += ':';
  }
  return out;
}
