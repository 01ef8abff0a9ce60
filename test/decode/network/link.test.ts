/** Link layers, VLAN, PPPoE/PPP and MPLS on synthetic frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinkType } from '../../../src/capture/frame.js';
import {
  eth,
  frame,
  ipv4,
  ipv6,
  mpls,
  nullHdr,
  ppp,
  pppoeSession,
  SIP_INVITE,
  sll,
  sll2,
  udp,
  vlanTag,
} from './build.js';
import { Harness } from './collect.js';

const SIP_V4 = ipv4(17, udp(5062, 5060, SIP_INVITE), { src: '192.0.2.1', dst: '198.51.100.7' });
const SIP_V6 = ipv6(17, udp(5062, 5060, SIP_INVITE), '2001:db8:0:0:1::1', '2001:db8::2');

function one(data: Buffer, linkType: number = LinkType.ETHERNET): { h: Harness; encap: string[] | undefined } {
  const h = new Harness();
  const seen = h.run([frame(data, linkType)]);
  assert.ok(seen.length <= 1);
  if (seen[0]) assert.deepEqual(seen[0].payload, SIP_INVITE);
  return { h, encap: seen[0]?.encap };
}

test('Ethernet II with IPv4 and IPv6', () => {
  const h = new Harness();
  const seen = h.run([frame(eth(0x0800, SIP_V4)), frame(eth(0x86dd, SIP_V6))]);
  assert.deepEqual(
    seen.map((s) => [s.encap.join(','), s.ipVersion, s.srcIp, s.dstIp, s.srcPort, s.dstPort, s.protocol]),
    [
      ['eth,ipv4,udp', 4, '192.0.2.1', '198.51.100.7', 5062, 5060, 'udp'],
      ['eth,ipv6,udp', 6, '2001:db8::1:0:0:1', '2001:db8::2', 5062, 5060, 'udp'],
    ],
  );
  assert.deepEqual(h.anomalies(), {});
});

test('Ethernet padding after the IP datagram is trimmed by the IPv4 total length', () => {
  const tiny = ipv4(17, udp(1, 5060, Buffer.from('x')));
  const h = new Harness();
  const seen = h.run([frame(Buffer.concat([eth(0x0800, tiny), Buffer.alloc(20, 0xee)]))]);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.payload, Buffer.from('x'));
});

test('802.3 length frames are skipped and counted; unknown EtherTypes counted', () => {
  const h = new Harness();
  const llc = Buffer.concat([Buffer.alloc(12, 1), Buffer.from([0x00, 0x26]), Buffer.alloc(38)]);
  assert.equal(h.run([frame(llc), frame(eth(0x0806, Buffer.alloc(28))), frame(eth(0x0800, Buffer.alloc(5)))]).length, 0);
  assert.deepEqual(h.anomalies(), {
    'decode.eth.ieee8023': 1,
    'decode.ethertype.unsupported': 1,
    'decode.ipv4.truncated': 1,
  });
});

test('802.1Q, 802.1ad QinQ and 0x9100 tags', () => {
  assert.deepEqual(one(eth(0x8100, vlanTag(100, 0x0800, SIP_V4))).encap, ['eth', 'vlan', 'ipv4', 'udp']);
  assert.deepEqual(one(eth(0x88a8, vlanTag(200, 0x8100, vlanTag(300, 0x86dd, SIP_V6)))).encap, [
    'eth', 'vlan', 'vlan', 'ipv6', 'udp',
  ]);
  assert.deepEqual(one(eth(0x9100, vlanTag(5, 0x8100, vlanTag(6, 0x0800, SIP_V4)))).encap, [
    'eth', 'vlan', 'vlan', 'ipv4', 'udp',
  ]);
});

test('VLAN tags are bounded', () => {
  let payload = vlanTag(1, 0x0800, SIP_V4);
  for (let i = 0; i < 8; i++) payload = vlanTag(1, 0x8100, payload);
  const { h, encap } = one(eth(0x8100, payload));
  assert.equal(encap, undefined);
  assert.deepEqual(h.anomalies(), { 'decode.vlan.too_many_tags': 1 });
});

test('PPPoE session with PPP IPv4 and IPv6; LCP and discovery counted', () => {
  assert.deepEqual(one(eth(0x8864, pppoeSession(ppp(0x0021, SIP_V4, { acf: false })))).encap, [
    'eth', 'pppoe', 'ppp', 'ipv4', 'udp',
  ]);
  assert.deepEqual(one(eth(0x8864, pppoeSession(ppp(0x0057, SIP_V6, { acf: false })))).encap, [
    'eth', 'pppoe', 'ppp', 'ipv6', 'udp',
  ]);
  // Address/control bytes and protocol-field compression are accepted too.
  assert.deepEqual(one(eth(0x8864, pppoeSession(ppp(0x0021, SIP_V4, { pfc: true })))).encap, [
    'eth', 'pppoe', 'ppp', 'ipv4', 'udp',
  ]);
  const h = new Harness();
  h.run([
    frame(eth(0x8864, pppoeSession(ppp(0xc021, Buffer.alloc(4), { acf: false })))),
    frame(eth(0x8863, Buffer.alloc(20))),
    frame(eth(0x8864, Buffer.from([0x11, 0x00, 0, 1, 0x40, 0, 0, 0x21]))),
  ]);
  assert.deepEqual(h.anomalies(), {
    'decode.ppp.unsupported_protocol': 1,
    'decode.pppoe.discovery': 1,
    'decode.pppoe.truncated': 1,
  });
});

test('MPLS label stacks with IPv4, IPv6 and an Ethernet pseudowire with control word', () => {
  assert.deepEqual(one(eth(0x8847, mpls([16, 17, 18], SIP_V4))).encap, ['eth', 'mpls', 'ipv4', 'udp']);
  assert.deepEqual(one(eth(0x8847, mpls([2], SIP_V6))).encap, ['eth', 'mpls', 'ipv6', 'udp']);
  const pw = mpls([1000, 2000], Buffer.concat([Buffer.alloc(4), eth(0x0800, SIP_V4)]));
  assert.deepEqual(one(eth(0x8847, pw)).encap, ['eth', 'mpls', 'eth', 'ipv4', 'udp']);
  const h = new Harness();
  h.run([frame(eth(0x8847, mpls([3], Buffer.from([0x99, 1, 2, 3])))), frame(eth(0x8847, Buffer.from([0, 0, 0, 0])))]);
  assert.deepEqual(h.anomalies(), { 'decode.mpls.truncated': 1, 'decode.mpls.unknown_payload': 1 });
});

test('Linux cooked captures v1 and v2', () => {
  assert.deepEqual(one(sll(0x0800, SIP_V4), LinkType.LINUX_SLL).encap, ['sll', 'ipv4', 'udp']);
  assert.deepEqual(one(sll2(0x86dd, SIP_V6), LinkType.LINUX_SLL2).encap, ['sll2', 'ipv6', 'udp']);
  assert.deepEqual(one(sll2(0x8100, vlanTag(9, 0x0800, SIP_V4)), LinkType.LINUX_SLL2).encap, [
    'sll2', 'vlan', 'ipv4', 'udp',
  ]);
  const { h } = one(sll2(0x0800, Buffer.alloc(0)).subarray(0, 19), LinkType.LINUX_SLL2);
  assert.deepEqual(h.anomalies(), { 'decode.sll2.truncated': 1 });
});

test('BSD null/loopback in both byte orders, all AF_INET6 values, and LOOP', () => {
  for (const le of [true, false]) {
    assert.deepEqual(one(nullHdr(2, le, SIP_V4), LinkType.NULL).encap, ['null', 'ipv4', 'udp']);
    for (const af6 of [24, 28, 30]) {
      assert.deepEqual(one(nullHdr(af6, le, SIP_V6), LinkType.NULL).encap, ['null', 'ipv6', 'udp']);
    }
  }
  assert.deepEqual(one(nullHdr(2, false, SIP_V4), LinkType.LOOP).encap, ['null', 'ipv4', 'udp']);
  assert.deepEqual(one(nullHdr(30, false, SIP_V6), LinkType.LOOP).encap, ['null', 'ipv6', 'udp']);
  // LOOP is always network order: a little-endian family is unknown there.
  const { h } = one(nullHdr(2, true, SIP_V4), LinkType.LOOP);
  assert.deepEqual(h.anomalies(), { 'decode.null.unknown_family': 1 });
});

test('raw IP link types 101, 228 and 229', () => {
  assert.deepEqual(one(SIP_V4, LinkType.RAW).encap, ['raw', 'ipv4', 'udp']);
  assert.deepEqual(one(SIP_V6, LinkType.RAW).encap, ['raw', 'ipv6', 'udp']);
  assert.deepEqual(one(SIP_V4, LinkType.IPV4).encap, ['raw', 'ipv4', 'udp']);
  assert.deepEqual(one(SIP_V6, LinkType.IPV6).encap, ['raw', 'ipv6', 'udp']);
  const h = new Harness();
  h.run([frame(SIP_V6, LinkType.IPV4), frame(Buffer.from([0x50, 0]), LinkType.RAW), frame(SIP_V4, 147)]);
  assert.deepEqual(h.anomalies(), {
    'decode.ipv4.bad_version': 1,
    'decode.link.unsupported': 1,
    'decode.raw.unknown_version': 1,
  });
});
