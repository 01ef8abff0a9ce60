import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { Delivery, spoolSchema, type SpoolOptions } from '../../src/outputs/delivery.js';
import { OutputSet } from '../../src/outputs/output-set.js';
import type { OutputKind } from '../../src/outputs/output.js';
import { context, eventually, FakeOutput, nums, range, rec, sleep, tempDir } from './spool-helpers.js';

function spool(dir: string, over: Partial<SpoolOptions> = {}): SpoolOptions {
  return spoolSchema.parse({ dir, batchSize: 100, batchWaitMs: 5, retryMinMs: 5, retryMaxMs: 40, ...over });
}

function spoolFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ndjson')) : [];
}

test('spool options: defaults, sizes with units, unknown keys refused', () => {
  const d = spoolSchema.parse({});
  assert.equal(d.maxBytes, 1024 ** 3);
  assert.equal(d.batchSize, 500);
  assert.equal(d.batchWaitMs, 1000);
  assert.equal(d.memoryRecords, 10_000);
  assert.equal(spoolSchema.parse({ maxBytes: '100MiB' }).maxBytes, 100 * 1024 * 1024);
  assert.equal(spoolSchema.parse({ maxBytes: '2 GB' }).maxBytes, 2e9);
  assert.equal(spoolSchema.safeParse({ maxBytes: '10 parsecs' }).success, false);
  assert.equal(spoolSchema.safeParse({ maxbytes: 1 }).success, false);
});

test('an output failing its first opens and writes gets every record exactly once, in order', async () => {
  const { counters, log } = context();
  const out = new FakeOutput('flaky');
  out.failOpens = 2;
  out.failWrites = 3;
  const d = new Delivery(out, spool(tempDir()), { counters, log });
  for (let i = 0; i < 2000; i++) d.push(rec(i));
  await eventually(() => out.accepted.length === 2000, 'all records');
  assert.deepEqual(nums(out.accepted), range(0, 2000));
  assert.equal(counters.get('output.flaky.delivered'), 2000);
  assert.equal(counters.get('output.flaky.failures'), 5);
  assert.equal(counters.get('output.flaky.retries'), 5);
  assert.equal(counters.get('output.flaky.dropped'), 0);
  assert.ok(out.batches.every((n) => n <= 100), 'batch size honoured');
  await d.close();
  assert.equal(out.closed, true);
});

test('a slow output: the backlog goes to disk, one write at a time, and comes back in order', async () => {
  const dir = tempDir();
  const { counters, log } = context();
  const out = new FakeOutput('slow');
  out.delayMs = 15;
  const d = new Delivery(out, spool(dir, { memoryRecords: 50 }), { counters, log });
  let peak = 0;
  for (let i = 0; i < 1500; i++) {
    d.push(rec(i));
    if (i % 100 === 99) {
      await sleep(1);
      peak = Math.max(peak, d.gauges()['output.slow.spooled']!);
    }
  }
  await eventually(() => out.accepted.length === 1500, 'all records');
  assert.ok(peak > 0, 'records waited on disk');
  assert.equal(out.maxInFlight, 1);
  assert.deepEqual(nums(out.accepted), range(0, 1500));
  await d.close();
  assert.deepEqual(spoolFiles(join(dir, 'slow')), []);
});

test('an output down for a while: records wait on disk, then arrive once and in order', async () => {
  const dir = tempDir();
  const { counters, log } = context();
  const out = new FakeOutput('flappy');
  out.down = true;
  const d = new Delivery(out, spool(dir), { counters, log });
  for (let i = 0; i < 500; i++) d.push(rec(i));
  await eventually(() => counters.get('output.flappy.failures') >= 3, 'failed opens');
  await eventually(() => d.gauges()['output.flappy.spooled'] === 500, 'records on disk');
  assert.ok(spoolFiles(join(dir, 'flappy')).length > 0);
  out.down = false;
  for (let i = 500; i < 700; i++) d.push(rec(i));
  await eventually(() => out.accepted.length === 700, 'all records');
  out.down = true; // down again, in the middle of a run
  for (let i = 700; i < 900; i++) d.push(rec(i));
  await eventually(() => d.gauges()['output.flappy.spooled'] === 200, 'second backlog on disk');
  out.down = false;
  await eventually(() => out.accepted.length === 900, 'second backlog delivered');
  assert.deepEqual(nums(out.accepted), range(0, 900));
  await d.close();
});

