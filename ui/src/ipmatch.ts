// Address / CIDR matching for the live tail's client-side filter (the server filters the rest).

function parseV4(s: string): number[] | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  const out: number[] = [];
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return null;
    out.push(Number(x));
  }
  return out;
}

/** 16 bytes for IPv6, 4 for IPv4; null when not an address. */
export function parseIp(s: string): number[] | null {
  if (!s.includes(':')) return parseV4(s);
  let text = s.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = v4;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const words = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const w of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
      out.push(parseInt(w, 16));
    }
    return out;
  };
  const a = words(halves[0]!);
  const b = halves.length === 2 ? words(halves[1]!) : [];
  if (a === null || b === null) return null;
  const fill = 8 - a.length - b.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const all = [...a, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...b];
  const bytes = all.flatMap((w) => [w >> 8, w & 255]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** True when `ip` equals the address or lies in the prefix `filter` (`10.0.0.0/8`, `2001:db8::/32`). */
export function ipMatches(ip: string, filter: string): boolean {
  const f = filter.trim();
  if (f === '') return true;
  const slash = f.indexOf('/');
  const base = parseIp(slash < 0 ? f : f.slice(0, slash));
  const addr = parseIp(ip);
  if (base === null || addr === null) return ip === f;
  if (base.length !== addr.length) return false;
  const bits = slash < 0 ? base.length * 8 : Number(f.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > base.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((base[byte]! & mask) !== (addr[byte]! & mask)) return false;
  }
  return true;
}

/** Text of 4 or 16 address bytes: dotted IPv4, or RFC 5952 IPv6 (longest zero run as `::`). */
export function formatIp(b: readonly number[]): string {
  if (b.length === 4) return b.join('.');
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return '::ffff:' + b.slice(12).join('.');
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

/** The network of `addr/len`: host bits cleared. Null when not an address or a bad length. */
export function maskNetwork(addr: string, len: number): string | null {
  const b = parseIp(addr);
  if (b === null || !Number.isInteger(len) || len < 0 || len > b.length * 8) return null;
  for (let i = len; i < b.length * 8; i++) b[i >> 3]! &= ~(0x80 >> (i & 7));
  return formatIp(b) + '/' + len;
}
