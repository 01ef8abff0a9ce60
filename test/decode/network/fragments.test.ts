/** IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5) on synthetic frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eth, frame, ipv4, ipv6, ipv6Ext, ipv6Frag, sipOfSize, udp } from './build.js';
import { Harness } from './collect.js';

const SIP = sipOfSize(1400);
/** The UDP datagram (header + SIP) that gets fragmented. */
const DGRAM = udp(5060, 5060, SIP);

/** IPv4 fragment frame holding DGRAM[from, to). */
function v4frag(from: number, to: number, o: { id?: number; src?: string; ts?: number; bytes?: Buffer } = {}) {
  const data = o.bytes ?? DGRAM.subarray(from, to);
  const more = to < DGRAM.length;
  return frame(
    eth(0x0800, ipv4(17, data, { id: o.id ?? 0x4242, src: o.src ?? '10.0.0.1', fragOffset: from, mf: more })),
    1,
    o.ts ?? 1_000_000,
  );
}

/** Fragments at the given cut points: [0,c1), [c1,c2) ... [cn, end). */
function cuts(points: number[], o: { id?: number; src?: string; ts?: number } = {}) {
  const edges = [0, ...points, DGRAM.length];
  return edges.slice(0, -1).map((from, i) => v4frag(from, edges[i + 1]!, o));
}

test('IPv4 fragments in order reassemble into one UDP packet with the last fragment time', () => {
  const h = new Harness();
  const frags = cuts([504, 1008]);
  frags.forEach((f, i) => (f.tsUs = 5_000_000 + i));
  const seen = h.run(frags);
  assert.equal(seen.length, 1);
  const p = seen[0]!;
  assert.deepEqual(p.payload, SIP);
  assert.deepEqual([p.srcIp, p.dstIp, p.srcPort, p.dstPort, p.tsUs], ['10.0.0.1', '10.0.0.2', 5060, 5060, 5_000_002]);
  assert.deepEqual(p.encap, ['eth', 'ipv4', 'udp']);
  assert.deepEqual(h.anomalies(), { 'decode.fragments.reassembled': 1, 'decode.ipv4.fragments': 3 });
  assert.equal(h.decoder.fragmentSets, 0);
});

test('IPv4 fragments out of order and duplicated', () => {
  const h = new Harness();
  const [a, b, c] = cuts([504, 1008]);
  const seen = h.run([c!, a!, a!, b!]);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.payload, SIP);
  assert.equal(h.counters.get('decode.fragments.duplicate'), 1);
  assert.equal(h.counters.get('decode.fragments.overlap'), 0);
  // A duplicate arriving after completion starts a new set that never completes.
  h.run([b!]);
  h.decoder.finish();
  assert.equal(h.counters.get('decode.fragments.incomplete'), 1);
});

test('overlapping IPv4 fragments: the bytes that arrived first win, deterministically', () => {
  const forged = Buffer.from(DGRAM.subarray(400, 904));
  forged.fill(0x58, 0, forged.length); // 'X' over [400, 904)
  for (const order of [
    [0, 1, 2],
    [1, 0, 2],
    [2, 1, 0],
  ]) {
    const pieces = [v4frag(0, 504), v4frag(400, 904, { bytes: forged }), v4frag(904, DGRAM.length)];
    const h = new Harness();
    const seen = h.run(order.map((i) => pieces[i]!));
    assert.equal(seen.length, 1);
    assert.equal(h.counters.get('decode.fragments.overlap'), 1);
    const want = Buffer.from(DGRAM);
    // Forged bytes survive exactly where they were first: [504, 904) always (no one else sent
    // them), [400, 504) only when the forged fragment came before the first one.
    const forgedFirst = order.indexOf(1) < order.indexOf(0);
    forged.copy(want, forgedFirst ? 400 : 504, forgedFirst ? 0 : 104);
    assert.deepEqual(seen[0]!.payload, want.subarray(8));
  }
});

test('different ids, sources or protocols are different datagrams', () => {
  const h = new Harness();
  const a = cuts([504], { id: 1 });
  const b = cuts([504], { id: 2 });
  const c = cuts([504], { id: 1, src: '10.9.9.9' });
  const seen = h.run([a[0]!, b[0]!, c[0]!, c[1]!, b[1]!, a[1]!]);
  assert.deepEqual(
    seen.map((s) => s.srcIp),
    ['10.9.9.9', '10.0.0.1', '10.0.0.1'],
  );
  assert.ok(seen.every((s) => s.payload.equals(SIP)));
});