test('push() is synchronous: it returns nothing to await and never lets the output run', async () => {
  const { counters, log } = context();
  const out = new FakeOutput('sync');
  const d = new Delivery(out, spool(tempDir(), { memoryRecords: 1000 }), { counters, log });
  for (let i = 0; i < 20_000; i++) assert.equal(d.push(rec(i)) as unknown, undefined);
  // The loop never turned while we pushed: no write can have happened yet.
  assert.equal(out.writes, 0);
  assert.equal(d.waiting, 20_000);
  await d.close({ timeoutMs: 20_000 });
  assert.deepEqual(nums(out.accepted), range(0, 20_000));
});

test('close() drains what waits, including a partial batch, then closes the output', async () => {
  const dir = tempDir();
  const { counters, log } = context();
  const out = new FakeOutput('drain');
  const d = new Delivery(out, spool(dir, { batchWaitMs: 60_000 }), { counters, log });
  for (let i = 0; i < 250; i++) d.push(rec(i));
  await d.close();
  assert.deepEqual(nums(out.accepted), range(0, 250));
  assert.equal(out.closed, true);
  assert.equal(existsSync(join(dir, 'drain')), false, 'nothing ever needed the disk');
});

test('close() with the output down persists the spool; a restart on the same directory delivers it once', async () => {
  const dir = tempDir();
  const { counters, log } = context();
  const down = new FakeOutput('pg');
  down.down = true;
  const a = new Delivery(down, spool(dir), { counters, log });
  for (let i = 0; i < 300; i++) a.push(rec(i));
  await a.close({ timeoutMs: 30 });
  assert.equal(down.accepted.length, 0);
  assert.equal(down.closed, false, 'never opened, never closed');
  assert.equal(counters.get('output.pg.dropped'), 0);

  const up = new FakeOutput('pg');
  const b = new Delivery(up, spool(dir), { counters, log });
  assert.equal(b.gauges()['output.pg.spooled'], 300);
  for (let i = 300; i < 350; i++) b.push(rec(i));
  await eventually(() => up.accepted.length === 350, 'resumed records');
  assert.deepEqual(nums(up.accepted), range(0, 350));
  await b.close();
  assert.deepEqual(spoolFiles(join(dir, 'pg')), []);
});

test('close() during a slow write: nothing is lost, at most the batch in flight comes again', async () => {
  const dir = tempDir();
  const { counters, log } = context();
  const out = new FakeOutput('es');
  out.delayMs = 200;
  const a = new Delivery(out, spool(dir, { batchSize: 50 }), { counters, log });
  for (let i = 0; i < 200; i++) a.push(rec(i));
  await eventually(() => out.inFlight === 1, 'a write in flight');
  await a.close({ timeoutMs: 20 });
  const first = nums(out.accepted);
  const again = new FakeOutput('es');
  const b = new Delivery(again, spool(dir, { batchSize: 50 }), { counters, log });
  await b.close({ timeoutMs: 10_000 });
  const second = nums(again.accepted);
  assert.deepEqual([...new Set([...first, ...second])].sort((x, y) => x - y), range(0, 200), 'nothing lost');
  assert.ok(first.length + second.length <= 250, 'at most one batch twice');
  assert.deepEqual(second, [...second].sort((x, y) => x - y));
});

/** A kind whose instances the test can reach, as the configuration would build them. */
function fakeKind(made: Map<string, FakeOutput[]>): OutputKind {
  const schema = z.strictObject({ name: z.string(), down: z.boolean().default(false), tag: z.number().default(0) });
  return {
    kind: 'fake',
    schema,
    fromTarget: (t) => ({ name: t ?? 'fake' }),
    create: (o: z.output<typeof schema>) => {
      const f = new FakeOutput(o.name);
      f.down = o.down;
      made.set(o.name, [...(made.get(o.name) ?? []), f]);
      return f;
    },
  };
}

test('OutputSet: every output gets every record; a failing one holds nobody back', async () => {
  const dir = tempDir();
  const made = new Map<string, FakeOutput[]>();
  const kind = fakeKind(made);
  const { counters, log } = context();
  const set = new OutputSet({ counters, log }, [
    { kind, options: { name: 'a', down: false, tag: 0 }, spool: spool(dir) },
    { kind, options: { name: 'b', down: true, tag: 0 }, spool: spool(dir) },
  ]);
  assert.deepEqual(set.names, ['a', 'b']);
  for (let i = 0; i < 400; i++) set.push(rec(i));
  const a = made.get('a')!.at(-1)!;
  const b = made.get('b')!.at(-1)!;
  await eventually(() => a.accepted.length === 400, 'a delivered');
  await eventually(() => set.gauges()['output.b.spooled'] === 400, 'b spooled');
  assert.deepEqual(Object.keys(set.gauges()).sort(), [
    'output.a.queued', 'output.a.spool_bytes', 'output.a.spooled',
    'output.b.queued', 'output.b.spool_bytes', 'output.b.spooled',
  ]);
  b.down = false;
  await eventually(() => b.accepted.length === 400, 'b delivered after recovery');
  assert.deepEqual(nums(b.accepted), range(0, 400));
  await set.close();
  assert.throws(
    () => new OutputSet({ counters, log }, [
      { kind, options: { name: 'x', down: false, tag: 0 }, spool: spool(dir) },
      { kind, options: { name: 'x', down: false, tag: 1 }, spool: spool(dir) },
    ]),
    /two outputs are named "x"/,
  );
});

