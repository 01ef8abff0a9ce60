import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readCapture, readCaptureStream } from '../../src/capture/read-capture.js';
import type { CaptureSummary } from '../../src/capture/read-capture.js';
import { FIXTURES, SHARED_PCAPS, sharedPcap } from '../helpers/paths.js';
import { copyFrame } from './capture-test-utils.js';
import type { SeenFrame } from './capture-test-utils.js';

const tmp = mkdtempSync(join(tmpdir(), 'sipsentry-capture-'));

async function readAll(path: string): Promise<{ summary: CaptureSummary; frames: SeenFrame[] }> {
  const frames: SeenFrame[] = [];
  const summary = await readCapture(path, (f) => frames.push(copyFrame(f)));
  return { summary, frames };
}

/** File name → packet count, from the summary table of the shared MANIFEST. */
function manifestPacketCounts(): Map<string, number> {
  const text = readFileSync(join(SHARED_PCAPS, '..', 'MANIFEST.md'), 'utf8');
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^\| ([\w.-]+\.pcap(?:ng)?) \| (\d+) \| (\d+) \|/gm)) out.set(m[1]!, Number(m[3]));
  return out;
}

test('every shared public capture reads with the packet count of the MANIFEST', async () => {
  const counts = manifestPacketCounts();
  assert.equal(counts.size, 38);
  let total = 0;
  for (const [name, packets] of counts) {
    const { summary } = await readAll(sharedPcap(name));
    assert.equal(summary.error, null, name);
    assert.equal(summary.frames, packets, name);
    assert.equal(summary.format, name.endsWith('.pcapng') ? 'pcapng' : 'pcap', name);
    assert.equal(summary.gzip, false);
    total += summary.frames;
  }
  assert.equal(total, 7917);
});

