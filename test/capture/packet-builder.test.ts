import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import {
  EtherType, IpProto, crc32c, erspanII, ethernet, gre, gtpu, gtpuPduSessionContainer, hep2, hep3, internetChecksum,
  ipBytes, ipv4, ipv4Fragments, ipv6, ipv6Fragments, mpls, pppoeSession, qinqTags, sctp, sctpData, sipRequest,
  sll, sll2, tcp, udp, vxlan, wsFragmentedMessage, wsFrame,
} from '../helpers/packet-builder.js';

test('ipBytes parses IPv4 and every IPv6 text form', () => {
  assert.equal(ipBytes('192.0.2.1').toString('hex'), 'c0000201');
  assert.equal(ipBytes('::').toString('hex'), '0'.repeat(32));
  assert.equal(ipBytes('::1').toString('hex'), '0'.repeat(31) + '1');
  assert.equal(ipBytes('2001:db8::1').toString('hex'), '20010db8' + '0'.repeat(20) + '0001');
  assert.equal(ipBytes('fe80::').toString('hex'), 'fe80' + '0'.repeat(28));
  assert.equal(ipBytes('::ffff:192.0.2.1').toString('hex'), '0'.repeat(20) + 'ffffc0000201');
  assert.equal(ipBytes('2001:db8:1:2:3:4:5:6').toString('hex'), '20010db8000100020003000400050006');
});

test('checksums: IPv4 header, UDP and TCP with the pseudo-header verify to zero', () => {
  const payload = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n');
  const u = udp({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 5060, dstPort: 5060 }, payload);
  const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: IpProto.UDP }, u);
  assert.equal(internetChecksum(ip.subarray(0, 20)), 0);
  const pseudo = Buffer.concat([ipBytes('192.0.2.1'), ipBytes('192.0.2.2'), Buffer.from([0, 17, 0, u.length])]);
  assert.equal(internetChecksum(pseudo, u), 0);
  const t = tcp({ src: '2001:db8::1', dst: '2001:db8::2', srcPort: 1, dstPort: 5060, seq: 7 }, payload);
  const pseudo6 = Buffer.concat([ipBytes('2001:db8::1'), ipBytes('2001:db8::2'), Buffer.from([0, 0, 0, t.length, 0, 0, 0, 6])]);
  assert.equal(internetChecksum(pseudo6, t), 0);
  assert.equal(udp({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 1, dstPort: 2, checksum: 'zero' }, payload).readUInt16BE(6), 0);
  assert.notEqual(internetChecksum(ipv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, badChecksum: true }, u).subarray(0, 20)), 0);
});

test('crc32c matches the standard check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  const pkt = sctp({ srcPort: 5060, dstPort: 5060 }, [sctpData({ tsn: 1, payload: Buffer.from('abc') })]);
  assert.equal(pkt.length, 12 + 16 + 4);
  const zeroed = Buffer.from(pkt);
  zeroed.writeUInt32LE(0, 8);
  assert.equal(pkt.readUInt32LE(8), crc32c(zeroed));
});

test('IPv4 fragments: offsets, MF flags and payload reassemble', () => {
  const payload = Buffer.alloc(3000, 0x61);
  const frags = ipv4Fragments({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, id: 9 }, payload, [1480, 1480]);
  assert.deepEqual(frags.map((f) => [f.readUInt16BE(6) & 0x1fff, (f.readUInt16BE(6) >> 13) & 1, f.readUInt16BE(2), f.readUInt16BE(4)]), [
    [0, 1, 1500, 9], [185, 1, 1500, 9], [370, 0, 60, 9],
  ]);
  assert.deepEqual(Buffer.concat(frags.map((f) => f.subarray(20))), payload);
  assert.equal(ipv4Fragments({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17 }, payload, 3).length, 3);
});

test('IPv6 extension header chain and fragments', () => {
  const p = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IpProto.UDP, extensions: [{ type: 'hop-by-hop' }, { type: 'routing', addresses: ['2001:db8::9'] }, { type: 'destination', options: Buffer.from([0x1e, 2, 0, 0]) }] }, Buffer.alloc(8));
  assert.equal(p[6], IpProto.HOPOPTS);
  assert.deepEqual([p[40], p[41]], [IpProto.ROUTING, 0]);
  assert.deepEqual([p[48], p[49], p[50], p[51]], [IpProto.DSTOPTS, 2, 0, 0]);
  assert.deepEqual([p[72], p[73]], [IpProto.UDP, 0]);
  assert.equal(p.readUInt16BE(4), p.length - 40);
  const frags = ipv6Fragments({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IpProto.UDP, id: 77 }, Buffer.alloc(2000, 1), [1232]);
  assert.deepEqual(frags.map((f) => [f[6], f[40], f.readUInt16BE(42), f.readUInt32BE(44)]), [[IpProto.FRAGMENT, IpProto.UDP, 1, 77], [IpProto.FRAGMENT, IpProto.UDP, 1232, 77]]);
});