test('timeouts run on packet time via tick(); a late fragment starts afresh', () => {
  const h = new Harness({ fragments: { maxSets: 100, maxBytes: 1 << 20, timeoutUs: 30_000_000 } });
  const [a, b] = cuts([504], { ts: 10_000_000 });
  h.run([a!]);
  h.decoder.tick(39_999_999);
  assert.equal(h.decoder.fragmentSets, 1);
  h.decoder.tick(40_000_000);
  assert.equal(h.decoder.fragmentSets, 0);
  assert.equal(h.counters.get('decode.fragments.timeout'), 1);
  b!.tsUs = 40_000_001;
  assert.equal(h.run([b!]).length, 0);
  // Without tick(): a fragment for a set older than the timeout drops the stale set.
  const [c, d] = cuts([504], { id: 9, ts: 50_000_000 });
  d!.tsUs = 80_000_000;
  assert.equal(h.run([c!, d!]).length, 0);
  assert.equal(h.counters.get('decode.fragments.timeout'), 2);
  h.decoder.finish();
  assert.equal(h.counters.get('decode.fragments.incomplete'), 2);
  assert.equal(h.decoder.fragmentSets, 0);
});

test('maxSets evicts the oldest set and counts it', () => {
  const h = new Harness({ fragments: { maxSets: 2, maxBytes: 1 << 20, timeoutUs: 30_000_000 } });
  const sets = [1, 2, 3].map((id) => cuts([504], { id }));
  assert.equal(h.run([sets[0]![0]!, sets[1]![0]!, sets[2]![0]!]).length, 0);
  assert.equal(h.counters.get('decode.fragments.evicted'), 1);
  assert.equal(h.decoder.fragmentSets, 2);
  // Set 1 was evicted: its second half alone cannot complete; 2 and 3 can.
  const seen = h.run([sets[1]![1]!, sets[2]![1]!, sets[0]![1]!]);
  assert.equal(seen.length, 2);
  // Set 1's tail opened a fresh set once 2 and 3 had completed: room enough, no new eviction.
  assert.equal(h.counters.get('decode.fragments.evicted'), 1);
  assert.equal(h.decoder.fragmentSets, 1);
});

test('maxBytes evicts the oldest sets; a set larger than the cap is dropped', () => {
  const h = new Harness({ fragments: { maxSets: 100, maxBytes: 1200, timeoutUs: 30_000_000 } });
  const a = cuts([504], { id: 1 });
  const b = cuts([504], { id: 2 });
  h.run([a[0]!, b[0]!]); // 504 + 504 held
  assert.equal(h.decoder.fragmentSets, 2);
  // Completing b needs 904 more bytes: a is evicted (504 freed), still 504 + 904 > 1200, so b itself goes.
  assert.equal(h.run([b[1]!]).length, 0);
  assert.equal(h.counters.get('decode.fragments.evicted'), 2);
  assert.equal(h.decoder.fragmentSets, 0);
  const small = new Harness({ fragments: { maxSets: 100, maxBytes: 1500, timeoutUs: 30_000_000 } });
  const c = cuts([504], { id: 3 });
  const d = cuts([504], { id: 4 });
  small.run([c[0]!, d[0]!]);
  assert.equal(small.run([d[1]!]).length, 1); // evicts c, then d fits
  assert.equal(small.counters.get('decode.fragments.evicted'), 1);
});

test('a datagram beyond 65535 bytes is refused (ping of death)', () => {
  const h = new Harness();
  const tail = frame(eth(0x0800, ipv4(17, Buffer.alloc(100), { id: 5, fragOffset: 65528, mf: false })));
  const head = frame(eth(0x0800, ipv4(17, Buffer.alloc(64), { id: 5, fragOffset: 0, mf: true })));
  assert.equal(h.run([head, tail]).length, 0);
  assert.equal(h.counters.get('decode.fragments.too_big'), 1);
  assert.equal(h.decoder.fragmentSets, 0);
});

