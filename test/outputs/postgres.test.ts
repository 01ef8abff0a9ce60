/**
 * The PostgreSQL output against a private PostgreSQL cluster (test/helpers/pg-server.ts): the lab
 * records land exactly, retries never duplicate, and a server stopped between or during batches
 * costs nothing once it is back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { Delivery, spoolSchema } from '../../src/outputs/delivery.js';
import { postgresOutput, postgresSchema } from '../../src/outputs/postgres.js';
import { documentId, type OutputRecord } from '../../src/events/record.js';
import { replayRecords } from '../helpers/lab-records.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { hasPostgres, startPgServer, type PgServer } from '../helpers/pg-server.js';
import { batches, repeatRecords, writeUntilAccepted } from '../helpers/record-stream.js';

const skip = hasPostgres() ? false : 'PostgreSQL server binaries not installed';

interface StoredRow {
  id: string;
  ts: Date;
  kind: string;
  action: string;
  client_ip: string | null;
  call_id: string | null;
  usr: string | null;
  doc: unknown;
}

describe('postgres output', { skip }, () => {
  let server: PgServer;
  /** The test's own view of the database; a pool, so it reconnects after the outage tests. */
  let db: pg.Pool;
  let lab: OutputRecord[];
  let tables = 0;

  before(async () => {
    server = await startPgServer({ fsync: false });
    db = new pg.Pool({ connectionString: server.url, max: 1 });
    db.on('error', () => undefined); // idle connections die when the tests stop the server
    lab = await replayRecords([join(REPO_ROOT, 'lab', 'captures', 'basic.pcap')]);
    assert.ok(lab.length > 10, 'the lab capture yields records');
  });

  after(async () => {
    await db?.end();
    await server?.destroy();
  });

  /** An output on a table of its own, so that tests do not see each other's rows. */
  function output(extra: Record<string, unknown> = {}) {
    const table = `events_${++tables}`;
    const counters = new Counters();
    const options = postgresSchema.parse({ ...postgresOutput.fromTarget(server.url), table, timeoutMs: 5000, ...extra });
    return { out: postgresOutput.create(options, { counters, log: silentLog() }), table, counters };
  }

  async function rows(table: string): Promise<StoredRow[]> {
    return (await db.query<StoredRow>(`SELECT * FROM ${table} ORDER BY ts, id`)).rows;
  }

  function byTimeThenId(records: readonly OutputRecord[]): OutputRecord[] {
    return [...records].sort((a, b) => a.tsMs - b.tsMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The table holds exactly `records`, each once, with its document and indexed columns. */
  async function assertHoldsExactly(table: string, records: readonly OutputRecord[]): Promise<void> {
    const got = await rows(table);
    const want = byTimeThenId(records);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      const r = want[i]!;
      const g = got[i]!;
      assert.equal(g.id, r.id);
      assert.equal(g.ts.getTime(), r.tsMs);
      assert.deepEqual(
        [g.kind, g.action, g.client_ip, g.call_id, g.usr],
        [r.kind, r.action, r.clientIp, r.callId, r.user],
      );
      assert.deepEqual(g.doc, JSON.parse(r.json));
    }
  }

  test('the lab records land exactly, with a versioned schema and its indexes', async () => {
    const { out, table, counters } = output();
    await out.open();
    for (const b of batches(lab, 7)) await out.write(b);
    await out.close();
    await assertHoldsExactly(table, lab);
    assert.equal(counters.get('output.postgres.rejected'), 0);

    const version = await db.query('SELECT version FROM sipsentry_schema_version WHERE table_name = $1', [table]);
    assert.deepEqual(version.rows, [{ version: 1 }]);
    const indexes = await db.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1', [table]);
    assert.deepEqual(
      indexes.rows.map((r) => r.indexname),
      [`${table}_action_idx`, `${table}_call_id_idx`, `${table}_client_ip_idx`, `${table}_pkey`, `${table}_ts_idx`, `${table}_usr_idx`],
    );
  });

  test('writing a batch again (a retry) adds nothing; reopening migrates nothing', async () => {
    const { out, table, counters } = output({ rowsPerStatement: 5 });
    await out.open();
    await out.write(lab);
    await out.write(lab);
    await out.write(lab.slice(3, 9));
    await out.close();
    const again = postgresOutput.create(postgresSchema.parse({ connectionString: server.url, table }), { counters, log: silentLog() });
    await again.open();
    await again.write(lab.slice(0, 1));
    await again.close();
    await assertHoldsExactly(table, lab);
    assert.equal(counters.get('output.postgres.duplicate'), lab.length + 6 + 1);
  });

  test('connection forms: password with a connection string or separate fields, unix socket', async () => {
    await server.addPasswordRole('probe', "pa ss'w=rd&");
    process.env.SIPSENTRY_TEST_PG_PASSWORD = "pa ss'w=rd&";
    const wrong = output({ connectionString: `postgres://probe@127.0.0.1:${server.port}/postgres`, password: 'wrong' });
    await assert.rejects(wrong.out.open(), /password authentication failed/);
    for (const extra of [
      { connectionString: `postgres://probe@127.0.0.1:${server.port}/postgres`, passwordEnv: 'SIPSENTRY_TEST_PG_PASSWORD' },
      { connectionString: null, host: '127.0.0.1', port: server.port, user: 'probe', database: 'postgres', passwordEnv: 'SIPSENTRY_TEST_PG_PASSWORD' },
      { connectionString: `postgres:///postgres?host=${encodeURIComponent(server.socketDir)}&port=${server.port}&user=postgres` },
    ]) {
      const { out, table } = output(extra);
      await out.open();
      await out.write(lab.slice(0, 3));
      await out.close();
      assert.equal((await rows(table)).length, 3);
    }
  });

  test('a batch larger than one statement is several statements in one transaction', async () => {
    const { out, table } = output({ rowsPerStatement: 3 });
    await out.open();
    const many = [...repeatRecords(lab, 1000)];
    await out.write(many);
    await out.close();
    assert.equal((await rows(table)).length, 1000);
  });

  test('records the database can never hold are rejected and counted; the rest of the batch lands', async () => {
    const { out, table, counters } = output();
    await out.open();
    const nul = '{"@timestamp":"2024-05-14T08:00:00.000Z","event":{"kind":"event","action":"parse-error"},"error":{"message":"a\\u0000b"}}';
    const bad: OutputRecord = { json: nul, id: documentId(nul), tsMs: Date.UTC(2024, 4, 14, 8), kind: 'event', action: 'parse-error', clientIp: null, callId: null, user: null };
    const longCallId = 'x'.repeat(10_000);
    const longJson = `{"@timestamp":"2024-05-14T08:00:01.000Z","event":{"kind":"event","action":"other-ok"},"sip":{"call_id":"${longCallId}"}}`;
    const long: OutputRecord = { json: longJson, id: documentId(longJson), tsMs: Date.UTC(2024, 4, 14, 8, 0, 1), kind: 'event', action: 'other-ok', clientIp: null, callId: longCallId, user: null };
    const farJson = '{"@timestamp":"+275760-09-13T00:00:00.000Z"}';
    const far: OutputRecord = { ...bad, json: farJson, id: documentId(farJson), tsMs: 8.64e15 };
    await out.write([...lab.slice(0, 5), bad, long, far, ...lab.slice(5)]);
    await out.close();

    assert.equal(counters.get('output.postgres.rejected'), 2);
    const got = await rows(table);
    assert.equal(got.length, lab.length + 1);
    assert.ok(!got.some((r) => r.id === bad.id || r.id === far.id));
    const stored = got.find((r) => r.id === long.id)!;
    assert.equal(stored.call_id!.length, 512, 'the indexed column is cut');
    assert.deepEqual(stored.doc, JSON.parse(longJson), 'the document keeps the full value');
  });

  test('outage: with the server stopped write() rejects; once it is back the retried batch lands once', async () => {
    const { out, table } = output();
    await out.open();
    const [first, second, third] = [lab.slice(0, 10), lab.slice(10, 20), lab.slice(20)];
    await out.write(first);
    await server.stop();
    try {
      await assert.rejects(out.write(second));
      await assert.rejects(out.write(second), 'still down: the next write tries to reconnect and fails');
    } finally {
      await server.start();
    }
    assert.equal(await writeUntilAccepted(out, second), 0, 'the server is back: the next write reconnects');
    await out.write(third);
    await out.close();
    await assertHoldsExactly(table, lab);
  });

  test('outage mid-stream: 200k records, server down for ~5 s, each record arrives exactly once', { timeout: 300_000 }, async () => {
    const { out, table, counters } = output();
    await out.open();
    const total = 200_000;
    let written = 0;
    let failures = 0;
    let outage: Promise<void> | null = null;
    for (const b of batches(repeatRecords(lab, total), 1000)) {
      if (outage === null && written >= total / 2) {
        // Stopped while the writer keeps going; back after about 5 s of failed retries.
        outage = server.stop().then(() => new Promise((r) => setTimeout(r, 5000))).then(() => server.start());
      }
      failures += await writeUntilAccepted(out, b, 100);
      written += b.length;
    }
    await outage;
    await out.close();
    assert.ok(failures > 0, 'the outage was noticed');
    const count = await db.query<{ n: string; ids: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${table}`);
    assert.deepEqual(count.rows[0], { n: String(total), ids: String(total) });
    assert.equal(counters.get('output.postgres.rejected'), 0);
    // Spot check: ids of the whole stream, in order of time.
    const want = byTimeThenId([...repeatRecords(lab, total)]).map((r) => r.id);
    const got = (await db.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY ts, id`)).rows.map((r) => r.id);
    assert.deepEqual(got, want);
  });
});