test('link and tunnel headers have their fixed layouts', () => {
  const e = ethernet({ type: EtherType.IPV4, vlans: qinqTags(300, 42) }, Buffer.alloc(1));
  assert.equal(e.subarray(12, 22).toString('hex'), '88a8' + '012c' + '8100' + '002a' + '0800');
  assert.equal(sll({ protocol: EtherType.IPV6 }, Buffer.alloc(0)).readUInt16BE(14), EtherType.IPV6);
  assert.equal(sll2({ protocol: EtherType.IPV4 }, Buffer.alloc(0)).length, 20);
  assert.equal(mpls([16, 17], Buffer.alloc(0)).toString('hex'), '00010040' + '00011140');
  assert.equal(pppoeSession({ sessionId: 1, protocol: 0x21 }, Buffer.alloc(10)).subarray(0, 8).toString('hex'), '1100' + '0001' + '000c' + '0021');
  assert.equal(gre({ protocol: EtherType.TEB, key: 5, sequence: 6 }, Buffer.alloc(0)).toString('hex'), '3000' + '6558' + '00000005' + '00000006');
  assert.equal(vxlan({ vni: 0x123456 }, Buffer.alloc(0)).toString('hex'), '0800000012345600');
  assert.equal(gtpu({ teid: 1 }, Buffer.alloc(4)).toString('hex'), '30ff0004' + '00000001' + '00000000');
  const g = gtpu({ teid: 1, sequence: 2, extensions: [gtpuPduSessionContainer(9)] }, Buffer.alloc(4));
  assert.equal(g.toString('hex'), '36ff000c' + '00000001' + '00020085' + '01000900' + '00000000');
  const er = erspanII({ sessionId: 12, sequence: 3, vlan: 70, index: 3 }, Buffer.alloc(0));
  assert.equal(er.toString('hex'), '1000' + '88be' + '00000003' + '1046' + '000c' + '00000003');
});

test('WebSocket frames: masking, extended lengths, fragmentation', () => {
  const mask = Buffer.from('37fa213d', 'hex');
  const f = wsFrame({ opcode: 1, mask }, Buffer.from('Hello'));
  assert.equal(f.toString('hex'), '8185' + '37fa213d' + '7f9f4d5158'); // RFC 6455 §5.7 example
  assert.equal(wsFrame({ opcode: 2 }, Buffer.alloc(126)).subarray(0, 4).toString('hex'), '827e007e');
  assert.equal(wsFrame({ opcode: 2 }, Buffer.alloc(65536)).subarray(0, 10).toString('hex'), '827f0000000000010000');
  const parts = wsFragmentedMessage(1, Buffer.from('abcdefgh'), [3, 3]);
  assert.deepEqual(parts.map((p) => p.toString('hex')), ['0103' + '616263', '0003' + '646566', '8002' + '6768']);
});

test('HEP v3 and v2 layouts', () => {
  const payload = Buffer.from('INVITE sip:bob SIP/2.0\r\n\r\n');
  const common = { protocol: 17, srcIp: '212.202.0.1', dstIp: '82.116.0.211', srcPort: 12010, dstPort: 5060, tsSec: 1313440459, tsUsec: 120000, captureId: 228, payload };
  const h = hep3(common);
  assert.equal(h.subarray(0, 4).toString(), 'HEP3');
  assert.equal(h.readUInt16BE(4), h.length);
  // The chunks of the worked example of the HEP3 specification, in the same order.
  assert.equal(h.subarray(6, 6 + 7 + 7 + 10 + 10 + 8 + 8 + 10 + 10 + 7 + 10).toString('hex'),
    '00000001000702' + '00000002000711' + '00000003000ad4ca0001' + '00000004000a527400d3' + '0000000700082eea' + '00000008000813c4' +
    '00000009000a4e4982cb' + '0000000a000a0001d4c0' + '0000000b000701' + '0000000c000a000000e4');
  let pos = 6;
  let last = -1;
  while (pos < h.length) {
    last = h.readUInt16BE(pos + 2);
    pos += h.readUInt16BE(pos + 4);
  }
  assert.deepEqual([pos, last], [h.length, 0x000f]);
  const z = hep3({ ...common, compress: 'zlib' });
  const compressedAt = z.indexOf(Buffer.from([0, 0, 0, 0x10]));
  assert.deepEqual(inflateSync(z.subarray(compressedAt + 6)), payload);
  const v2 = hep2(common);
  assert.deepEqual([v2[0], v2[1], v2[2], v2[3], v2.readUInt16BE(4), v2.readUInt16BE(6)], [2, 16, 2, 17, 12010, 5060]);
  assert.equal(v2.readUInt32LE(16), 1313440459);
  assert.deepEqual(v2.subarray(28), payload);
});

test('sipRequest writes the byte length of the body in Content-Length', () => {
  const body = 'v=0\r\ns=é\r\n'; // 10 characters, 11 bytes
  const text = sipRequest({ method: 'INVITE', ruri: 'sip:b@example.com', transport: 'UDP', viaHost: '192.0.2.1', viaPort: 5060, branch: 'z9hG4bK1', from: { user: 'a', host: 'example.com', tag: 't1' }, to: { user: 'b', host: 'example.com' }, callId: 'c1', cseq: 1, body });
  assert.match(text, /\r\nContent-Length: 11\r\n\r\nv=0/);
  assert.match(text, /^INVITE sip:b@example.com SIP\/2.0\r\nVia: SIP\/2.0\/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport\r\n/);
});
