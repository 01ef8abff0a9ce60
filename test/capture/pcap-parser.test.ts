import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PcapParser } from '../../src/capture/pcap-parser.js';
import { encodePcap } from '../../src/capture/pcap-writer.js';
import type { PcapRecord } from '../../src/capture/pcap-writer.js';
import type { Frame } from '../../src/capture/frame.js';
import { oneByteChunks, parseChunked } from './capture-test-utils.js';

// Seeded so CI runs are reproducible; change the seed to explore further.
fc.configureGlobal({ seed: 20261122 });

const T0 = 1715677200_000000;

function records(): PcapRecord[] {
  return [
    { tsUs: T0 + 1, data: Buffer.from('aabbccdd', 'hex') },
    { tsUs: T0 + 999_999, data: Buffer.from('0102030405', 'hex'), origLen: 1500 },
    { tsUs: T0 + 2_000_000, data: Buffer.alloc(0) },
  ];
}

test('pcap little-endian microseconds: every field of every frame', () => {
  const buf = encodePcap(records(), { linkType: 1 });
  const r = parseChunked(buf);
  assert.equal(r.error, null);
  assert.equal(r.format, 'pcap');
  assert.deepEqual(r.linkTypes, [1]);
  assert.deepEqual(r.frames, [
    { tsUs: T0 + 1, linkType: 1, data: 'aabbccdd', origLen: 4, source: 'test.pcap', offset: 24 },
    { tsUs: T0 + 999_999, linkType: 1, data: '0102030405', origLen: 1500, source: 'test.pcap', offset: 44 },
    { tsUs: T0 + 2_000_000, linkType: 1, data: '', origLen: 0, source: 'test.pcap', offset: 65 },
  ]);
  assert.equal(r.bytes, buf.length);
});

test('pcap big-endian microseconds reads the same frames', () => {
  const le = parseChunked(encodePcap(records(), { linkType: 113 }));
  const be = parseChunked(encodePcap(records(), { linkType: 113, bigEndian: true }));
  assert.equal(be.error, null);
  assert.deepEqual(be.frames, le.frames);
  assert.deepEqual(be.linkTypes, [113]);
});

test('pcap nanosecond magic in both byte orders truncates to whole microseconds', () => {
  const recs: PcapRecord[] = [
    { tsUs: T0 + 5, extraNs: 999, data: Buffer.from('01', 'hex') },
    { tsUs: T0 + 6, extraNs: 0, data: Buffer.from('02', 'hex') },
  ];
  for (const bigEndian of [false, true]) {
    const buf = encodePcap(recs, { linkType: 101, nanoseconds: true, bigEndian });
    assert.equal(buf.readUInt32BE(0), bigEndian ? 0xa1b23c4d : 0x4d3cb2a1);
    const r = parseChunked(buf);
    assert.equal(r.error, null);
    assert.deepEqual(r.frames.map((f) => f.tsUs), [T0 + 5, T0 + 6]);
    // The raw nanosecond field holds the sub-microsecond digits.
    assert.equal(bigEndian ? buf.readUInt32BE(24 + 4) : buf.readUInt32LE(24 + 4), 5999);
  }
});

test('pcap reads Kuznetzov modified records (24-byte record headers)', () => {
  const header = encodePcap([], { linkType: 1 });
  header.writeUInt32LE(0xa1b2cd34, 0);
  const rec = Buffer.alloc(24 + 3);
  rec.writeUInt32LE(1715677200, 0);
  rec.writeUInt32LE(250, 4);
  rec.writeUInt32LE(3, 8);
  rec.writeUInt32LE(60, 12);
  rec.writeUInt32LE(7, 16); // ifindex
  Buffer.from('abcdef', 'hex').copy(rec, 24);
  const r = parseChunked(Buffer.concat([header, rec, rec]));
  assert.equal(r.error, null);
  assert.deepEqual(r.frames.map((f) => [f.tsUs, f.data, f.origLen, f.offset]), [
    [T0 + 250, 'abcdef', 60, 24],
    [T0 + 250, 'abcdef', 60, 51],
  ]);
});

test('pcap link type keeps the lower 16 bits (upper bits carry FCS information)', () => {
  const buf = encodePcap([{ tsUs: T0, data: Buffer.from('00', 'hex') }], { linkType: 1 });
  buf.writeUInt32LE((0x14000000 | 1) >>> 0, 20);
  const r = parseChunked(buf);
  assert.deepEqual(r.linkTypes, [1]);
  assert.equal(r.frames[0]!.linkType, 1);
});