test('a non-final fragment whose length is not a multiple of 8 is refused', () => {
  const h = new Harness();
  h.run([v4frag(0, 500)]);
  assert.equal(h.counters.get('decode.fragments.bad_length'), 1);
  assert.equal(h.decoder.fragmentSets, 0);
});

/** IPv6 fragments of DGRAM with a hop-by-hop header before the Fragment header. */
function v6frags(points: number[], id: number, ts = 1_000_000) {
  const edges = [0, ...points, DGRAM.length];
  return edges.slice(0, -1).map((from, i) => {
    const to = edges[i + 1]!;
    const frag = ipv6Frag(17, from, to < DGRAM.length, id, DGRAM.subarray(from, to));
    return frame(eth(0x86dd, ipv6(0, ipv6Ext(44, frag), '2001:db8::10', '2001:db8::20')), 1, ts + i);
  });
}

test('IPv6 fragments behind a hop-by-hop header, out of order', () => {
  const h = new Harness();
  const [a, b, c] = v6frags([512, 1024], 0xabcdef01);
  const seen = h.run([b!, c!, a!]);
  assert.equal(seen.length, 1);
  const p = seen[0]!;
  assert.deepEqual(p.payload, SIP);
  assert.deepEqual([p.ipVersion, p.srcIp, p.dstIp, p.tsUs], [6, '2001:db8::10', '2001:db8::20', 1_000_000]);
  assert.deepEqual(p.encap, ['eth', 'ipv6', 'udp']);
  assert.deepEqual(h.anomalies(), { 'decode.fragments.reassembled': 1, 'decode.ipv6.fragments': 3 });
});

test('IPv6: a destination options header inside the fragmentable part is walked after reassembly', () => {
  const inner = ipv6Ext(17, DGRAM, 2); // dest options (16 bytes) then UDP
  const cut = 504;
  const f1 = ipv6Frag(60, 0, true, 7, inner.subarray(0, cut));
  const f2 = ipv6Frag(60, cut, false, 7, inner.subarray(cut));
  const h = new Harness();
  const seen = h.run([frame(eth(0x86dd, ipv6(44, f2))), frame(eth(0x86dd, ipv6(44, f1)))]);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.payload, SIP);
});

test('IPv6 atomic fragment (offset 0, M = 0) is decoded at once', () => {
  const h = new Harness();
  const seen = h.run([frame(eth(0x86dd, ipv6(44, ipv6Frag(17, 0, false, 1, DGRAM))))]);
  assert.equal(seen.length, 1);
  assert.deepEqual(h.anomalies(), {});
});

test('IPv6 fragment overlap: first wins and is counted', () => {
  const h = new Harness();
  const [a, b] = v6frags([512], 3);
  const dup = frame(eth(0x86dd, ipv6(44, ipv6Frag(17, 256, true, 3, Buffer.alloc(512, 0x41)), '2001:db8::10', '2001:db8::20')));
  const seen = h.run([a!, dup, b!]);
  assert.equal(seen.length, 1);
  const want = Buffer.from(DGRAM);
  Buffer.alloc(256, 0x41).copy(want, 512);
  assert.deepEqual(seen[0]!.payload, want.subarray(8));
  // Two overlap events: the forged fragment over the first, then the last over the forged one.
  assert.equal(h.counters.get('decode.fragments.overlap'), 2);
});

test('fragments of a tunnelled datagram: outer IPv4 fragmented, GRE inside', () => {
  const inner = ipv4(17, DGRAM, { src: '192.168.1.1', dst: '192.168.1.2' });
  const greDgram = Buffer.concat([Buffer.from([0, 0, 0x08, 0x00]), inner]);
  const f1 = eth(0x0800, ipv4(47, greDgram.subarray(0, 800), { id: 77, mf: true }));
  const f2 = eth(0x0800, ipv4(47, greDgram.subarray(800), { id: 77, fragOffset: 800 }));
  const h = new Harness();
  const seen = h.run([frame(f2), frame(f1)]);
  assert.equal(seen.length, 1);
  assert.deepEqual([seen[0]!.encap.join(','), seen[0]!.srcIp], ['eth,ipv4,gre,ipv4,udp', '192.168.1.1']);
  assert.deepEqual(seen[0]!.payload, SIP);
});
