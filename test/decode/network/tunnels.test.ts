/** Tunnels on synthetic frames: GRE, enhanced GRE, ERSPAN, VXLAN, Geneve, GTP-U, IP-in-IP, nesting. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  erspan2,
  erspan3,
  eth,
  frame,
  geneve,
  gre,
  greV1,
  gtpu,
  ipv4,
  ipv6,
  ppp,
  SIP_INVITE,
  udp,
  udpSipFrame,
  vxlan,
} from './build.js';
import { Harness, type Seen } from './collect.js';

const INNER_V4 = ipv4(17, udp(5070, 5060, SIP_INVITE), { src: '172.16.0.1', dst: '172.16.0.2' });
const INNER_V6 = ipv6(17, udp(5070, 5060, SIP_INVITE), '2001:db8:a::1', '2001:db8:b::1');
const INNER_ETH = eth(0x0800, INNER_V4);

/** An outer Ethernet + IPv4 frame carrying `payload` as IP protocol `proto`. */
function outer(proto: number, payload: Buffer): Buffer {
  return eth(0x0800, ipv4(proto, payload, { src: '203.0.113.1', dst: '203.0.113.2' }));
}

function outerUdp(dport: number, payload: Buffer, sport = 40000): Buffer {
  return outer(17, udp(sport, dport, payload));
}

function decode(data: Buffer, opts = {}): { h: Harness; seen: Seen[] } {
  const h = new Harness(opts);
  const seen = h.run([frame(data)]);
  return { h, seen };
}

function inner(data: Buffer, opts = {}): { encap: string; src: string; dst: string; anomalies: Record<string, number> } {
  const { h, seen } = decode(data, opts);
  assert.equal(seen.length, 1, JSON.stringify(h.anomalies()));
  assert.deepEqual(seen[0]!.payload, SIP_INVITE);
  return { encap: seen[0]!.encap.join(','), src: seen[0]!.srcIp, dst: seen[0]!.dstIp, anomalies: h.anomalies() };
}

test('GRE version 0 with every combination of checksum, key and sequence (RFC 2784/2890)', () => {
  for (const checksum of [false, true]) {
    for (const key of [undefined, 0xdeadbeef]) {
      for (const seq of [undefined, 7]) {
        const r = inner(outer(47, gre(0x0800, INNER_V4, { checksum, key, seq })));
        assert.equal(r.encap, 'eth,ipv4,gre,ipv4,udp');
        assert.equal(r.src, '172.16.0.1');
      }
    }
  }
  assert.equal(inner(outer(47, gre(0x86dd, INNER_V6, { key: 1 }))).encap, 'eth,ipv4,gre,ipv6,udp');
  assert.equal(inner(outer(47, gre(0x6558, INNER_ETH))).encap, 'eth,ipv4,gre,eth,ipv4,udp');
});

test('enhanced GRE (PPTP, RFC 2637) with PPP inside, with and without ack; ack-only counted', () => {
  const pppV4 = ppp(0x0021, INNER_V4);
  assert.equal(inner(outer(47, greV1(pppV4, 5, 1))).encap, 'eth,ipv4,gre,ppp,ipv4,udp');
  assert.equal(inner(outer(47, greV1(pppV4, 5, 2, 99))).encap, 'eth,ipv4,gre,ppp,ipv4,udp');
  assert.equal(inner(outer(47, greV1(ppp(0x0057, INNER_V6, { acf: false, pfc: true }), 5, 3))).encap, 'eth,ipv4,gre,ppp,ipv6,udp');
  const { h, seen } = decode(outer(47, greV1(null, 5, 0, 100)));
  assert.equal(seen.length, 0);
  assert.deepEqual(h.anomalies(), { 'decode.gre.ack_only': 1 });
});

test('GRE anomalies: routing, bad version, truncated', () => {
  const h = new Harness();
  const routing = gre(0x0800, INNER_V4);
  routing[0] = 0x40;
  const v2 = gre(0x0800, INNER_V4);
  v2[1] = 0x02;
  h.run([frame(outer(47, routing)), frame(outer(47, v2)), frame(outer(47, gre(0x0800, Buffer.alloc(0), { key: 1 }).subarray(0, 6)))]);
  assert.deepEqual(h.anomalies(), {
    'decode.gre.bad_version': 1,
    'decode.gre.routing_unsupported': 1,
    'decode.gre.truncated': 1,
  });
});

