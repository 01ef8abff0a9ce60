import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { bytes, Conn, harness, invite, options_, reverse, udp } from './builders.js';

function chunk(type: number, value: Buffer, vendor = 0): Buffer {
  const c = Buffer.alloc(6 + value.length);
  c.writeUInt16BE(vendor, 0);
  c.writeUInt16BE(type, 2);
  c.writeUInt16BE(6 + value.length, 4);
  value.copy(c, 6);
  return c;
}
const u8 = (v: number): Buffer => Buffer.from([v]);
const u16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

interface HepOpts {
  payload?: string | Buffer;
  compressed?: Buffer;
  protoType?: number;
  ipProto?: number;
  v6?: { src: Buffer; dst: Buffer };
  tsec?: number;
  tusec?: number;
  captureId?: number;
  extra?: Buffer[];
}

/** A HEP3 packet, chunks in the order heplify writes them. */
function hep3(o: HepOpts = {}): Buffer {
  const chunks = [
    chunk(1, u8(o.v6 ? 10 : 2)),
    chunk(2, u8(o.ipProto ?? 17)),
    ...(o.v6 ? [chunk(5, o.v6.src), chunk(6, o.v6.dst)] : [chunk(3, ip4('212.202.0.1')), chunk(4, ip4('82.116.0.211'))]),
    chunk(7, u16(12010)),
    chunk(8, u16(5060)),
    chunk(9, u32(o.tsec ?? 1313440459)),
    chunk(10, u32(o.tusec ?? 120000)),
    chunk(11, u8(o.protoType ?? 1)),
    chunk(12, u32(o.captureId ?? 228)),
    ...(o.extra ?? []),
    o.compressed !== undefined ? chunk(16, o.compressed) : chunk(15, bytes(o.payload ?? options_())),
  ];
  const body = Buffer.concat(chunks);
  const head = Buffer.from('HEP3\0\0', 'latin1');
  head.writeUInt16BE(6 + body.length, 4);
  return Buffer.concat([head, body]);
}

test('HEP3 on 9060: the SIP payload with the original addresses, ports and time', () => {
  const h = harness();
  const m = invite('hep');
  h.feed(udp(hep3({ payload: m, extra: [chunk(0x13, bytes('node1')), chunk(0x99, bytes('vendor'), 0x2)] }), { srcPort: 51160, dstPort: 9060, tsUs: 5 }));
  assert.equal(h.out.length, 1);
  const p = h.out[0];
  assert.deepEqual(
    [p.kind, p.text, p.srcIp, p.srcPort, p.dstIp, p.dstPort, p.tsUs, p.transport, p.ipVersion],
    ['sip', m, '212.202.0.1', 12010, '82.116.0.211', 5060, 1313440459_120000, 'udp', 4],
  );
  assert.deepEqual(p.hep, { version: 3, captureId: 228 });
  assert.deepEqual(p.encap, ['eth', 'ipv4', 'udp', 'hep3', 'ipv4', 'udp']);
  assert.equal(h.counters.get('decode.hep.packets'), 1);
});

test('HEP3 recognised by its magic on any UDP port; TCP inner protocol; IPv6 addresses', () => {
  const h = harness();
  const src = Buffer.alloc(16);
  src.writeUInt16BE(0x2001, 0);
  src.writeUInt16BE(0x0db8, 2);
  src[15] = 1;
  const dst = Buffer.alloc(16);
  dst.writeUInt16BE(0xfe80, 0);
  dst.writeUInt16BE(0xabcd, 14);
  h.feed(udp(hep3({ v6: { src, dst }, ipProto: 6 }), { dstPort: 12345 }));
  const p = h.out[0];
  assert.deepEqual([p.srcIp, p.dstIp, p.ipVersion, p.transport], ['2001:db8::1', 'fe80::abcd', 6, 'tcp']);
  assert.deepEqual(p.encap, ['eth', 'ipv4', 'udp', 'hep3', 'ipv6', 'tcp']);
});

test('compressed payload chunk (zlib and gzip) is inflated', () => {
  const h = harness();
  const m = invite('zip');
  h.feed(udp(hep3({ compressed: deflateSync(Buffer.from(m)) }), { dstPort: 9060 }));
  h.feed(udp(hep3({ compressed: gzipSync(Buffer.from(m)) }), { dstPort: 9060 }));
  h.feed(udp(hep3({ compressed: Buffer.from('not deflate at all') }), { dstPort: 9060 }));
  assert.deepEqual(h.texts(), [m, m]);
  assert.equal(h.counters.get('decode.hep.inflate_error'), 1);
});

test('an inflated payload is bounded by maxMessageBytes', () => {
  const h = harness();
  const bomb = deflateSync(Buffer.alloc(1_000_000, 0x41));
  h.feed(udp(hep3({ compressed: bomb }), { dstPort: 9060 }));
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.hep.inflate_error'), 1);
});

