import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Delivery, spoolSchema } from '../../src/outputs/delivery.js';
import { NdjsonFileOutput, NdjsonStreamOutput, ndjsonOutput, ndjsonSchema, type NdjsonOptions } from '../../src/outputs/ndjson-file.js';
import type { OutputRecord } from '../../src/events/record.js';
import { OutputSet } from '../../src/outputs/output-set.js';
import { context, eventually, range, rec, tempDir } from './spool-helpers.js';

const T0 = Date.UTC(2024, 4, 14, 8, 30);

function options(path: string, over: Partial<NdjsonOptions> = {}): NdjsonOptions {
  return ndjsonSchema.parse({ path, ...over });
}

/** A clock the test moves by hand. */
function clock(start = T0): { now: () => number; t: number } {
  const c = { t: start, now: () => c.t };
  return c;
}

function batch(from: number, n: number): OutputRecord[] {
  return range(from, from + n).map((i) => rec(i));
}

function linesIn(text: string): number[] {
  return text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { n: number }).n);
}

/** The rotated archives of events.ndjson, oldest first, decompressed. */
function archives(dir: string): Array<{ name: string; n: number[] }> {
  return readdirSync(dir)
    .filter((f) => f.startsWith('events-') && f.endsWith('.ndjson.gz'))
    .sort()
    .map((name) => ({ name, n: linesIn(gunzipSync(readFileSync(join(dir, name))).toString('utf8')) }));
}

test('ndjson options: defaults and the --output shorthand', () => {
  const d = ndjsonSchema.parse({});
  assert.deepEqual(d, { name: 'ndjson', path: '-', rotateBytes: 100 * 1024 * 1024, rotateInterval: 86_400, retain: 7, compress: true });
  assert.deepEqual(ndjsonOutput.fromTarget(undefined), {});
  assert.deepEqual(ndjsonOutput.fromTarget('/var/log/sip.ndjson'), { path: '/var/log/sip.ndjson' });
  assert.equal(ndjsonSchema.parse({ rotateBytes: '1MiB' }).rotateBytes, 1 << 20);
  assert.equal(ndjsonSchema.parse({ rotateInterval: '1h' }).rotateInterval, 3600);
  assert.equal(ndjsonSchema.safeParse({ rotate: 1 }).success, false);
  const { counters, log } = context();
  assert.ok(ndjsonOutput.create(ndjsonSchema.parse(ndjsonOutput.fromTarget('-')), { counters, log }) instanceof NdjsonStreamOutput);
  assert.ok(ndjsonOutput.create(ndjsonSchema.parse(ndjsonOutput.fromTarget('x.ndjson')), { counters, log }) instanceof NdjsonFileOutput);
});

test('size rotation: no file passes rotateBytes, rotated files are gzip, nothing is lost or reordered', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  const lineBytes = rec(0).json.length + 1;
  const c = clock();
  const out = new NdjsonFileOutput(options(path, { rotateBytes: lineBytes * 12, retain: 100 }), context(), c.now);
  await out.open();
  for (let i = 0; i < 20; i++) {
    await out.write(batch(i * 5, 5));
    c.t += 1000;
  }
  await out.close();
  const a = archives(dir);
  assert.ok(a.length >= 7, `${a.length} archives`);
  for (const f of a) assert.ok(f.n.length <= 12);
  assert.deepEqual([...a.flatMap((f) => f.n), ...linesIn(readFileSync(path, 'utf8'))], range(0, 100));
  assert.ok(statSync(path).size <= lineBytes * 12);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp') || /Z\.ndjson$/.test(f)), [], 'no leftovers');
});

test('time rotation: at each interval boundary, named after the rotation time', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  const c = clock();
  const out = new NdjsonFileOutput(options(path, { rotateInterval: 3600 }), context(), c.now);
  await out.open();
  await out.write(batch(0, 3));
  c.t = Date.UTC(2024, 4, 14, 8, 59, 59);
  await out.write(batch(3, 2)); // same hour
  c.t = Date.UTC(2024, 4, 14, 9, 0, 1);
  await out.write(batch(5, 4)); // the 9 o'clock period: rotates first
  c.t = Date.UTC(2024, 4, 14, 12, 10);
  await out.write(batch(9, 1)); // hours later: one rotation, no empty files
  await out.close();
  assert.deepEqual(archives(dir), [
    { name: 'events-20240514T090001Z.ndjson.gz', n: [0, 1, 2, 3, 4] },
    { name: 'events-20240514T121000Z.ndjson.gz', n: [5, 6, 7, 8] },
  ]);
  assert.deepEqual(linesIn(readFileSync(path, 'utf8')), [9]);
});