describe('postgres output through the delivery', { skip }, () => {
  test('records pushed while PostgreSQL stops and restarts are spooled and arrive exactly once', { timeout: 300_000 }, async (t) => {
    const server = await startPgServer({ fsync: false });
    const dir = mkdtempSync(join(tmpdir(), 'sipsentry-pg-spool-'));
    t.after(async () => {
      await server.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    const lab = await replayRecords([join(REPO_ROOT, 'lab', 'captures', 'basic.pcap')]);
    const records = [...repeatRecords(lab, 50_000)];
    const counters = new Counters();
    const ctx = { counters, log: silentLog() };
    const output = postgresOutput.create(postgresSchema.parse({ connectionString: server.url, timeoutMs: 5000 }), ctx);
    const delivery = new Delivery(output, spoolSchema.parse({ dir, batchSize: 1000, batchWaitMs: 10, retryMinMs: 50, retryMaxMs: 500 }), ctx);

    for (const r of records.slice(0, 25_000)) delivery.push(r);
    await server.stop();
    for (const r of records.slice(25_000)) delivery.push(r);
    // The delivery keeps failing (and spooling) while the server is down.
    while (counters.get('output.postgres.failures') < 3) await new Promise((r) => setTimeout(r, 20));
    await server.start();
    await delivery.close({ timeoutMs: 240_000 });

    const db = new pg.Client(server.url);
    await db.connect();
    const ids = (await db.query<{ id: string }>('SELECT id FROM sipsentry_events')).rows.map((r) => r.id);
    await db.end();
    assert.equal(ids.length, records.length);
    assert.deepEqual(new Set(ids), new Set(records.map((r) => r.id)));
    assert.equal(counters.get('output.postgres.delivered'), records.length);
  });
});

describe('postgres options', () => {
  test('defaults, the command-line target and invalid options', () => {
    const o = postgresSchema.parse(postgresOutput.fromTarget('postgres://probe@db.example/sip'));
    assert.equal(o.connectionString, 'postgres://probe@db.example/sip');
    assert.equal(o.table, 'sipsentry_events');
    assert.equal(o.rowsPerStatement, 1000);
    assert.equal(o.name, 'postgres');
    assert.deepEqual(postgresOutput.fromTarget(undefined), {});
    assert.throws(() => postgresSchema.parse({ table: 'events; DROP TABLE x' }));
    assert.throws(() => postgresSchema.parse({ table: 'Events' }));
    assert.throws(() => postgresSchema.parse({ rowsPerStatement: 9000 }), 'over 65535 parameters');
    assert.throws(() => postgresSchema.parse({ password: 'a', passwordEnv: 'B' }));
    assert.throws(() => postgresSchema.parse({ connectionString: 'postgres://h/db', host: 'h' }));
    assert.throws(() => postgresSchema.parse({ tabel: 'x' }), 'unknown keys are errors');
  });

  test('a password from an environment variable must exist when the output is created', () => {
    const ctx = { counters: new Counters(), log: silentLog() };
    const o = postgresSchema.parse({ passwordEnv: 'SIPSENTRY_TEST_UNSET_PASSWORD' });
    assert.throws(() => postgresOutput.create(o, ctx), /SIPSENTRY_TEST_UNSET_PASSWORD/);
  });
});
