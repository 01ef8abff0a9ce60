import type { Row } from '../../src/outputs/sqlite-store.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Delivery, spoolSchema } from '../../src/outputs/delivery.js';
import type { OutputRecord } from '../../src/events/record.js';
import { SqliteOutput, sqliteOutput, sqliteSchema, usedBytes, type SqliteOptions } from '../../src/outputs/sqlite.js';
import { replayRecords } from '../helpers/lab-records.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { context, range, rec, tempDir } from './spool-helpers.js';

const DAY = 86_400_000;

function options(path: string, over: Partial<SqliteOptions> = {}): SqliteOptions {
  return sqliteSchema.parse({ path, ...over });
}


function rows(path: string): Row[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT id, ts, kind, action, client_ip, call_id, user, doc FROM events ORDER BY rowid').all() as Row[];
  } finally {
    db.close();
  }
}

function asRow(r: OutputRecord): Row {
  return { id: r.id, ts: r.tsMs, kind: r.kind, action: r.action, client_ip: r.clientIp, call_id: r.callId, user: r.user, doc: r.json };
}

test('sqlite options: defaults and the --output shorthand', () => {
  assert.deepEqual(sqliteSchema.parse({}), { name: 'sqlite', path: 'sipsentry-events.db', maxAge: 30 * 86_400, maxBytes: 1024 ** 3, retentionInterval: 60, thread: 'worker' });
  assert.equal(sqliteSchema.safeParse({ thread: 'fibre' }).success, false);
  assert.deepEqual(sqliteOutput.fromTarget('/var/lib/sipsentry/events.db'), { path: '/var/lib/sipsentry/events.db' });
  assert.equal(sqliteSchema.parse({ maxBytes: '512MiB' }).maxBytes, 512 * 1024 * 1024);
  assert.equal(sqliteSchema.parse({ maxAge: '7d' }).maxAge, 7 * 86_400);
  assert.equal(sqliteSchema.safeParse({ retentionInterval: 0 }).success, false);
  assert.equal(sqliteSchema.safeParse({ path: 'x.db', vacuum: true }).success, false);
});

test('lab basic.pcap replayed through a Delivery lands in SQLite exactly, in order, from the writer thread or inline', async () => {
  const records = await replayRecords([join(REPO_ROOT, 'lab/captures/basic.pcap')]);
  assert.ok(records.length > 20, `${records.length} records`);
  const dir = tempDir();
  const path = join(dir, 'db', 'events.db');
  for (const [memoryRecords, thread] of [[10_000, 'worker'], [0, 'worker'], [10_000, 'inline'], [0, 'inline']] as const) {
    // memoryRecords 0: every record goes through the disk spool and is rebuilt from its JSON line.
    const ctx = context();
    const file = `${path}.${memoryRecords}.${thread}`;
    const d = new Delivery(new SqliteOutput(options(file, { thread }), ctx), spoolSchema.parse({ dir: join(dir, `spool-${thread}`), memoryRecords, batchSize: 10 }), ctx);
    for (const r of records) d.push(r);
    await d.close();
    assert.deepEqual(rows(file), records.map(asRow));
    assert.equal(ctx.counters.get('output.sqlite.delivered'), records.length);
  }
});

