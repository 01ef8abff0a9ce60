import { BlockList, isIP } from 'node:net';
import { formatIp, from16, parseIp as ipBytes } from '../../decode/ip/ip-text.js';

/**
 * Addresses and prefixes for the blocklist and the allowlist. Every address is kept as the text the
 * decoder writes for packet addresses (dotted IPv4, RFC 5952 IPv6), so an address sighted by a
 * detector, typed by an operator or asked for by an APIBAN client is the same key. An IPv4-mapped
 * IPv6 address (`::ffff:1.2.3.4`, what a dual-stack socket reports) is the IPv4 host it stands for.
 */

export type Family = 'ipv4' | 'ipv6';

/** A prefix in canonical form: network address (host bits cleared) and length. */
export interface Cidr {
  family: Family;
  /** Canonical network address text. */
  address: string;
  bits: number;
  /** `address/bits`, or the bare address for a single host (/32, /128). */
  text: string;
}

const MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** The bytes of an address node:net accepts (no leading zeros, no zone index), or null. */
function bytesOf(text: string): Buffer | null {
  return isIP(text) === 0 || text.includes('%') ? null : ipBytes(text);
}

/** Canonical text of an address, or null when the text is not one. */
export function parseIp(text: string): string | null {
  const b = bytesOf(text);
  return b === null ? null : formatIp(from16(b));
}

/** Canonical text of an address; a RangeError names the bad input. */
export function normaliseIp(text: string): string {
  const ip = parseIp(text);
  if (ip === null) throw new RangeError(`not an IP address: ${JSON.stringify(text)}`);
  return ip;
}

export function familyOf(ip: string): Family {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

/**
 * A CIDR (`10.0.0.0/8`, `2001:db8::/32`) or a single address. Host bits are cleared, as the
 * operator meant the network (`192.168.1.7/24` is `192.168.1.0/24`); a mapped IPv6 prefix of at
 * least /96 is the IPv4 prefix it covers.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  let bytes = bytesOf(addrText);
  if (bytes === null) throw new RangeError(`not an address or CIDR: ${JSON.stringify(text)} (expected e.g. 10.0.0.0/8, 2001:db8::/32 or 192.0.2.7)`);
  let bits = bytes.length * 8;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > bits) {
      throw new RangeError(`bad prefix length in ${JSON.stringify(text)} (0 to ${bits} for ${bytes.length === 4 ? 'IPv4' : 'IPv6'})`);
    }
    bits = Number(b);
  }
  if (bytes.length === 16 && bits >= 96 && bytes.subarray(0, 12).equals(MAPPED_PREFIX)) {
    bytes = bytes.subarray(12);
    bits -= 96;
  }
  const net = Buffer.from(bytes);
  for (let i = 0; i < net.length; i++) {
    const keep = Math.min(8, Math.max(0, bits - 8 * i));
    net[i] &= (0xff00 >> keep) & 0xff;
  }
  const address = formatIp(net);
  const family: Family = net.length === 4 ? 'ipv4' : 'ipv6';
  return { family, address, bits, text: bits === net.length * 8 ? address : `${address}/${bits}` };
}

/** Canonical text of a CIDR or address; a RangeError explains what is wrong. */
export function normaliseCidr(text: string): string {
  return parseCidr(text).text;
}

/**
 * Prefixes matched by node:net's BlockList, which also matches an IPv4-mapped IPv6 address against
 * IPv4 rules. It cannot forget a rule: removing one means building a new set.
 */
export class CidrSet {
  private list = new BlockList();
  private count = 0;

  constructor(cidrs: Iterable<Cidr> = []) {
    for (const c of cidrs) this.add(c);
  }

  add(c: Cidr): void {
    if (c.bits === (c.family === 'ipv4' ? 32 : 128)) this.list.addAddress(c.address, c.family);
    else this.list.addSubnet(c.address, c.bits, c.family);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** True when a canonical address (see parseIp) lies in one of the prefixes. */
  covers(ip: string): boolean {
    return this.count > 0 && this.list.check(ip, familyOf(ip));
  }
}