test('a file left from an earlier period is rotated at open; leftovers of a crash are finished', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  writeFileSync(path, rec(1).json + '\n');
  const yesterday = (T0 - 86_400_000) / 1000;
  utimesSync(path, yesterday, yesterday);
  writeFileSync(join(dir, 'events-20240512T000000Z.ndjson'), rec(0).json + '\n'); // rotated, never compressed
  writeFileSync(join(dir, 'events-20240511T000000Z.ndjson.gz.tmp'), 'half an archive');
  const out = new NdjsonFileOutput(options(path), context(), clock().now);
  await out.open();
  await out.write(batch(2, 1));
  await out.close();
  assert.deepEqual(archives(dir), [
    { name: 'events-20240512T000000Z.ndjson.gz', n: [0] },
    { name: 'events-20240514T083000Z.ndjson.gz', n: [1] },
  ]);
  assert.equal(existsSync(join(dir, 'events-20240511T000000Z.ndjson.gz.tmp')), false);
  assert.deepEqual(linesIn(readFileSync(path, 'utf8')), [2]);
});

test('retention keeps the newest `retain` rotated files', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  // Older archives of this file, and a file of another stem that must stay.
  writeFileSync(join(dir, 'events-20200101T000000Z.ndjson.gz'), gzipSync(rec(999).json + '\n'));
  writeFileSync(join(dir, 'other-20200101T000000Z.ndjson.gz'), gzipSync('x\n'));
  const c = clock();
  const out = new NdjsonFileOutput(options(path, { rotateInterval: 60, retain: 3 }), context(), c.now);
  await out.open();
  for (let i = 0; i < 10; i++) {
    await out.write(batch(i, 1));
    c.t += 60_000;
  }
  await out.close();
  // Same second twice would have produced -1 names; here each minute has its own stamp.
  assert.deepEqual(archives(dir).map((f) => f.n), [[6], [7], [8]]);
  assert.ok(existsSync(join(dir, 'other-20200101T000000Z.ndjson.gz')));
});

test('rotations within one second get distinct names in order', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  const lineBytes = rec(0).json.length + 1;
  const out = new NdjsonFileOutput(options(path, { rotateBytes: lineBytes, retain: 10, compress: false }), context(), clock().now);
  await out.open();
  for (let i = 0; i < 4; i++) await out.write(batch(i, 1));
  await out.close();
  const names = readdirSync(dir).filter((f) => f.startsWith('events-')).sort();
  assert.deepEqual(names, ['events-20240514T083000Z-1.ndjson', 'events-20240514T083000Z-2.ndjson', 'events-20240514T083000Z.ndjson']);
  assert.deepEqual(linesIn(readFileSync(join(dir, names[2]!), 'utf8')), [0], 'uncompressed when compress is false');
});

test('reopen() after an external rotation writes to a fresh file at the same path', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  const out = new NdjsonFileOutput(options(path), context(), clock().now);
  await out.open();
  await out.write(batch(0, 2));
  renameSync(path, path + '.1'); // logrotate's move
  await out.write(batch(2, 1)); // still the old inode
  await out.reopen();
  await out.write(batch(3, 2));
  await out.close();
  assert.deepEqual(linesIn(readFileSync(path + '.1', 'utf8')), [0, 1, 2]);
  assert.deepEqual(linesIn(readFileSync(path, 'utf8')), [3, 4]);
});

test('through a Delivery: the file holds exactly the records, in order', async () => {
  const dir = tempDir();
  const path = join(dir, 'sub', 'events.ndjson');
  const ctx = context();
  const d = new Delivery(new NdjsonFileOutput(options(path), ctx), spoolSchema.parse({ dir: join(dir, 'spool'), batchSize: 64 }), ctx);
  const recs = batch(0, 1000);
  for (const r of recs) d.push(r);
  await d.close();
  assert.equal(readFileSync(path, 'utf8'), recs.map((r) => r.json + '\n').join(''));
  assert.equal(ctx.counters.get('output.ndjson.delivered'), 1000);
});

test('stream output: batches as lines; a closed pipe discards and counts instead of retrying', async () => {
  const ctx = context();
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const out = new NdjsonStreamOutput('stdout', ctx, sink);
  await out.open();
  await out.write(batch(0, 3));
  assert.deepEqual(linesIn(text), [0, 1, 2]);
  await out.close();

  const pipe = new Writable({
    write(_chunk, _enc, cb) {
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const closed = new NdjsonStreamOutput('stdout', ctx, pipe);
  await closed.open();
  await closed.write(batch(0, 2));
  await closed.write(batch(2, 3));
  assert.equal(ctx.counters.get('output.stdout.rejected'), 5);
  await closed.close();
});

test('an OutputSet passes reopen() on to its file outputs (SIGHUP after logrotate)', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  const ctx = context();
  const spool = spoolSchema.parse({ dir: join(dir, 'spool'), batchWaitMs: 0 });
  const set = new OutputSet(ctx, [{ kind: ndjsonOutput, options: ndjsonSchema.parse(ndjsonOutput.fromTarget(path)), spool }]);
  for (const r of batch(0, 3)) set.push(r);
  await eventually(() => ctx.counters.get('output.ndjson.delivered') === 3, 'first records');
  renameSync(path, path + '.1');
  await set.reopen();
  for (const r of batch(3, 2)) set.push(r);
  await set.close();
  assert.deepEqual(linesIn(readFileSync(path + '.1', 'utf8')), [0, 1, 2]);
  assert.deepEqual(linesIn(readFileSync(path, 'utf8')), [3, 4]);
});