test('OutputSet.reload keeps unchanged outputs, restarts changed ones on their spool, closes removed ones', async () => {
  const dir = tempDir();
  const made = new Map<string, FakeOutput[]>();
  const kind = fakeKind(made);
  const { counters, log } = context();
  const keep = { kind, options: { name: 'keep', down: false, tag: 0 }, spool: spool(dir) };
  const set = new OutputSet({ counters, log }, [keep, { kind, options: { name: 'change', down: true, tag: 0 }, spool: spool(dir) }, { kind, options: { name: 'gone', down: false, tag: 0 }, spool: spool(dir) }]);
  for (let i = 0; i < 100; i++) set.push(rec(i));
  const reloading = set.reload([keep, { kind, options: { name: 'change', down: false, tag: 1 }, spool: spool(dir) }], { timeoutMs: 30 });
  for (let i = 100; i < 150; i++) set.push(rec(i)); // during the reload
  await reloading;
  assert.deepEqual(set.names.sort(), ['change', 'keep']);
  assert.equal(made.get('keep')!.length, 2, 'built again to compare; the running one kept');
  assert.equal(made.get('gone')![0]!.closed, true);
  for (let i = 150; i < 200; i++) set.push(rec(i));
  const changed = made.get('change')!.at(-1)!;
  const kept = made.get('keep')![0]!;
  await eventually(() => changed.accepted.length === 200 && kept.accepted.length === 200, 'all delivered');
  assert.deepEqual(nums(changed.accepted), range(0, 200), 'the new instance resumed the old spool, then got the parked records');
  assert.deepEqual(nums(kept.accepted), range(0, 200));
  await set.close();
});

test('property: random failures, slowness and restarts lose nothing and keep order', async () => {
  const root = tempDir();
  let run = 0;
  const plan = fc.record({
    pushes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
    failEvery: fc.constantFrom(0, 2, 3, 5),
    delayMs: fc.constantFrom(0, 0, 1, 2),
    memoryRecords: fc.constantFrom(0, 20, 10_000),
    batchSize: fc.integer({ min: 8, max: 120 }),
    restartAfter: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(plan, async (p) => {
      const dir = join(root, String(run++));
      const opts = spool(dir, { memoryRecords: p.memoryRecords, batchSize: p.batchSize, retryMinMs: 1, retryMaxMs: 4, batchWaitMs: 1 });
      const { counters, log } = context();
      const seen: number[] = [];
      const make = (): FakeOutput => {
        const out = new FakeOutput('p');
        out.delayMs = p.delayMs;
        // Every failEvery-th write fails (0: never).
        const write = out.write.bind(out);
        let calls = 0;
        out.write = async (batch) => {
          if (p.failEvery > 0 && ++calls % p.failEvery === 0) throw new Error('flaky');
          await write(batch);
          seen.push(...nums(batch));
        };
        return out;
      };
      let d = new Delivery(make(), opts, { counters, log });
      let pushed = 0;
      for (const [k, n] of p.pushes.entries()) {
        for (let i = 0; i < n; i++) d.push(rec(pushed++));
        await sleep(1);
        if (p.restartAfter === k) {
          await d.close({ timeoutMs: 2 });
          d = new Delivery(make(), opts, { counters, log });
        }
      }
      await d.close({ timeoutMs: 30_000 });
      assert.equal(counters.get('output.p.dropped'), 0);
      // Without a restart every record arrives exactly once; a restart may resend the batch in flight.
      const firstSeen = seen.filter((n, i) => seen.indexOf(n) === i);
      assert.deepEqual(firstSeen, range(0, pushed));
      if (p.restartAfter === undefined || p.restartAfter >= p.pushes.length) assert.equal(seen.length, pushed);
      else assert.ok(seen.length - pushed <= p.batchSize, `${seen.length - pushed} resent`);
      assert.deepEqual(spoolFiles(join(dir, 'p')), []);
    }),
    { seed: 42, numRuns: 40 },
  );
});