test('a batch written twice (a retry, a resumed spool) is stored once', async () => {
  const path = join(tempDir(), 'events.db');
  const ctx = context();
  const out = new SqliteOutput(options(path), ctx);
  await out.open();
  const batch = range(0, 2500).map((i) => rec(i));
  await out.write(batch);
  await out.write(batch.slice(1000, 1600));
  await out.write(batch);
  await out.close();
  assert.equal(ctx.counters.get('output.sqlite.duplicate'), 3100);
  const got = rows(path);
  assert.equal(got.length, 2500);
  assert.deepEqual(got.map((r) => r.id), batch.map((r) => r.id));
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

for (const thread of ['worker', 'inline'] as const) test(`retention by age deletes what is older than maxAge before the newest event, oldest first (${thread})`, async () => {
  const path = join(tempDir(), 'events.db');
  const newest = Date.UTC(2024, 4, 14);
  const ctx = context();
  // A replay of an old capture: wall clock far later than the events, which must survive.
  const out = new SqliteOutput(options(path, { maxAge: 30 * 86_400, thread }), ctx, () => newest + 400 * DAY);
  await out.open();
  const batch = range(0, 60).map((d) => rec(d, newest - (59 - d) * DAY));
  await out.write(batch);
  const r = await out.enforceRetention();
  assert.equal(r.byAge, 29);
  assert.equal(ctx.counters.get('output.sqlite.retention_deleted'), 29);
  assert.deepEqual(rows(path).map((x) => x.id), batch.slice(29).map((x) => x.id));
  await out.close();

  // An event from the future does not push the window forward: age counts from now then.
  const again = new SqliteOutput(options(path, { maxAge: 10 * 86_400, thread }), context(), () => newest);
  await again.open(); // retention runs at open
  await again.write([rec(1000, newest + 365 * DAY)]);
  assert.equal((await again.enforceRetention()).byAge, 0);
  await again.close();
  assert.deepEqual(rows(path).map((x) => x.ts - newest), [...range(-10, 1).map((d) => d * DAY), 365 * DAY]);
});

test('retention by size deletes the oldest until the database is back under maxBytes', async () => {
  const path = join(tempDir(), 'events.db');
  const maxBytes = 512 * 1024;
  const ctx = context();
  const out = new SqliteOutput(options(path, { maxBytes, maxAge: 0 }), ctx);
  await out.open();
  let next = 0;
  const kept: number[] = [];
  for (let round = 0; round < 6; round++) {
    // Shuffled times inside each round: deletion follows ts, not insertion order.
    const batch = range(next, next + 800).map((i) => rec(i, Date.UTC(2024, 0, 1) + (i ^ 7) * 1000));
    next += 800;
    await out.write(batch);
    await out.enforceRetention();
    const db = new Database(path, { readonly: true });
    const used = usedBytes(db);
    const k = db.prepare('SELECT count(*) AS n, min(ts) AS lo FROM events').get() as { n: number; lo: number };
    db.close();
    assert.ok(used <= maxBytes, `round ${round}: ${used} bytes used`);
    // Exactly the newest k.n survive (the ^7 shuffle stays within blocks of 8).
    assert.ok(k.lo >= Date.UTC(2024, 0, 1) + (next - k.n - 8) * 1000, `round ${round}: the oldest went first`);
    kept.push(k.n);
  }
  assert.ok(ctx.counters.get('output.sqlite.retention_deleted') > 0);
  // About 500 bytes a row with its indexes here: a full database holds ~1000; cleanups leave 90 % of
  // the cap in use, so each round keeps most of it, and later rounds reuse the freed space.
  for (const k of kept.slice(1)) assert.ok(k >= 600 && k <= 1100, `kept ${kept.join(', ')}`);
  await out.close();
});

test('the writer thread: a database it cannot open is reported by open(); after the thread dies, the retried batch starts a new one and lands once', async () => {
  const dir = tempDir();
  // A directory where the file should be: the thread reports SQLite's error, open() rejects.
  const bad = new SqliteOutput(options(dir), context());
  await assert.rejects(bad.open(), /directory|unable to open/i);
  await bad.close();

  const path = join(dir, 'events.db');
  const ctx = context();
  const out = new SqliteOutput(options(path), ctx);
  await out.open();
  await out.write(range(0, 10).map((i) => rec(i)));
  // The thread itself, under its client: it dies as a crash would, unannounced.
  const worker = (out as unknown as { worker: { worker: { terminate(): Promise<number> } } }).worker.worker;
  // A batch in flight when the thread dies either landed or is rejected (the exit is reported to it).
  const inflight = out.write(range(10, 20).map((i) => rec(i))).then(
    () => 'stored',
    (err: Error) => err.message,
  );
  await worker.terminate();
  assert.match(await inflight, /^stored$|exited/);
  // What a Delivery does next: the same batch again; ids make it land once.
  await out.write(range(10, 20).map((i) => rec(i)));
  await out.close();
  assert.deepEqual(rows(path).map((r) => r.id), range(0, 20).map((i) => rec(i).id));
});
