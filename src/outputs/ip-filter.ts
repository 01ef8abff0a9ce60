import { formatIpv4, formatIpv6 } from '../decode/ip/address.js';
import { parseIp } from '../decode/ip/ip-text.js';

/**
 * An address filter: one address (matched as the text the probe writes, so `2001:DB8::1` finds
 * `2001:db8::1`) or a CIDR prefix (`10.0.0.0/8`, `2001:db8::/32`; host bits are ignored).
 */
export type IpFilter = { exact: string } | { net: Buffer; bits: number };

/** The filter for text, or null when it is neither an address nor a prefix. */
export function parseIpFilter(text: string): IpFilter | null {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (addr === null) return null;
  const max = addr.length * 8;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return null;
    bits = Number(b);
  }
  if (bits === max) return { exact: addr.length === 4 ? formatIpv4(addr, 0) : formatIpv6(addr, 0) };
  return { net: addr, bits };
}

/** True when the address text lies in the prefix net/bits (same family only). */
export function inNet(ip: string, net: Buffer, bits: number): boolean {
  const a = parseIp(ip);
  if (a === null || a.length !== net.length) return false;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== net[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (net[whole]! & mask);
}
