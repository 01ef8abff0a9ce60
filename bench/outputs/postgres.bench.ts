/**
 * Sustained events/s into PostgreSQL through the postgres output: a private cluster
 * (test/helpers/pg-server.ts, fsync and synchronous_commit on, as in production), a stream of
 * distinct records made from the lab capture's, written batch after batch the way a delivery
 * does (each write() committed before the next). Measured for a few batch sizes, then the same
 * stream written again (every row a conflict: the cost of a replayed spool).
 * Run: node dist/bench/outputs/postgres.bench.js
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { postgresOutput, postgresSchema } from '../../src/outputs/postgres.js';
import type { OutputRecord } from '../../src/events/record.js';
import { replayRecords } from '../../test/helpers/lab-records.js';
import { REPO_ROOT } from '../../test/helpers/paths.js';
import { startPgServer } from '../../test/helpers/pg-server.js';
import { batches, repeatRecords } from '../../test/helpers/record-stream.js';

const RECORDS = Number(process.env.BENCH_PG_RECORDS ?? 200_000);

async function writeAll(url: string, table: string, records: readonly OutputRecord[], batchSize: number): Promise<number> {
  const options = postgresSchema.parse({ connectionString: url, table, rowsPerStatement: Math.min(batchSize, 1000) });
  const out = postgresOutput.create(options, { counters: new Counters(), log: silentLog() });
  await out.open();
  const t = performance.now();
  for (const b of batches(records, batchSize)) await out.write(b);
  const seconds = (performance.now() - t) / 1000;
  await out.close();
  return seconds;
}

export async function benchPostgres(): Promise<string[]> {
  const lab = await replayRecords([join(REPO_ROOT, 'lab', 'captures', 'basic.pcap')]);
  const records = [...repeatRecords(lab, RECORDS)];
  const bytes = records.reduce((n, r) => n + r.json.length, 0);
  const server = await startPgServer();
  const lines = [`${records.length.toLocaleString('en')} records (${Math.round(bytes / records.length)} B of JSON on average), PostgreSQL on 127.0.0.1, fsync on`];
  const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en')} events/s`;
  try {
    for (const size of [100, 1000, 5000]) {
      const seconds = await writeAll(server.url, `bench_${size}`, records, size);
      lines.push(`batches of ${size}: ${rate(records.length, seconds)} (${seconds.toFixed(1)} s)`);
    }
    const seconds = await writeAll(server.url, 'bench_1000', records, 1000);
    lines.push(`the same records again (all conflicts, batches of 1000): ${rate(records.length, seconds)}`);
  } finally {
    await server.destroy();
  }
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await benchPostgres()) console.log(line);
}