test('ERSPAN types I, II and III (with and without the platform subheader)', () => {
  assert.equal(inner(outer(47, gre(0x88be, INNER_ETH))).encap, 'eth,ipv4,gre,erspan,eth,ipv4,udp');
  assert.equal(inner(outer(47, gre(0x88be, erspan2(12, INNER_ETH), { seq: 1 }))).encap, 'eth,ipv4,gre,erspan,eth,ipv4,udp');
  assert.equal(inner(outer(47, gre(0x22eb, erspan3(12, INNER_ETH), { seq: 1 }))).encap, 'eth,ipv4,gre,erspan,eth,ipv4,udp');
  assert.equal(inner(outer(47, gre(0x22eb, erspan3(12, INNER_ETH, true), { seq: 1 }))).encap, 'eth,ipv4,gre,erspan,eth,ipv4,udp');
  const { h } = decode(outer(47, gre(0x22eb, erspan2(12, INNER_ETH), { seq: 1 })));
  assert.deepEqual(h.anomalies(), { 'decode.erspan.bad_version': 1 });
});

test('VXLAN with inner SIP, both directions; non-VXLAN bytes on the port stay plain UDP', () => {
  const r = inner(outerUdp(4789, vxlan(5000, INNER_ETH)));
  assert.deepEqual(r, { encap: 'eth,ipv4,udp,vxlan,eth,ipv4,udp', src: '172.16.0.1', dst: '172.16.0.2', anomalies: {} });
  assert.equal(inner(outerUdp(40000, vxlan(5000, INNER_ETH), 4789)).encap, 'eth,ipv4,udp,vxlan,eth,ipv4,udp');
  assert.equal(inner(outerUdp(8472, vxlan(1, INNER_ETH)), { vxlanPorts: [8472] }).encap, 'eth,ipv4,udp,vxlan,eth,ipv4,udp');
  // A SIP endpoint whose port happens to be 4789: I flag clear, so it is ordinary UDP.
  const sipOn4789 = decode(outerUdp(5060, SIP_INVITE, 4789));
  assert.equal(sipOn4789.seen.length, 1);
  assert.deepEqual(sipOn4789.seen[0]!.encap, ['eth', 'ipv4', 'udp']);
  assert.deepEqual(sipOn4789.h.anomalies(), { 'decode.vxlan.bad_flags': 1 });
  // Default port list does not include 8472.
  assert.equal(decode(outerUdp(8472, vxlan(1, INNER_ETH))).seen[0]!.dstPort, 8472);
});

test('Geneve with options, Ethernet or IP payload', () => {
  assert.equal(inner(outerUdp(6081, geneve(0x6558, INNER_ETH, 3))).encap, 'eth,ipv4,udp,geneve,eth,ipv4,udp');
  assert.equal(inner(outerUdp(6081, geneve(0x86dd, INNER_V6, 0))).encap, 'eth,ipv4,udp,geneve,ipv6,udp');
  const { h } = decode(outerUdp(6081, geneve(0x6558, INNER_ETH, 63).subarray(0, 100)));
  assert.deepEqual(h.anomalies(), { 'decode.geneve.truncated': 1 });
});

test('GTP-U G-PDU with optional fields and an extension header chain', () => {
  assert.equal(inner(outerUdp(2152, gtpu(0x1234, INNER_V4))).encap, 'eth,ipv4,udp,gtpu,ipv4,udp');
  assert.equal(inner(outerUdp(2152, gtpu(1, INNER_V6, { seq: 9 }))).encap, 'eth,ipv4,udp,gtpu,ipv6,udp');
  const ext: Array<[number, Buffer]> = [
    [0x85, Buffer.from([0x00, 0x09])], // PDU session container, 4 bytes
    [0x40, Buffer.alloc(6, 0x11)], // UDP port ext style, 8 bytes
  ];
  const r = inner(outerUdp(2152, gtpu(7, INNER_V4, { seq: 1, ext }), 2152));
  assert.equal(r.encap, 'eth,ipv4,udp,gtpu,ipv4,udp');
  assert.equal(r.src, '172.16.0.1');
  // Echo request (type 1) is signalling, not user traffic: counted, then treated as plain UDP.
  const echo = decode(outerUdp(2152, gtpu(0, Buffer.alloc(0), { seq: 1, msgType: 1 })));
  assert.equal(echo.seen.length, 1);
  assert.deepEqual(echo.h.anomalies(), { 'decode.gtpu.not_gpdu': 1 });
  // Zero-length extension header: malformed.
  const bad = gtpu(7, INNER_V4, { seq: 1, ext: [[0x85, Buffer.from([0, 9])]] });
  bad[12] = 0;
  assert.deepEqual(decode(outerUdp(2152, bad)).h.anomalies(), { 'decode.gtpu.bad_extension': 1 });
});

