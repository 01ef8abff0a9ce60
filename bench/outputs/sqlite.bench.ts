/**
 * Events per second sustained into SQLite through the Delivery (spool + batches), on realistic
 * ~1 KB ECS documents:
 *  - `direct`: SqliteOutput.write() in 500-record batches, a turn of the loop between them, no delivery
 *    (the store's ceiling);
 *  - `paced`: the packet path pushes 500 records per turn of the event loop: the delivery keeps up
 *    and records stay in memory;
 *  - `burst`: every record pushed in one synchronous loop, so the backlog goes through the disk spool.
 * Each line also gives the longest write() call and the longest event-loop stall seen meanwhile
 * (what packet processing would have waited). Every mode runs with the database on its writer
 * thread (`thread: worker`, the default) and on this thread (`inline`).
 * Run: node dist/bench/outputs/sqlite.bench.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { Delivery, spoolSchema } from '../../src/outputs/delivery.js';
import type { Output } from '../../src/outputs/output.js';
import { recordFromDocument, type OutputRecord } from '../../src/events/record.js';
import { SqliteOutput, sqliteSchema } from '../../src/outputs/sqlite.js';

const RECORDS = Number(process.env.BENCH_SQLITE_RECORDS ?? 200_000);
const ACTIONS = ['reg-new', 'reg-new', 'other-ok', 'call-start', 'call-end', 'call-attempt', 'auth-failed', 'other-timeout'];

function documents(n: number): OutputRecord[] {
  const base = Date.UTC(2024, 4, 14, 8);
  const out: OutputRecord[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `10.20.${(i >> 8) & 63}.${1 + (i % 254)}`;
    const user = String(100000 + (i % 20000));
    out.push(
      recordFromDocument({
        '@timestamp': new Date(base + i * 5).toISOString(),
        ecs: { version: '9.0.0' },
        event: { kind: 'event', category: ['network', 'session'], type: ['info'], action: ACTIONS[i % ACTIONS.length], outcome: 'success', dataset: 'sipsentry.sip', module: 'sipsentry' },
        client: { ip, port: 5060 },
        server: { ip: '192.0.2.10', port: 5060 },
        network: { transport: 'udp', protocol: 'sip', encapsulation: ['eth', 'ipv4', 'udp'] },
        user: { name: user },
        user_agent: { original: 'Yealink SIP-T46S 66.86.0.15' },
        sip: {
          call_id: `${i.toString(16).padStart(24, '0')}@${ip}`,
          method: 'REGISTER',
          from: `sip:${user}@voip.example.com`,
          to: `sip:${user}@voip.example.com`,
          from_tag: (i * 7919).toString(16),
          request_uri: 'sip:voip.example.com',
          contact: `sip:${user}@${ip}:5060;line=${(i * 31).toString(16)}`,
          status: 200,
          reason: 'OK',
          expires: 3600,
          server_agent: 'sipsentry-bench-proxy/1.0',
          trace: '>REGISTER <401 >REGISTER <200',
        },
      }),
    );
  }
  return out;
}

/** Times every write() of the output it wraps. */
class TimedOutput implements Output {
  maxWriteMs = 0;
  constructor(private readonly inner: Output) {}
  get name(): string {
    return this.inner.name;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  async write(batch: readonly OutputRecord[]): Promise<void> {
    const t = performance.now();
    await this.inner.write(batch);
    this.maxWriteMs = Math.max(this.maxWriteMs, performance.now() - t);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

type Mode = 'direct' | 'paced' | 'burst';

async function run(mode: Mode, thread: 'worker' | 'inline', recs: OutputRecord[], dir: string): Promise<string> {
  const counters = new Counters();
  const ctx = { counters, log: silentLog() };
  const out = new TimedOutput(new SqliteOutput(sqliteSchema.parse({ path: join(dir, `${mode}-${thread}.db`), thread }), ctx));
  const stall = monitorEventLoopDelay({ resolution: 5 });
  let peakSpooled = 0;
  const t0 = performance.now();
  stall.enable();
  if (mode === 'direct') {
    await out.open();
    for (let i = 0; i < recs.length; i += 500) {
      await out.write(recs.slice(i, i + 500));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await out.close();
  } else {
    const d = new Delivery(out, spoolSchema.parse({ dir: join(dir, `${mode}-${thread}-spool`) }), ctx);
    const step = mode === 'paced' ? 500 : recs.length;
    for (let i = 0; i < recs.length; i += step) {
      for (let k = i; k < Math.min(recs.length, i + step); k++) d.push(recs[k]!);
      await new Promise((resolve) => setImmediate(resolve));
      peakSpooled = Math.max(peakSpooled, d.gauges()[`output.${out.name}.spooled`]!);
    }
    while (d.waiting > 0) {
      peakSpooled = Math.max(peakSpooled, d.gauges()[`output.${out.name}.spooled`]!);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await d.close({ timeoutMs: 60_000 });
    if (counters.get('output.sqlite.delivered') !== recs.length) throw new Error(`delivered ${counters.get('output.sqlite.delivered')} of ${recs.length}`);
  }
  stall.disable();
  const seconds = (performance.now() - t0) / 1000;
  const rate = Math.round(recs.length / seconds).toLocaleString('en');
  const spooled = mode === 'direct' ? '' : `, peak ${peakSpooled.toLocaleString('en')} on disk`;
  return `sqlite ${mode.padEnd(6)} ${thread.padEnd(6)}: ${recs.length.toLocaleString('en')} events in ${seconds.toFixed(2)} s = ${rate} events/s (longest write() ${out.maxWriteMs.toFixed(1)} ms, longest loop stall ${(stall.max / 1e6).toFixed(1)} ms${spooled})`;
}

export async function benchSqlite(): Promise<string[]> {
  const recs = documents(RECORDS);
  const bytes = recs.reduce((n, r) => n + r.json.length, 0) / recs.length;
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-bench-sqlite-'));
  try {
    const lines = [`node ${process.version}, ${Math.round(bytes)} B/document, WAL, synchronous=NORMAL, batches of 500`];
    for (const mode of ['direct', 'paced', 'burst'] as const) {
      for (const thread of ['worker', 'inline'] as const) lines.push(await run(mode, thread, recs, dir));
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await benchSqlite()) console.log(line);
}
