import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Spool, type SpoolLimits } from '../../src/outputs/spool.js';
import type { OutputRecord } from '../../src/events/record.js';
import { context, nums, range, rec, tempDir, turn } from './spool-helpers.js';

function limits(dir: string, over: Partial<SpoolLimits> = {}): SpoolLimits {
  return { dir, maxBytes: 1 << 30, segmentBytes: 64 << 20, memoryRecords: 10_000, ...over };
}

/** Takes and acknowledges everything the spool has, in batches of max. */
function drain(s: Spool, max = 7): OutputRecord[] {
  const out: OutputRecord[] = [];
  for (;;) {
    const b = s.take(max);
    if (b.length === 0) return out;
    out.push(...b);
    s.ack();
  }
}

function segments(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ndjson')) : [];
}

test('while the output keeps up, records stay in memory, in order, and the directory is never created', () => {
  const dir = join(tempDir(), 'out');
  const { counters, log } = context();
  const s = new Spool('t', limits(dir), counters, log);
  for (let i = 0; i < 10; i++) s.push(rec(i));
  const first = s.take(4);
  assert.deepEqual(nums(first), [0, 1, 2, 3]);
  // Not acknowledged: the same batch again (a retry).
  assert.equal(s.take(4), first);
  s.ack();
  assert.deepEqual(nums(drain(s, 4)), range(4, 10));
  assert.equal(s.size, 0);
  s.close();
  assert.equal(existsSync(dir), false);
});

test('order holds across memory → disk → memory, the held batch included', async () => {
  const dir = join(tempDir(), 'out');
  const { counters, log } = context();
  const s = new Spool('t', limits(dir, { memoryRecords: 5, segmentBytes: 2000 }), counters, log);
  const got: OutputRecord[] = [];
  for (let i = 0; i < 3; i++) s.push(rec(i));
  const held = s.take(2); // taken from memory, in flight
  assert.deepEqual(nums(held), [0, 1]);
  for (let i = 3; i < 40; i++) s.push(rec(i)); // past memoryRecords: a spill is queued
  await turn();
  assert.ok(s.onDisk >= 38, `on disk: ${s.onDisk}`);
  assert.ok(segments(dir).length > 1, 'several segments');
  got.push(...s.take(2));
  s.ack();
  got.push(...s.take(10));
  s.ack();
  for (let i = 40; i < 45; i++) s.push(rec(i)); // behind the files, in memory
  got.push(...drain(s));
  assert.deepEqual(segments(dir), [], 'delivered segments are deleted');
  for (let i = 45; i < 48; i++) s.push(rec(i)); // memory again
  got.push(...drain(s));
  assert.deepEqual(nums(got), range(0, 48));
  assert.equal(counters.get('output.t.dropped'), 0);
  s.close();
});

test('a failing output sends every record to disk at the next turn', async () => {
  const dir = join(tempDir(), 'out');
  const { counters, log } = context();
  const s = new Spool('t', limits(dir), counters, log);
  s.failing = true;
  for (let i = 0; i < 5; i++) s.push(rec(i));
  assert.equal(s.onDisk, 0, 'push itself never writes');
  await turn();
  assert.equal(s.onDisk, 5);
  s.failing = false;
  assert.deepEqual(nums(drain(s)), range(0, 5));
  s.close();
});

test('a restart on the same directory resumes without loss and without duplicates', async () => {
  const dir = join(tempDir(), 'out');
  const { counters, log } = context();
  const a = new Spool('t', limits(dir, { segmentBytes: 1500 }), counters, log);
  a.failing = true;
  for (let i = 0; i < 50; i++) a.push(rec(i));
  await turn();
  const delivered = [...a.take(10)];
  a.ack();
  delivered.push(...a.take(5)); // 10..14 in flight …
  a.ack();
  a.take(10); // … 15..24 taken but never acknowledged
  a.failing = false;
  for (let i = 50; i < 60; i++) a.push(rec(i)); // memory only
  a.close(); // persists memory behind the files
  a.push(rec(999));
  assert.equal(counters.get('output.t.dropped'), 1, 'a push after close is counted');

  const b = new Spool('t', limits(dir, { segmentBytes: 1500 }), counters, log);
  assert.equal(b.onDisk, 45);
  delivered.push(...drain(b));
  assert.deepEqual(nums(delivered), range(0, 60));
  b.close();
  assert.deepEqual(segments(dir), []);
});

test('a memory batch in flight at shutdown is persisted ahead of everything else', () => {
  const dir = join(tempDir(), 'out');
  const { counters, log } = context();
  const a = new Spool('t', limits(dir), counters, log);
  for (let i = 0; i < 8; i++) a.push(rec(i));
  assert.deepEqual(nums(a.take(3)), [0, 1, 2]);
  a.close();
  const b = new Spool('t', limits(dir), counters, log);
  assert.deepEqual(nums(drain(b)), range(0, 8));
  b.close();
});

test('a full spool drops the newest records, counts them, and delivers the rest in order', async () => {
  const dir = join(tempDir(), 'out');
  const { counters, log } = context();
  const s = new Spool('t', limits(dir, { maxBytes: 6000, segmentBytes: 2000, memoryRecords: 20 }), counters, log);
  s.failing = true;
  const delivered: OutputRecord[] = [];
  let generated = 0;
  for (let round = 0; round < 5; round++) {
    for (let k = 0; k < 40; k++) s.push(rec(generated++));
    await turn();
    assert.ok(s.bytesOnDisk <= 6000, `disk ${s.bytesOnDisk}`);
    delivered.push(...s.take(10)); // the output comes and goes
    s.ack();
  }
  const dropped = counters.get('output.t.dropped');
  assert.ok(dropped > 0);
  assert.equal(generated, delivered.length + dropped + s.size);
  s.failing = false;
  delivered.push(...drain(s));
  assert.equal(generated, delivered.length + dropped);
  const n = nums(delivered);
  assert.deepEqual(n, [...n].sort((x, y) => x - y), 'in order');
  assert.equal(new Set(n).size, n.length, 'no duplicates');
  s.close();
});