test('pcap frames are identical whatever the chunk boundaries', () => {
  const buf = encodePcap(records(), { linkType: 1 });
  const whole = parseChunked(buf).frames;
  for (let cut = 0; cut <= buf.length; cut++) {
    assert.deepEqual(parseChunked(buf, [cut]).frames, whole, `cut at ${cut}`);
  }
  assert.deepEqual(parseChunked(buf, oneByteChunks(buf)).frames, whole);
});

test('property: random pcap records survive random chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 5_000_000 }), data: fc.uint8Array({ maxLength: 80 }) }), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }),
      fc.boolean(),
      (recs, chunks, bigEndian) => {
        let t = T0;
        const input = recs.map((x) => ({ tsUs: (t += x.dt), data: Buffer.from(x.data) }));
        const buf = encodePcap(input, { linkType: 1, bigEndian });
        const r = parseChunked(buf, chunks);
        assert.equal(r.error, null);
        assert.deepEqual(r.frames.map((f) => [f.tsUs, f.data]), input.map((x) => [x.tsUs, x.data.toString('hex')]));
      },
    ),
    { numRuns: 200 },
  );
});

test('pcap truncated at every byte offset: frames before the cut, the cut record named, no throw', () => {
  const recs = records();
  const buf = encodePcap(recs, { linkType: 1 });
  const whole = parseChunked(buf).frames;
  const ends = [24, 44, 65, 81]; // end offset of the file header and of each record
  for (let cut = 0; cut <= buf.length; cut++) {
    const r = parseChunked(buf.subarray(0, cut), [3]);
    const complete = ends.slice(1).filter((e) => e <= cut).length;
    assert.deepEqual(r.frames, whole.slice(0, complete), `frames at cut ${cut}`);
    if (cut === 0) assert.equal(r.error?.code, 'capture.empty');
    else if (cut < 4) assert.equal(r.error?.code, 'capture.unknown_format');
    else if (cut < 24) assert.deepEqual([r.error?.code, r.error?.offset], ['capture.truncated_header', 0]);
    else if (ends.includes(cut)) assert.equal(r.error, null, `clean cut at ${cut}`);
    else {
      const recordStart = Math.max(...ends.filter((e) => e <= cut));
      assert.deepEqual([r.error?.code, r.error?.offset, r.error?.source], ['capture.truncated_record', recordStart, 'test.pcap'], `cut ${cut}`);
      assert.match(r.error!.message, new RegExp(`at byte ${recordStart}$`));
    }
  }
});

test('pcap record longer than 256 KiB is an insane length: earlier frames kept, error at that record', () => {
  const good = encodePcap([{ tsUs: T0, data: Buffer.from('0a0b', 'hex') }], { linkType: 1 });
  const bad = Buffer.alloc(16);
  bad.writeUInt32LE(1715677200, 0);
  bad.writeUInt32LE(262145, 8);
  bad.writeUInt32LE(262145, 12);
  const r = parseChunked(Buffer.concat([good, bad, Buffer.alloc(100)]));
  assert.equal(r.frames.length, 1);
  assert.deepEqual([r.error?.code, r.error?.offset], ['capture.snaplen_exceeded', good.length]);
});

test('pcap maxRecordBytes is configurable', () => {
  const buf = encodePcap([{ tsUs: T0, data: Buffer.alloc(64) }, { tsUs: T0, data: Buffer.alloc(65) }], { linkType: 1 });
  const r = parseChunked(buf, [], { maxRecordBytes: 64 });
  assert.equal(r.frames.length, 1);
  assert.deepEqual([r.error?.code, r.error?.offset], ['capture.snaplen_exceeded', 24 + 16 + 64]);
});

test('PcapParser hands out one reused Frame object and ignores input after an error', () => {
  const seen: Frame[] = [];
  const p = new PcapParser('x', (f) => seen.push(f));
  const buf = encodePcap(records(), { linkType: 1 });
  p.push(buf);
  assert.equal(seen.length, 3);
  assert.equal(seen[0], seen[2]);
  const q = new PcapParser('y', () => {});
  q.push(Buffer.from('not a pcap header, but long enough'));
  assert.equal(q.error?.code, 'capture.unknown_format');
  q.push(buf);
  q.end();
  assert.equal(q.frames, 0);
  assert.equal(q.error?.code, 'capture.unknown_format');
});