test('IP-in-IP: IPv4 and IPv6 inside IPv4 and IPv6', () => {
  assert.equal(inner(outer(4, INNER_V4)).encap, 'eth,ipv4,ipv4,udp');
  assert.equal(inner(outer(41, INNER_V6)).encap, 'eth,ipv4,ipv6,udp');
  assert.equal(inner(eth(0x86dd, ipv6(4, INNER_V4))).encap, 'eth,ipv6,ipv4,udp');
  const r = inner(eth(0x86dd, ipv6(41, INNER_V6)));
  assert.deepEqual([r.encap, r.src, r.dst], ['eth,ipv6,ipv6,udp', '2001:db8:a::1', '2001:db8:b::1']);
});

test('nested VXLAN inside GRE inside IP-in-IP', () => {
  const vx = udp(40001, 4789, vxlan(77, INNER_ETH));
  const greFrame = gre(0x0800, ipv4(17, vx, { src: '10.1.1.1', dst: '10.1.1.2' }), { key: 3 });
  const r = inner(outer(4, ipv4(47, greFrame, { src: '10.2.2.1', dst: '10.2.2.2' })));
  assert.equal(r.encap, 'eth,ipv4,ipv4,gre,ipv4,udp,vxlan,eth,ipv4,udp');
  assert.equal(r.src, '172.16.0.1');
});

/** `n` nested IPv4-in-IPv4 tunnels around INNER_V4. */
function nestedIpip(n: number): Buffer {
  let p = INNER_V4;
  for (let i = 0; i < n; i++) p = ipv4(4, p, { src: `10.0.${i}.1`, dst: `10.0.${i}.2` });
  return eth(0x0800, p);
}

test('tunnel depth limit: maxTunnelDepth nested tunnels decode, one more is dropped and counted', () => {
  // nestedIpip(n) has n + 1 IPv4 headers, i.e. n tunnels.
  assert.equal(inner(nestedIpip(8)).encap.split(',').filter((x) => x === 'ipv4').length, 9);
  const { h, seen } = decode(nestedIpip(9));
  assert.equal(seen.length, 0);
  assert.deepEqual(h.anomalies(), { 'decode.tunnel.too_deep': 1 });
  assert.equal(decode(nestedIpip(3), { maxTunnelDepth: 2 }).h.counters.get('decode.tunnel.too_deep'), 1);
  assert.equal(inner(nestedIpip(2), { maxTunnelDepth: 2 }).encap, 'eth,ipv4,ipv4,ipv4,udp');
  // Mixed kinds count alike: GRE + VXLAN is two tunnels.
  const vx = udp(40001, 4789, vxlan(77, INNER_ETH));
  const two = outer(47, gre(0x0800, ipv4(17, vx)));
  assert.equal(decode(two, { maxTunnelDepth: 1 }).h.counters.get('decode.tunnel.too_deep'), 1);
  assert.equal(inner(two, { maxTunnelDepth: 2 }).encap, 'eth,ipv4,gre,ipv4,udp,vxlan,eth,ipv4,udp');
});

test('encap arrays are interned: the same path gives the same array', () => {
  const h = new Harness();
  const seen = h.run([frame(udpSipFrame()), frame(udpSipFrame()), frame(outer(4, INNER_V4)), frame(outer(4, INNER_V4))]);
  assert.equal(seen.length, 4);
  assert.equal(seen[0]!.encapRef, seen[1]!.encapRef);
  assert.equal(seen[2]!.encapRef, seen[3]!.encapRef);
  assert.notEqual(seen[0]!.encapRef, seen[2]!.encapRef);
  // root + eth + ipv4 + udp + ipv4(inner) + udp(inner)
  assert.equal(h.decoder.encapPaths, 6);
});
