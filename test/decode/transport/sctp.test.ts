import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataChunk, harness, invite, ok200, options_, otherChunk, sctp } from './builders.js';

test('unfragmented DATA chunk: one SIP message, transport sctp', () => {
  const h = harness();
  h.feed(sctp([dataChunk(options_(1), { tsn: 1, ssn: 40846 })], { tsUs: 5, encap: ['sll', 'ipv4', 'sctp'] }));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text, p.transport, p.tsUs]),
    [['sip', options_(1), 'sctp', 5]],
  );
  assert.deepEqual(h.out[0].encap, ['sll', 'ipv4', 'sctp']);
});

test('bundled chunks: control chunks skipped, every DATA chunk delivered', () => {
  const h = harness();
  h.feed(sctp([otherChunk(3, 13), dataChunk(ok200('a'), { tsn: 7 }), dataChunk(options_(2), { tsn: 8, sid: 1 })]));
  assert.deepEqual(h.texts(), [ok200('a'), options_(2)]);
});

test('fragmented DATA (unordered, B then E) is reassembled', () => {
  const h = harness();
  const m = invite('sctp');
  h.feed(sctp([dataChunk(m.slice(0, 300), { tsn: 0, u: true, e: false })], { tsUs: 1 }));
  assert.equal(h.out.length, 0);
  h.feed(sctp([dataChunk(m.slice(300), { tsn: 1, u: true, b: false })], { tsUs: 2 }));
  assert.deepEqual(
    h.out.map((p) => [p.text, p.tsUs]),
    [[m, 2]],
  );
  assert.equal(h.counters.get('decode.sctp.reassembled'), 1);
});

test('ordered fragments arriving out of order, middle last', () => {
  const h = harness();
  const m = invite('ooo');
  const parts = [m.slice(0, 100), m.slice(100, 250), m.slice(250)];
  h.feed(
    sctp([dataChunk(parts[2], { tsn: 12, ssn: 3, b: false })]),
    sctp([dataChunk(parts[0], { tsn: 10, ssn: 3, e: false })]),
  );
  assert.equal(h.out.length, 0);
  h.feed(sctp([dataChunk(parts[1], { tsn: 11, ssn: 3, b: false, e: false })]));
  assert.deepEqual(h.texts(), [m]);
});

test('a truncated chunk is counted; an unfinished message at the end goes out truncated', () => {
  const h = harness();
  const bad = dataChunk(options_(1), { tsn: 1 });
  bad.writeUInt16BE(2000, 2); // length beyond the packet
  h.feed(sctp([bad]));
  assert.equal(h.counters.get('decode.sctp.malformed'), 1);
  const m = invite('eof');
  h.feed(sctp([dataChunk(m.slice(0, 200), { tsn: 20, e: false })]));
  h.dec.finish();
  assert.deepEqual(h.texts(), [m.slice(0, 200)]);
  assert.equal(h.counters.get('decode.sctp.reassembly_incomplete'), 1);
});

test('stale reassemblies expire on packet time', () => {
  const h = harness();
  h.feed(sctp([dataChunk('INVITE sip:x SIP/2.0\r\n', { tsn: 1, e: false })], { tsUs: 1_000_000 }));
  h.dec.tick(30_999_999);
  assert.equal(h.counters.get('decode.sctp.reassembly_timeout'), 0);
  h.dec.tick(31_000_000);
  assert.equal(h.counters.get('decode.sctp.reassembly_timeout'), 1);
  h.dec.finish();
  assert.equal(h.out.length, 0);
});