test('non-SIP protocol types (RTCP 5, logs 100) are counted and skipped', () => {
  const h = harness();
  h.feed(udp(hep3({ protoType: 5, payload: '{"type":200}' }), { dstPort: 9060 }));
  h.feed(udp(hep3({ protoType: 100, payload: 'a log line' }), { dstPort: 9060 }));
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.hep.not_sip'), 2);
});

test('truncated and garbage HEP are counted, never thrown', () => {
  const h = harness();
  const good = hep3();
  h.feed(udp(good.subarray(0, good.length - 3), { dstPort: 9060 })); // length field says more
  const badChunk = Buffer.from(good);
  badChunk.writeUInt16BE(3, 6 + 4); // first chunk length < 6
  h.feed(udp(badChunk, { dstPort: 9060 }));
  const wrongSize = Buffer.concat([Buffer.from('HEP3\0\x0d', 'latin1'), chunk(7, u8(1))]); // port chunk of 1 byte
  h.feed(udp(wrongSize, { dstPort: 9060 }));
  h.feed(udp('\x07\x07 random bytes on the HEP port', { dstPort: 9060 }));
  h.feed(udp('HEP3', { dstPort: 9060 }));
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.hep.malformed'), 5);
  assert.equal(h.counters.get('decode.transport.internal_error'), 0);
});

test('HEP v2 (Kamailio layout: 12-byte time block, host byte order)', () => {
  const h = harness();
  const m = options_(22);
  const head = Buffer.alloc(8 + 8 + 12);
  head[0] = 2; // version
  head[1] = 8; // header length
  head[2] = 2; // AF_INET
  head[3] = 17; // UDP
  head.writeUInt16BE(5060, 4);
  head.writeUInt16BE(5080, 6);
  ip4('192.0.2.1').copy(head, 8);
  ip4('192.0.2.2').copy(head, 12);
  head.writeUInt32LE(1700000000, 16);
  head.writeUInt32LE(250, 20);
  head.writeUInt16LE(2001, 24);
  h.feed(udp(Buffer.concat([head, Buffer.from(m)]), { dstPort: 9060, tsUs: 1700000001_000000 }));
  const p = h.out[0];
  assert.deepEqual(
    [p.kind, p.text, p.srcIp, p.dstIp, p.srcPort, p.dstPort, p.tsUs],
    ['sip', m, '192.0.2.1', '192.0.2.2', 5060, 5080, 1700000000_000250],
  );
  assert.deepEqual(p.hep, { version: 2, captureId: 2001 });
  assert.deepEqual(p.encap, ['eth', 'ipv4', 'udp', 'hep2', 'ipv4', 'udp']);
});

test('HEP v1 has no time block: the outer packet time is kept', () => {
  const h = harness();
  const head = Buffer.alloc(16);
  head[0] = 1;
  head[1] = 8;
  head[2] = 2;
  head[3] = 17;
  head.writeUInt16BE(1111, 4);
  head.writeUInt16BE(2222, 6);
  ip4('10.1.1.1').copy(head, 8);
  ip4('10.2.2.2').copy(head, 12);
  h.feed(udp(Buffer.concat([head, Buffer.from(options_())]), { dstPort: 9060, tsUs: 99 }));
  assert.deepEqual(
    h.out.map((p) => [p.text, p.tsUs, p.hep?.version, p.srcPort]),
    [[options_(), 99, 1, 1111]],
  );
});

test('HEP3 over a TCP stream: consecutive packets cut anywhere', () => {
  const h = harness();
  const k = new Conn({ srcPort: 50000, dstPort: 9060 }, reverse({ srcPort: 9060, dstPort: 50000 }));
  const a = hep3({ payload: invite('t1') });
  const b = hep3({ payload: options_(2), captureId: 7 });
  const all = Buffer.concat([a, b, Buffer.from('junk!'), a]);
  h.feed(...k.handshake(), k.client(all.subarray(0, 5)), k.client(all.subarray(5, a.length + 20)), k.client(all.subarray(a.length + 20)));
  assert.deepEqual(h.texts(), [invite('t1'), options_(2), invite('t1')]);
  assert.deepEqual(
    h.out.map((p) => p.hep?.captureId),
    [228, 7, 228],
  );
  assert.deepEqual(h.out[0].encap, ['eth', 'ipv4', 'tcp', 'hep3', 'ipv4', 'udp']);
  assert.equal(h.counters.get('decode.hep.malformed'), 1);
});

test('HEP3 over TCP on a port that is not a HEP port is recognised by its magic', () => {
  const h = harness();
  const k = new Conn({ srcPort: 50001, dstPort: 7000 }, reverse({ srcPort: 7000, dstPort: 50001 }));
  h.feed(...k.handshake(), k.client(Buffer.concat([hep3({ payload: options_(5) }), hep3({ protoType: 5, payload: 'x' })])));
  assert.deepEqual(
    h.out.map((p) => [p.text, p.hep?.version, p.srcIp]),
    [[options_(5), 3, '212.202.0.1']],
  );
  assert.equal(h.counters.get('decode.hep.not_sip'), 1);
});
