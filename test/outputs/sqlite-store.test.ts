import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { inNet, parseIpFilter } from '../../src/outputs/ip-filter.js';
import type { OutputRecord } from '../../src/events/record.js';
import { SqliteOutput, sqliteSchema } from '../../src/outputs/sqlite.js';
import { StoreReader } from '../../src/outputs/sqlite-reader.js';
import { SqliteStore, StoreError, type EventFilter, type EventQuery } from '../../src/outputs/sqlite-store.js';
import { context, range, rec, tempDir } from './spool-helpers.js';
import { plainRecord } from '../helpers/record-stream.js';

const BASE = Date.UTC(2024, 4, 14, 8);
const N = 1200;
/** Three records per second: pagination must break ties on id. */
const records: OutputRecord[] = range(0, N).map((i) => rec(i, BASE + Math.floor(i / 3) * 1000));
// Made at the top level: after() registered inside a hook would run when the hook ends.
const path = join(tempDir(), 'events.db');
let store: SqliteStore;
let writer: SqliteOutput;

before(async () => {
  writer = new SqliteOutput(sqliteSchema.parse({ path, maxAge: 0 }), context());
  await writer.open();
  await writer.write(records);
  // The probe keeps its connection open while the store reads (WAL).
  store = SqliteStore.open(path);
});

after(async () => {
  store.close();
  await writer.close();
});

/** What the filter should return, computed on the records themselves. */
function expected(f: EventFilter, order: 'asc' | 'desc' = 'asc'): OutputRecord[] {
  const ip = f.ip === undefined ? null : parseIpFilter(f.ip)!;
  const out = records.filter(
    (r) =>
      (f.from === undefined || r.tsMs >= f.from) &&
      (f.to === undefined || r.tsMs < f.to) &&
      (f.actions === undefined || f.actions.length === 0 || f.actions.includes(r.action)) &&
      (ip === null || (r.clientIp !== null && ('exact' in ip ? r.clientIp === ip.exact : inNet(r.clientIp, ip.net, ip.bits)))) &&
      (f.user === undefined || r.user === f.user) &&
      (f.callId === undefined || r.callId === f.callId) &&
      (f.text === undefined || r.json.toLowerCase().includes(f.text.toLowerCase())),
  );
  out.sort((a, b) => a.tsMs - b.tsMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return order === 'desc' ? out.reverse() : out;
}

/** Every page of a query, followed by cursor. */
function all(q: EventQuery): { ids: string[]; pages: number } {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = store.queryEvents({ ...q, cursor });
    ids.push(...page.records.map((r) => r.id));
    cursor = page.next;
    pages++;
  } while (cursor !== null);
  return { ids, pages };
}

const ids = (rs: OutputRecord[]): string[] => rs.map((r) => r.id);

test('records come back whole: document and indexed values', () => {
  const page = store.queryEvents({ limit: 5 });
  assert.deepEqual(page.records.map(plainRecord), expected({}).slice(0, 5).map(plainRecord));
  assert.notEqual(page.next, null);
});

test('filters: action, exact address, CIDR, user, call-id, time range, text', () => {
  const cases: EventFilter[] = [
    { actions: ['auth-failed'] },
    { actions: ['call-start', 'reg-new'] },
    { ip: '10.0.2.7' },
    { ip: '10.0.1.0/24' },
    { ip: '10.0.0.0/23' },
    { ip: '10.0.3.128/25' },
    { user: 'u3' },
    { callId: 'call-77@example.com' },
    { from: BASE + 100_000, to: BASE + 130_000 },
    { from: BASE + 100_000, actions: ['call-end'], user: 'u1' },
    { text: 'CALL-1199@' },
    { text: '100%_' },
  ];
  for (const f of cases) {
    const want = ids(expected(f));
    assert.deepEqual(all({ ...f, limit: 1000 }).ids, want, JSON.stringify(f));
  }
  assert.equal(all({ ip: '10.0.1.0/24', limit: 1000 }).ids.length, 256);
  assert.equal(all({ callId: 'call-77@example.com' }).ids.length, 1);
  assert.equal(all({ ip: '2001:db8::/32' }).ids.length, 0);
});

