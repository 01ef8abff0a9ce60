/**
 * The event-store routes over a real database: answers come from the reader thread, a bad filter
 * is a 400, and a query past http.queryTimeout is stopped and answered 503 while the probe goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { EventWriter } from '../../src/pipeline/event-writer.js';
import { Probe } from '../../src/pipeline/probe.js';
import { runConfigSchema } from '../../src/pipeline/run-config.js';
import { probeOptions } from '../../src/pipeline/run-options.js';
import { SqliteOutput, sqliteSchema } from '../../src/outputs/sqlite.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { context, range, rec, tempDir } from '../outputs/spool-helpers.js';

test('event-store routes: answers from the reader thread, 400 for a bad filter, 503 for a query past the time-out', { timeout: 60_000 }, async () => {
  const path = join(tempDir(), 'events.db');
  const out = new SqliteOutput(sqliteSchema.parse({ path, maxAge: 0 }), context());
  await out.open();
  const records = range(0, 300).map((i) => rec(i, Date.UTC(2024, 4, 14, 8) + i * 1000));
  await out.write(records);
  await out.close();
  const serve = async (queryTimeoutMs?: number) => {
    const writer = new EventWriter(null, () => {});
    const probe = new Probe(probeOptions(runConfigSchema.parse({})), writer, new Counters());
    const app = await startHttpServer({ host: '127.0.0.1', port: 0, token: null }, probe, () => ({}), silentLog(), {
      views: { storePath: path, ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}), config: {}, version: 'test', live: () => true, onRecord: (l) => writer.onRecord(l), ui: false },
    });
    return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
  };
  const { app, base } = await serve();
  try {
    const page = (await (await fetch(`${base}/api/v1/events?limit=1000`)).json()) as { events: Array<{ '@timestamp': string }> };
    assert.equal(page.events.length, records.length);
    const summary = (await (await fetch(`${base}/api/v1/summary`)).json()) as { byAction: Array<{ count: number }> };
    assert.equal(summary.byAction.reduce((n, a) => n + a.count, 0), records.filter((r) => r.kind === 'event').length);
    const bad = await fetch(`${base}/api/v1/events?ip=nonsense`);
    assert.equal(bad.status, 400);
  } finally {
    await app.close();
  }
  const hasty = await serve(1);
  try {
    const r = await fetch(`${hasty.base}/api/v1/events`);
    assert.equal(r.status, 503);
    assert.match(((await r.json()) as { error: string }).error, /ran longer than 0\.001 s and was stopped; narrow the time range or the filters/);
    const ok = await fetch(`${hasty.base}/api/v1/calls`);
    assert.equal(ok.status, 200, 'the rest of the API answers');
  } finally {
    await hasty.app.close();
  }
});
