/**
 * `sipsentry replay` of a large generated capture into PostgreSQL while PostgreSQL goes down and
 * comes back: every event arrives exactly once (the spool holds them meanwhile, ids make retries
 * idempotent). The outage lasts OUTAGE_SECONDS (default 5; `OUTAGE_SECONDS=60` is the manual
 * one-minute check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { generateCapture } from '../../bench/gen-capture.js';
import { documentId } from '../../src/events/record.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { hasPostgres, startPgServer } from '../helpers/pg-server.js';

const CLI = join(REPO_ROOT, 'bin', 'sipsentry.js');
const OUTAGE_S = Number(process.env.OUTAGE_SECONDS ?? 5);

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'replay', '-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('replay into PostgreSQL survives an outage in the middle: every event exactly once', { skip: hasPostgres() ? false : 'PostgreSQL server binaries not installed', timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-outage-'));
  const server = await startPgServer();
  try {
    const capture = join(dir, 'big.pcap');
    await generateCapture(capture, { messages: 120_000, seed: 7 });
    // The reference: the same replay to a file (stats documents differ between runs; events do not).
    const ref = join(dir, 'events.ndjson');
    assert.equal((await run([capture, '-o', ref])).code, 0);
    const lines = readFileSync(ref, 'utf8').split('\n');
    const want = lines.filter((l) => l.includes('"kind":"event"')).map(documentId).sort();
    const statsDocs = lines.filter((l) => l.includes('"kind":"metric"')).length;
    assert.ok(want.length > 10_000, `events: ${want.length}`);

    // Rate limiting keeps replay fast enough that the outage must start early: stop the server right away.
    const replay = run([capture, '-o', `postgres:${server.url}`, '--spool-dir', join(dir, 'spool')]);
    await sleep(300);
    await server.stop();
    await sleep(OUTAGE_S * 1000);
    await server.start();
    const r = await replay;
    assert.equal(r.code, 0, r.stderr);
    // the outage was seen (and logged) by the delivery, not dodged
    assert.match(r.stderr, /postgres/i);

    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const rows = (await client.query<{ id: string }>("select id from sipsentry_events where kind = 'event' order by id")).rows.map((x) => x.id);
      assert.equal(rows.length, want.length);
      assert.deepEqual(rows, [...want].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const stats = await client.query("select count(*)::int as n from sipsentry_events where kind = 'metric'");
      assert.equal(stats.rows[0].n, statsDocs);
    } finally {
      await client.end();
    }
  } finally {
    await server.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