test('keyset pagination, both directions, page sizes that split ties', () => {
  for (const limit of [1, 7, 100, 1199, 1200, 5000]) {
    for (const order of ['asc', 'desc'] as const) {
      const got = all({ limit, order });
      assert.deepEqual(got.ids, ids(expected({}, order)), `limit ${limit} ${order}`);
      assert.equal(got.pages, Math.max(1, Math.ceil(N / limit)));
    }
  }
});

test('a page cursor stays valid while the probe keeps inserting', async () => {
  const want = expected({ actions: ['call-end'] });
  const first = store.queryEvents({ limit: 10, actions: ['call-end'] });
  const late = [rec(65_536, BASE - 10_000), rec(65_541, BASE + 10_000_000)]; // call-end, addresses of records 0 and 5
  await writer.write(late);
  records.push(...late); // the model follows the database for the tests after this one
  const second = store.queryEvents({ limit: 10, actions: ['call-end'], cursor: first.next });
  assert.deepEqual(ids(second.records), ids(want.slice(10, 20)), 'an older insert does not shift the pages after the cursor');
  assert.deepEqual(all({ actions: ['call-end'], limit: 10 }).ids, ids(expected({ actions: ['call-end'] })), 'new events show up in order');
});

test('counts by action and top client addresses', () => {
  const counted = (f: EventFilter): Array<{ action: string; count: number }> => {
    const counts = new Map<string, number>();
    for (const r of expected(f)) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
    return [...counts].map(([action, count]) => ({ action, count })).sort((a, b) => b.count - a.count || (a.action < b.action ? -1 : 1));
  };
  assert.deepEqual(store.countsByAction(), counted({}));
  const firstTwoSeconds = { from: BASE, to: BASE + 2000 };
  assert.deepEqual(store.countsByAction(firstTwoSeconds), counted(firstTwoSeconds));
  assert.equal(store.countsByAction(firstTwoSeconds)[0]!.count, 2);
  // Addresses repeat every 256 × 256 records only, and the late inserts reuse two of them.
  const busy = store.topClientIps({}, 3);
  assert.deepEqual(busy.map((b) => b.count), [2, 2, 1]);
  assert.equal(store.topClientIps({ actions: ['auth-failed'], ip: '10.0.0.0/24' }, 1000).length, expected({ actions: ['auth-failed'], ip: '10.0.0.0/24' }).length);
});

test('property: any filter, order and page size returns exactly the matching records', () => {
  const filter = fc.record(
    {
      from: fc.integer({ min: 0, max: 420 }).map((s) => BASE + s * 1000),
      to: fc.integer({ min: 0, max: 420 }).map((s) => BASE + s * 1000),
      actions: fc.subarray(['call-start', 'call-end', 'reg-new', 'auth-failed', 'other-timeout', 'nope']),
      ip: fc.oneof(
        fc.integer({ min: 0, max: N }).map((i) => `10.0.${(i >> 8) & 255}.${i & 255}`),
        fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 16, max: 32 })).map(([b, bits]) => `10.0.${b}.0/${bits}`),
      ),
      user: fc.integer({ min: 0, max: 7 }).map((u) => `u${u}`),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(filter, fc.integer({ min: 1, max: 300 }), fc.constantFrom('asc' as const, 'desc' as const), (f, limit, order) => {
      assert.deepEqual(all({ ...f, limit, order }).ids, ids(expected(f, order)));
    }),
    { seed: 42, numRuns: 200 },
  );
});