test('corrupt, torn and non-object lines are skipped and counted, never fatal', () => {
  const dir = join(tempDir(), 'out');
  mkdirSync(dir, { recursive: true });
  const good = (i: number): string => rec(i).json + '\n';
  writeFileSync(join(dir, '000000000001.ndjson'), good(0) + 'not json\n' + '[1,2]\n' + '\n' + good(1));
  writeFileSync(join(dir, '000000000002.ndjson'), good(2) + '{"torn":');
  writeFileSync(join(dir, '000000000003.ndjson'), good(3));
  const { counters, log } = context();
  const s = new Spool('t', limits(dir), counters, log);
  assert.equal(s.onDisk, 8);
  assert.deepEqual(nums(drain(s, 100)), [0, 1, 2, 3]);
  assert.equal(counters.get('output.t.spool_corrupt'), 4);
  assert.equal(s.onDisk, 0);
  assert.deepEqual(segments(dir), []);
  // New records after the torn file go to a fresh segment, never glued to the torn line.
  s.failing = true;
  s.push(rec(4));
  s.close();
  const t = new Spool('t', limits(dir), counters, log);
  assert.deepEqual(nums(drain(t)), [4]);
  t.close();
});

test('an unreadable cursor resends the spooled segments rather than lose them', () => {
  const dir = join(tempDir(), 'out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '000000000004.ndjson'), rec(0).json + '\n' + rec(1).json + '\n');
  writeFileSync(join(dir, 'cursor.json'), '{"seq":4,"off');
  const { counters, log } = context();
  const s = new Spool('t', limits(dir), counters, log);
  assert.deepEqual(nums(drain(s)), [0, 1]);
  assert.equal(counters.get('output.t.spool_corrupt'), 1);
  s.close();
});

test('property: any mix of pushes, batches, failures, spills and restarts delivers everything once, in order', async () => {
  type Op =
    | { op: 'push'; n: number }
    | { op: 'deliver'; max: number }
    | { op: 'fail'; max: number }
    | { op: 'failing'; on: boolean }
    | { op: 'turn' }
    | { op: 'restart' };
  const ops = fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('push' as const), n: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ op: fc.constant('deliver' as const), max: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ op: fc.constant('fail' as const), max: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ op: fc.constant('failing' as const), on: fc.boolean() }),
      fc.constant({ op: 'turn' as const }),
      fc.constant({ op: 'restart' as const }),
    ),
    { maxLength: 40 },
  );
  const root = tempDir();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(ops, fc.integer({ min: 0, max: 30 }), async (script: Op[], memoryRecords) => {
      const dir = join(root, String(run++));
      const lim = limits(dir, { memoryRecords, segmentBytes: 3000 });
      const { counters, log } = context();
      let s = new Spool('t', lim, counters, log);
      let pushed = 0;
      const delivered: OutputRecord[] = [];
      for (const step of script) {
        if (step.op === 'push') for (let k = 0; k < step.n; k++) s.push(rec(pushed++));
        else if (step.op === 'deliver') {
          delivered.push(...s.take(step.max));
          s.ack();
        } else if (step.op === 'fail') s.take(step.max);
        else if (step.op === 'failing') s.failing = step.on;
        else if (step.op === 'turn') await turn();
        else {
          s.close();
          s = new Spool('t', lim, counters, log);
        }
      }
      delivered.push(...drain(s));
      s.close();
      assert.equal(counters.get('output.t.dropped'), 0);
      assert.equal(counters.get('output.t.spool_corrupt'), 0);
      assert.deepEqual(nums(delivered), range(0, pushed));
      assert.deepEqual(segments(dir), []);
    }),
    { seed: 42, numRuns: 150 },
  );
});

test('property: with a small cap, what is not dropped arrives once and in order, and every record is accounted for', async () => {
  const script = fc.array(
    fc.oneof(
      fc.record({ push: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ deliver: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ restart: fc.constant(true) }),
      fc.record({ turn: fc.constant(true) }),
    ),
    { maxLength: 40 },
  );
  const root = tempDir();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(script, fc.integer({ min: 0, max: 20 }), async (steps, memoryRecords) => {
      const lim = limits(join(root, String(run++)), { memoryRecords, maxBytes: 4000, segmentBytes: 1500 });
      const { counters, log } = context();
      let s = new Spool('t', lim, counters, log);
      s.failing = true;
      let pushed = 0;
      const delivered: OutputRecord[] = [];
      for (const step of steps) {
        if ('push' in step) for (let k = 0; k < step.push; k++) s.push(rec(pushed++));
        else if ('deliver' in step) {
          delivered.push(...s.take(step.deliver));
          s.ack();
        } else if ('turn' in step) await turn();
        else {
          s.close();
          s = new Spool('t', lim, counters, log);
          s.failing = true;
        }
        assert.ok(s.bytesOnDisk <= 4000 + 60 * 200, 'cap (plus at most one held batch)');
      }
      delivered.push(...drain(s));
      s.close();
      const n = nums(delivered);
      assert.deepEqual(n, [...n].sort((a, b) => a - b), 'in order');
      assert.equal(new Set(n).size, n.length, 'once');
      assert.equal(n.length + counters.get('output.t.dropped'), pushed);
    }),
    { seed: 42, numRuns: 150 },
  );
});
