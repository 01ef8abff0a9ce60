import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { PcapWriter, encodePcap, pcapFileHeader } from '../../src/capture/pcap-writer.js';
import { readCapture } from '../../src/capture/read-capture.js';
import { parseChunked } from './capture-test-utils.js';

const T0 = 1715677200_000000;
const packets = [
  { tsUs: T0 + 1, data: Buffer.from('0102', 'hex') },
  { tsUs: T0 + 1_500_000, data: Buffer.alloc(300, 7) },
  { tsUs: T0 + 3_000_042, data: Buffer.from('ff', 'hex') },
];

async function collect(opts: ConstructorParameters<typeof PcapWriter>[1], sinkOpts: { highWaterMark?: number; slow?: boolean } = {}): Promise<{ bytes: Buffer; drains: number }> {
  const chunks: Buffer[] = [];
  const sink = sinkOpts.slow
    ? new Writable({
        highWaterMark: sinkOpts.highWaterMark ?? 16,
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          setImmediate(cb);
        },
      })
    : new PassThrough().on('data', (c: Buffer) => chunks.push(c));
  const w = new PcapWriter(sink, opts);
  let drains = 0;
  for (const p of packets) {
    if (!w.writePacket(p.tsUs, p.data)) {
      drains++;
      await w.drain();
    }
  }
  await w.close();
  assert.equal(w.packets, 3);
  assert.equal(w.bytes, Buffer.concat(chunks).length);
  return { bytes: Buffer.concat(chunks), drains };
}

test('the file header is pcap 2.4 with the requested magic, snaplen and link type', () => {
  assert.equal(pcapFileHeader({ linkType: 1 }).toString('hex'), 'd4c3b2a1' + '02000400' + '00000000' + '00000000' + '00000400' + '01000000');
  assert.equal(pcapFileHeader({ linkType: 276, nanoseconds: true, bigEndian: true, snaplen: 65535 }).toString('hex'), 'a1b23c4d' + '00020004' + '00000000' + '00000000' + '0000ffff' + '00000114');
});

test('streamed output equals encodePcap and reads back exactly (µs, little-endian)', async () => {
  const { bytes } = await collect({ linkType: 1, bufferBytes: 64 });
  assert.deepEqual(bytes, encodePcap(packets, { linkType: 1 }));
  const r = parseChunked(bytes);
  assert.deepEqual(r.frames.map((f) => [f.tsUs, f.data.length / 2, f.origLen]), [[T0 + 1, 2, 2], [T0 + 1_500_000, 300, 300], [T0 + 3_000_042, 1, 1]]);
});

test('nanosecond big-endian output reads back with the same microseconds', async () => {
  const { bytes } = await collect({ linkType: 101, nanoseconds: true, bigEndian: true });
  assert.equal(bytes.readUInt32BE(0), 0xa1b23c4d);
  assert.equal(bytes.readUInt32BE(24 + 4), 1000);
  const r = parseChunked(bytes);
  assert.deepEqual(r.frames.map((f) => f.tsUs), packets.map((p) => p.tsUs));
  assert.deepEqual(r.linkTypes, [101]);
});

test('records longer than the snaplen are cut and keep their original length', async () => {
  const { bytes } = await collect({ linkType: 1, snaplen: 100 });
  const r = parseChunked(bytes);
  assert.deepEqual(r.frames.map((f) => [f.data.length / 2, f.origLen]), [[2, 2], [100, 300], [1, 1]]);
});

test('backpressure: a slow sink makes writePacket ask for drain, and nothing is lost', async () => {
  const { bytes, drains } = await collect({ linkType: 1, bufferBytes: 1 }, { slow: true, highWaterMark: 1 });
  assert.equal(drains > 0, true);
  assert.deepEqual(bytes, encodePcap(packets, { linkType: 1 }));
});

test('toFile writes a capture that readCapture reads', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sipsentry-writer-')), 'out.pcap');
  const w = PcapWriter.toFile(path, { linkType: 1 });
  for (const p of packets) w.writePacket(p.tsUs, p.data);
  await w.close();
  assert.deepEqual(readFileSync(path), encodePcap(packets, { linkType: 1 }));
  const s = await readCapture(path, () => {});
  assert.deepEqual([s.frames, s.error], [3, null]);
});