test('bad queries are StoreError `query`', () => {
  const kind = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof StoreError);
      return err.kind;
    }
    return 'none';
  };
  assert.equal(kind(() => store.queryEvents({ cursor: 'bm9wZQ' })), 'query');
  assert.equal(kind(() => store.queryEvents({ ip: '10.0.0.300' })), 'query');
  assert.equal(kind(() => store.queryEvents({ ip: '10.0.0.0/33' })), 'query');
  assert.equal(kind(() => store.queryEvents({ limit: 0 })), 'query');
  assert.equal(kind(() => store.queryEvents({ limit: 10_001 })), 'query');
});

test('what cannot be opened is StoreError `open`, and nothing is created', () => {
  const dir = tempDir();
  const open = (p: string): string => {
    try {
      SqliteStore.open(p).close();
      return 'opened';
    } catch (err) {
      assert.ok(err instanceof StoreError && err.kind === 'open');
      return err.message;
    }
  };
  assert.match(open(join(dir, 'missing.db')), /directory does not exist|unable to open/);
  writeFileSync(join(dir, 'text.db'), 'this is not a database, just some text long enough to be read as a header........'.repeat(20));
  assert.match(open(join(dir, 'text.db')), /not a database/);
  const other = new Database(join(dir, 'other.db'));
  other.exec('CREATE TABLE t (x)');
  other.close();
  assert.match(open(join(dir, 'other.db')), /not a sipsentry events database/);
});

test('address filters: exact match on the canonical text, CIDR host bits ignored', () => {
  assert.deepEqual(parseIpFilter('2001:DB8:0:0::1'), { exact: '2001:db8::1' });
  assert.deepEqual(parseIpFilter('10.1.2.3/32'), { exact: '10.1.2.3' });
  assert.equal(parseIpFilter('10.1.2.3/'), null);
  assert.equal(parseIpFilter('example.com'), null);
  const net = parseIpFilter('10.1.2.3/8')!;
  assert.ok('net' in net && inNet('10.200.0.1', net.net, net.bits) && !inNet('11.0.0.1', net.net, net.bits));
  const v6 = parseIpFilter('2001:db8:ff00::/40')!;
  assert.ok('net' in v6 && inNet('2001:db8:ff12::1', v6.net, v6.bits) && !inNet('2001:db8:fe00::1', v6.net, v6.bits) && !inNet('10.0.0.1', v6.net, v6.bits));
});

test('StoreReader answers what SqliteStore answers, from a thread of its own; errors keep their kind; a query past the time-out is stopped', async () => {
  const reader = new StoreReader(path);
  try {
    const q: EventQuery = { actions: ['call-start', 'reg-new'], limit: 50, order: 'desc' };
    const page = await reader.queryEvents(q);
    assert.deepEqual(page, store.queryEvents(q));
    assert.equal(page.records.length, 50);
    const next = await reader.queryEvents({ ...q, cursor: page.next });
    assert.deepEqual(next, store.queryEvents({ ...q, cursor: page.next }));
    assert.deepEqual(await reader.countsByAction({ from: BASE + 60_000 }), store.countsByAction({ from: BASE + 60_000 }));
    assert.deepEqual(await reader.topClientIps({}, 3), store.topClientIps({}, 3));
    assert.deepEqual(await reader.topUsers({}, 3), store.topUsers({}, 3));
    await assert.rejects(reader.queryEvents({ ip: 'not-an-ip' }), (err: unknown) => err instanceof StoreError && err.kind === 'query');
    assert.equal((await reader.queryEvents({ limit: 1 })).records.length, 1, 'a bad query leaves the reader working');
  } finally {
    await reader.close();
  }
  const missing = new StoreReader(join(tempDir(), 'none.db'));
  await assert.rejects(missing.queryEvents(), (err: unknown) => err instanceof StoreError && err.kind === 'open');
  await missing.close();
  // 1 ms: not even the thread's start fits, so the query is stopped deterministically.
  const hasty = new StoreReader(path, 1);
  await assert.rejects(hasty.queryEvents(), (err: unknown) => err instanceof StoreError && err.kind === 'timeout' && /longer than 1 ms/.test(err.message));
  await hasty.close();
});
