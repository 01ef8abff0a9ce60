import { IpProto } from '../ethertype.js';
import type { LayerCursor } from '../layer-cursor.js';

export const IPV6_HEADER_LEN = 40;
export const IPV6_SRC = 8;
export const IPV6_DST = 24;
export const IPV6_FRAGMENT_HEADER_LEN = 8;
/** Bound on the extension headers walked in one packet (a hostile chain could be long). */
export const MAX_EXTENSION_HEADERS = 16;

/**
 * IPv6 fixed header (RFC 8200 §3, https://www.rfc-editor.org/rfc/rfc8200#section-3).
 * Writes the payload bounds (trimmed to Payload Length) to `cur.off`/`cur.end` and the Next
 * Header value to `cur.type`.
 */
export function parseIpv6(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < IPV6_HEADER_LEN) return 'decode.ipv6.truncated';
  if (buf[start]! >> 4 !== 6) return 'decode.ipv6.bad_version';
  const plen = (buf[start + 4]! << 8) | buf[start + 5]!;
  const off = start + IPV6_HEADER_LEN;
  // Zero means a jumbogram (RFC 2675) or segmentation offload: take what was captured.
  const payloadEnd = plen === 0 ? end : off + plen;
  if (payloadEnd > end) return 'decode.ipv6.truncated';
  return cur.set(off, payloadEnd, buf[start + 6]!, 0);
}

/**
 * Skips extension headers starting at `start` whose type is `next` (RFC 8200 §4): hop-by-hop (0),
 * routing (43), destination options (60), mobility (135), HIP (139), shim6 (140) share the
 * layout next-header(1) length(1, in 8-octet units not counting the first 8); AH (51, RFC 4302
 * §2.2) counts its length in 4-octet units minus 2. With `ipv6` false only AH is skipped (the
 * only one of these that IPv4 carries).
 * An atomic fragment header (offset 0 and M = 0, RFC 6946 §4: the packet is processed as
 * unfragmented) is skipped like the others. Stops at the first other header, including a real
 * fragment header (44), which the caller handles; writes its offset to `cur.off` and its type
 * to `cur.type`.
 */
export function skipExtensionHeaders(
  buf: Buffer,
  start: number,
  end: number,
  next: number,
  ipv6: boolean,
  cur: LayerCursor,
): string | null {
  let off = start;
  for (let count = 0; ; count++) {
    let len: number;
    if (next === IpProto.AH) {
      if (end - off < 8) return 'decode.ip.ah_truncated';
      len = (buf[off + 1]! + 2) * 4;
    } else if (
      ipv6 &&
      (next === IpProto.HOPOPT ||
        next === IpProto.IPV6_ROUTE ||
        next === IpProto.IPV6_OPTS ||
        next === IpProto.MOBILITY ||
        next === IpProto.HIP ||
        next === IpProto.SHIM6)
    ) {
      if (end - off < 8) return 'decode.ipv6.extension_truncated';
      len = (buf[off + 1]! + 1) * 8;
    } else if (ipv6 && next === IpProto.IPV6_FRAG && isAtomicFragment(buf, off, end)) {
      len = IPV6_FRAGMENT_HEADER_LEN;
    } else {
      return cur.set(off, end, next, 0);
    }
    if (count >= MAX_EXTENSION_HEADERS) return 'decode.ipv6.too_many_extensions';
    if (off + len > end) return next === IpProto.AH ? 'decode.ip.ah_truncated' : 'decode.ipv6.extension_truncated';
    next = buf[off]!;
    off += len;
  }
}

/** Whether the Fragment header at `start` has offset 0 and M = 0 (reserved bits ignored). */
function isAtomicFragment(buf: Buffer, start: number, end: number): boolean {
  if (end - start < IPV6_FRAGMENT_HEADER_LEN) return false;
  return buf[start + 2] === 0 && (buf[start + 3]! & 0xf9) === 0;
}

/**
 * IPv6 Fragment header (RFC 8200 §4.5): next-header(1) reserved(1) offset(13 bits, 8-octet
 * units) res(2) M(1) identification(4). Writes the fragmentable part's bounds to `cur.off`/
 * `cur.end`, its Next Header to `cur.type`, and `offsetBytes | M` to `cur.aux`.
 */
export function parseIpv6Fragment(buf: Buffer, start: number, end: number, cur: LayerCursor): string | null {
  if (end - start < IPV6_FRAGMENT_HEADER_LEN) return 'decode.ipv6.fragment_truncated';
  const field = (buf[start + 2]! << 8) | buf[start + 3]!;
  return cur.set(start + IPV6_FRAGMENT_HEADER_LEN, end, buf[start]!, (field & 0xfff8) | (field & 1));
}

/** The 32-bit Identification of the IPv6 Fragment header at `start`. */
export function ipv6FragmentId(buf: Buffer, start: number): number {
  return ((buf[start + 4]! << 24) | (buf[start + 5]! << 16) | (buf[start + 6]! << 8) | buf[start + 7]!) >>> 0;
}