test('shared captures: link types, first frame and byte count', async () => {
  const expectations: Array<[string, number[], number]> = [
    ['heplify_ipip0.pcap', [101], 6085],
    ['heplify_sip_sctp.pcap', [113], 3456],
    ['suricata_sip-body-large_sip-body-large.pcap', [0], 67200],
    ['ndpi_gre_sip.pcapng', [1], 23912],
  ];
  for (const [name, linkTypes, bytes] of expectations) {
    const { summary, frames } = await readAll(sharedPcap(name));
    assert.deepEqual(summary.linkTypes, linkTypes, name);
    assert.equal(summary.bytes, bytes, name);
    if (!name.endsWith('.pcapng')) assert.equal(frames[0]!.offset, 24, name);
    assert.equal(frames[0]!.source, sharedPcap(name));
  }
  // One exact timestamp cross-checked with tshark (frame.time_epoch of the first packet).
  const { frames } = await readAll(sharedPcap('pkts_simple_invite_scenario.pcap'));
  const tshark = spawnSync('tshark', ['-r', sharedPcap('pkts_simple_invite_scenario.pcap'), '-c', '1', '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
  if (tshark.status === 0) {
    const [sec, frac] = tshark.stdout.trim().split('.') as [string, string];
    assert.equal(frames[0]!.tsUs, Number(sec) * 1_000_000 + Number(frac.slice(0, 6)));
  }
});

interface ExpectedFile {
  format: string;
  frames: number;
  linkTypes: number[];
  firstTsUs: number;
  lastTsUs: number;
}

test('every fixture reads with the frames, link types and timestamps of expected.json', async () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { files: Record<string, ExpectedFile> };
  const names = Object.keys(expected.files);
  assert.equal(names.length, 15);
  for (const name of names) {
    const e = expected.files[name]!;
    const { summary, frames } = await readAll(join(FIXTURES, name));
    assert.equal(summary.error, null, name);
    assert.equal(summary.frames, e.frames, name);
    assert.deepEqual(summary.linkTypes, e.linkTypes, name);
    assert.equal(summary.gzip, e.format === 'pcap.gz', name);
    assert.equal(summary.format, e.format === 'pcapng' ? 'pcapng' : 'pcap', name);
    assert.equal(frames[0]!.tsUs, e.firstTsUs, name);
    assert.equal(frames[frames.length - 1]!.tsUs, e.lastTsUs, name);
  }
});

test('gzip input: same frames as the decompressed file', async () => {
  const gz = readFileSync(join(FIXTURES, 'gzip.pcap.gz'));
  const plain = join(tmp, 'plain.pcap');
  writeFileSync(plain, gunzipSync(gz));
  const a = await readAll(join(FIXTURES, 'gzip.pcap.gz'));
  const b = await readAll(plain);
  assert.equal(a.summary.gzip, true);
  assert.equal(a.summary.frames, 6);
  assert.equal(a.summary.bytes, b.summary.bytes);
  assert.deepEqual(a.frames.map((f) => [f.tsUs, f.data, f.offset]), b.frames.map((f) => [f.tsUs, f.data, f.offset]));
});

test('gzip truncated or corrupt: frames before the damage, then capture.gzip_corrupt', async () => {
  const gz = readFileSync(join(FIXTURES, 'gzip.pcap.gz'));
  const full = (await readAll(join(FIXTURES, 'gzip.pcap.gz'))).frames;
  const cutFile = join(tmp, 'cut.pcap.gz');
  writeFileSync(cutFile, gz.subarray(0, gz.length - 20));
  const cut = await readAll(cutFile);
  assert.equal(cut.summary.error?.code, 'capture.gzip_corrupt');
  assert.equal(cut.summary.error?.source, cutFile);
  assert.equal(cut.summary.error?.offset, cut.summary.bytes);
  assert.deepEqual(cut.frames, full.slice(0, cut.frames.length).map((f) => ({ ...f, source: cutFile })));
  const bad = Buffer.from(gz);
  for (let i = 20; i < 60; i++) bad[i] = bad[i]! ^ 0xa5;
  const badFile = join(tmp, 'bad.pcap.gz');
  writeFileSync(badFile, bad);
  const b = await readAll(badFile);
  assert.equal(b.summary.error?.code, 'capture.gzip_corrupt');
  assert.equal(b.summary.gzip, true);
});

test('gzip of a damaged capture: the capture error is reported, gzip flag set', async () => {
  const pcap = gunzipSync(readFileSync(join(FIXTURES, 'gzip.pcap.gz')));
  const cutFile = join(tmp, 'cut-inside.pcap.gz');
  writeFileSync(cutFile, gzipSync(pcap.subarray(0, pcap.length - 3)));
  const cut = await readAll(cutFile);
  assert.deepEqual([cut.summary.frames, cut.summary.gzip, cut.summary.error?.code], [5, true, 'capture.truncated_record']);
  assert.equal(cut.summary.error?.offset, cut.frames[4]!.offset + 16 + (cut.frames[4]!.data.length / 2));
  const junkFile = join(tmp, 'junk.gz');
  writeFileSync(junkFile, gzipSync(Buffer.from('hello, not a capture')));
  const junk = await readAll(junkFile);
  assert.deepEqual([junk.summary.frames, junk.summary.gzip, junk.summary.error?.code], [0, true, 'capture.unknown_format']);
});

test('stdin: "-" reads a capture piped into the process', () => {
  const module = new URL('../../src/capture/read-capture.js', import.meta.url).href;
  const code = `import { readCapture } from ${JSON.stringify(module)};
const ts = [];
const s = await readCapture('-', (f) => ts.push(f.tsUs + ':' + f.source + ':' + f.data.length));
process.stdout.write(JSON.stringify({ s, ts }));`;
  for (const name of ['odd-port.pcap', 'gzip.pcap.gz', 'links.pcapng']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { input: readFileSync(join(FIXTURES, name)), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { s: CaptureSummary; ts: string[] };
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')).files[name] as ExpectedFile;
    assert.equal(out.s.error, null, name);
    assert.equal(out.s.frames, expected.frames, name);
    assert.equal(out.ts[0]!.split(':')[0], String(expected.firstTsUs));
    assert.equal(out.ts[0]!.split(':')[1], 'stdin');
  }
});

test('readCaptureStream over 1-byte chunks equals the file reader', async () => {
  const path = join(FIXTURES, 'tcp-pipelined.pcap');
  const bytes = readFileSync(path);
  const file = await readAll(path);
  const frames: SeenFrame[] = [];
  const chunks = (function* () {
    for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
  })();
  const s = await readCaptureStream(Readable.from(chunks), path, (f) => frames.push(copyFrame(f)));
  assert.deepEqual(s, file.summary);
  assert.deepEqual(frames, file.frames);
  // And the gzip layer under 1-byte chunks.
  const gz = readFileSync(join(FIXTURES, 'gzip.pcap.gz'));
  const gzFrames: SeenFrame[] = [];
  const gzChunks = (function* () {
    for (let i = 0; i < gz.length; i++) yield gz.subarray(i, i + 1);
  })();
  const g = await readCaptureStream(Readable.from(gzChunks), 'g', (f) => gzFrames.push(copyFrame(f)));
  assert.deepEqual([g.error, g.frames, g.gzip], [null, 6, true]);
});

test('missing file: capture.open_failed with the OS message, no throw', async () => {
  const path = join(tmp, 'does-not-exist.pcap');
  const { summary } = await readAll(path);
  assert.deepEqual({ ...summary, error: null }, { frames: 0, bytes: 0, format: 'unknown', gzip: false, linkTypes: [], error: null });
  assert.equal(summary.error?.code, 'capture.open_failed');
  assert.equal(summary.error?.source, path);
  assert.equal(summary.error?.offset, 0);
  assert.match(summary.error!.message, /ENOENT/);
});

test('not a capture: unknown format, empty file, a directory', async () => {
  const text = join(tmp, 'notes.txt');
  writeFileSync(text, 'INVITE sip:bob@example.com SIP/2.0\r\n');
  assert.equal((await readAll(text)).summary.error?.code, 'capture.unknown_format');
  const empty = join(tmp, 'empty.pcap');
  writeFileSync(empty, '');
  assert.equal((await readAll(empty)).summary.error?.code, 'capture.empty');
  assert.equal((await readAll(tmp)).summary.error?.code, 'capture.read_failed');
});

test('a stream failing midway: frames so far, then capture.read_failed at the byte reached', async () => {
  const bytes = readFileSync(join(FIXTURES, 'odd-port.pcap'));
  const whole = (await readAll(join(FIXTURES, 'odd-port.pcap'))).frames;
  const cut = whole[2]!.offset + 10;
  async function* failing(): AsyncGenerator<Buffer> {
    yield bytes.subarray(0, cut);
    throw new Error('device unplugged');
  }
  const frames: SeenFrame[] = [];
  const s = await readCaptureStream(failing(), 'live', (f) => frames.push(copyFrame(f)));
  assert.equal(s.error?.code, 'capture.read_failed');
  assert.equal(s.error?.offset, cut);
  assert.match(s.error!.message, /device unplugged/);
  assert.deepEqual(frames, whole.slice(0, 2).map((f) => ({ ...f, source: 'live' })));
});

test('an exception thrown by onFrame rejects the read', async () => {
  await assert.rejects(
    readCapture(join(FIXTURES, 'odd-port.pcap'), () => {
      throw new Error('consumer bug');
    }),
    /consumer bug/,
  );
});
