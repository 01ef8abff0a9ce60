/** IPv4/IPv6 headers, extension headers, ICMP, UDP/TCP/SCTP headers and address text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIpv6, ipv4Text, ipv6Text } from '../../../src/decode/ip/address.js';
import {
  ah,
  eth,
  frame,
  icmpv4,
  icmpv6,
  ipv4,
  ipv6,
  ipv6Bytes,
  ipv6Ext,
  ipv6Frag,
  SIP_INVITE,
  sctp,
  sctpData,
  tcp,
  udp,
} from './build.js';
import { Harness } from './collect.js';

// Seeded so CI runs are reproducible; change the seed to explore further.
fc.configureGlobal({ seed: 20261122 });

const UDP_SIP = udp(5060, 5060, SIP_INVITE);

test('ICMP and ICMPv6 errors quoting a SIP INVITE are counted and never handed on', () => {
  const quotedV4 = ipv4(17, UDP_SIP, { src: '10.0.0.2', dst: '10.0.0.1' });
  const quotedV6 = ipv6(17, UDP_SIP, '2001:db8::2', '2001:db8::1');
  const h = new Harness();
  const seen = h.run([
    frame(eth(0x0800, ipv4(1, icmpv4(3, 3, quotedV4)))), // port unreachable
    frame(eth(0x86dd, ipv6(58, icmpv6(1, 4, quotedV6)))), // port unreachable
    frame(eth(0x86dd, ipv6(0, ipv6Ext(58, icmpv6(1, 4, quotedV6))))), // behind hop-by-hop
  ]);
  assert.equal(seen.length, 0);
  assert.deepEqual(h.anomalies(), { 'decode.icmp': 3 });
});

test('IPv6 extension headers: hop-by-hop, routing, destination options, mobility, AH', () => {
  // hop-by-hop -> routing -> destination options (16 B) -> mobility -> AH -> destination options (24 B) -> UDP
  const chain = ipv6Ext(43, ipv6Ext(60, ipv6Ext(135, ipv6Ext(51, ah(60, ipv6Ext(17, UDP_SIP, 3))), 2)));
  const h = new Harness();
  const seen = h.run([frame(eth(0x86dd, ipv6(0, chain)))]);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.payload, SIP_INVITE);
  assert.deepEqual(seen[0]!.encap, ['eth', 'ipv6', 'udp']);
  // No next header (59), too long a chain, and a chain running past the payload.
  let atomic = UDP_SIP;
  for (let i = 0; i < 40; i++) atomic = ipv6Frag(i === 0 ? 17 : 44, 0, false, i, atomic);
  let long = UDP_SIP;
  for (let i = 0; i < 17; i++) long = ipv6Ext(i === 0 ? 17 : 60, long);
  const bad = new Harness();
  bad.run([
    frame(eth(0x86dd, ipv6(60, ipv6Ext(59, Buffer.alloc(0))))),
    frame(eth(0x86dd, ipv6(60, long))),
    frame(eth(0x86dd, ipv6(44, atomic))),
    frame(eth(0x86dd, ipv6(60, Buffer.from([17, 4, 0, 0, 0, 0, 0, 0])))),
  ]);
  assert.deepEqual(bad.anomalies(), {
    'decode.ipv6.extension_truncated': 1,
    'decode.ipv6.no_next_header': 1,
    'decode.ipv6.too_many_extensions': 2,
  });
});

test('IPv4 options, AH, ESP and header anomalies', () => {
  const h = new Harness();
  const seen = h.run([
    frame(eth(0x0800, ipv4(17, UDP_SIP, { options: 8 }))),
    frame(eth(0x0800, ipv4(51, ah(17, UDP_SIP)))),
  ]);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((s) => s.payload.equals(SIP_INVITE) && s.encap.join(',') === 'eth,ipv4,udp'));
  const badLen = ipv4(17, UDP_SIP);
  badLen[0] = 0x44; // IHL 4
  const bad = new Harness();
  bad.run([
    frame(eth(0x0800, ipv4(50, Buffer.alloc(40)))),
    frame(eth(0x0800, badLen)),
    frame(eth(0x0800, ipv4(17, UDP_SIP, { totalLength: 2000 }))),
    frame(eth(0x0800, ipv4(17, UDP_SIP, { totalLength: 10 }))),
    frame(eth(0x0800, ipv4(17, UDP_SIP, { options: 40 })).subarray(0, 50)),
    frame(eth(0x0800, ipv4(89, Buffer.alloc(10)))),
  ]);
  assert.deepEqual(bad.anomalies(), {
    'decode.ip.esp': 1,
    'decode.ip.unsupported_protocol': 1,
    'decode.ipv4.bad_header_length': 1,
    'decode.ipv4.bad_total_length': 1,
    'decode.ipv4.truncated': 2,
  });
});

test('IPv4 total length zero (segmentation offload) uses the captured length', () => {
  const h = new Harness();
  const seen = h.run([frame(eth(0x0800, ipv4(17, UDP_SIP, { totalLength: 0 })))]);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.payload, SIP_INVITE);
});

test('IPv6 payload length beyond the capture is truncated', () => {
  const p = ipv6(17, UDP_SIP);
  p.writeUInt16BE(4000, 4);
  const h = new Harness();
  h.run([frame(eth(0x86dd, p))]);
  assert.deepEqual(h.anomalies(), { 'decode.ipv6.truncated': 1 });
});

test('UDP length trims the payload; a length past the IP payload is truncated', () => {
  const d = udp(1234, 5060, SIP_INVITE);
  d.writeUInt16BE(8 + 10, 4);
  const h = new Harness();
  const seen = h.run([frame(eth(0x0800, ipv4(17, d)))]);
  assert.deepEqual(seen[0]!.payload, SIP_INVITE.subarray(0, 10));
  const long = udp(1234, 5060, SIP_INVITE);
  long.writeUInt16BE(9000, 4);
  h.run([frame(eth(0x0800, ipv4(17, long))), frame(eth(0x0800, ipv4(17, Buffer.alloc(6))))]);
  assert.deepEqual(h.anomalies(), { 'decode.udp.truncated': 2 });
});

test('TCP: ports, sequence, acknowledgment, flags; options skipped', () => {
  const h = new Harness();
  const seen = h.run([frame(eth(0x0800, ipv4(6, tcp(5061, 5060, 0xfffffff0, 0x12345678, 0x18, SIP_INVITE, 12))))]);
  assert.equal(seen.length, 1);
  const p = seen[0]!;
  assert.deepEqual(
    [p.protocol, p.srcPort, p.dstPort, p.tcpSeq, p.tcpAck, p.tcpFlags, p.encap.join(',')],
    ['tcp', 5061, 5060, 0xfffffff0, 0x12345678, 0x18, 'eth,ipv4,tcp'],
  );
  assert.deepEqual(p.payload, SIP_INVITE);
  const bad = tcp(1, 2, 0, 0, 2, Buffer.alloc(0));
  bad[12] = 0x40; // data offset 4
  h.run([frame(eth(0x0800, ipv4(6, bad))), frame(eth(0x0800, ipv4(6, tcp(1, 2, 0, 0, 2, Buffer.alloc(0), 40).subarray(0, 30))))]);
  assert.deepEqual(h.anomalies(), { 'decode.tcp.bad_data_offset': 1, 'decode.tcp.truncated': 1 });
});

test('SCTP: the payload is what follows the 12-byte common header; UDP/SCTP carry no TCP fields', () => {
  const chunk = sctpData(SIP_INVITE);
  const h = new Harness();
  const seen = h.run([frame(eth(0x86dd, ipv6(132, sctp(5060, 5070, chunk))))]);
  assert.equal(seen.length, 1);
  const p = seen[0]!;
  assert.deepEqual([p.protocol, p.srcPort, p.dstPort, p.tcpSeq, p.tcpAck, p.tcpFlags], ['sctp', 5060, 5070, 0, 0, 0]);
  assert.deepEqual(p.payload, chunk);
  assert.deepEqual(p.encap, ['eth', 'ipv6', 'sctp']);
  h.run([frame(eth(0x0800, ipv4(132, Buffer.alloc(11))))]);
  assert.deepEqual(h.anomalies(), { 'decode.sctp.truncated': 1 });
});

test('IPv6 text follows RFC 5952', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
    ['fe80:0000:0000:0000:021a:a0ff:fe07:32e0', 'fe80::21a:a0ff:fe07:32e0'],
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  ];
  for (const [full, want] of cases) {
    const b = ipv6Bytes(full.toLowerCase());
    assert.equal(formatIpv6(b, 0), want);
    assert.equal(ipv6Text(b, 0), want);
  }
});

/** Reference RFC 5952 formatter written independently (string based) for the property test. */
function reference(b: Buffer): string {
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best[1]! && j - i >= 2) best = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best[0]! < 0) return hex.join(':');
  return hex.slice(0, best[0]).join(':') + '::' + hex.slice(best[0]! + best[1]!).join(':');
}

test('property: IPv6 text equals an independent RFC 5952 formatter, cached or not', () => {
  const group = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
      const b = Buffer.alloc(16);
      groups.forEach((x, i) => b.writeUInt16BE(x, i * 2));
      const want = reference(b);
      return formatIpv6(b, 0) === want && ipv6Text(b, 0) === want && ipv6Text(b, 0) === want;
    }),
    { numRuns: 3000 },
  );
});

test('property: IPv4 text is dotted decimal through the cache, also after slot collisions', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (a) => {
      const b = Buffer.from(a);
      const want = `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
      return ipv4Text(b, 0) === want && ipv4Text(b, 0) === want;
    }),
    { numRuns: 20000 },
  );
});
