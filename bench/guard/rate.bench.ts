/**
 * Micro-benchmark of the guard under floods: events/s through createGuard().run() plus the
 * tick() the pipeline makes before each event (calm-down checks, idle expiry). Scenarios:
 *  - one source (a password guesser): every event hits the same key, nearly all suppressed;
 *  - 1,000 sources: one episode per key, the calm heap re-armed as they keep flooding;
 *  - 1M distinct sources: the key table grows to its 1M default (insert cost, no suppression);
 *  - churn: distinct sources through a 100k-key table, every insert evicts the oldest calm key;
 *  - excluded: the type is excluded (the cheapest path, for reference).
 * Then the memory of a full 1M-key table, and messages/s of the whole replay (decode → track →
 * guard → ECS line) on a generated password-guessing flood, with and without the guard.
 * Run: node --expose-gc dist/bench/guard/rate.bench.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { generateFlood } from '../../test/guard/gen-flood.js';
import { createGuard } from '../../src/guard/guard.js';
import { defaultRateOptions } from '../../src/guard/options.js';
import { TrackEvent, type Endpoint } from '../../src/track/track-event.js';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const gc = (globalThis as { gc?: () => void }).gc;

function endpoints(n: number): Endpoint[] {
  const out: Endpoint[] = [];
  for (let i = 0; i < n; i++) out.push({ ip: `${10 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, port: 5060 });
  return out;
}

/** A pool of reused events: the guard only keeps what it emits (via a WeakMap), so reuse is fair. */
const pool: TrackEvent[] = [];
for (let i = 0; i < 4096; i++) pool.push(new TrackEvent('auth-failed', T0));

interface Scenario {
  name: string;
  events: number;
  clients: Endpoint[];
  /** Events per second of packet time. */
  rate: number;
  maxKeys?: number;
  exclude?: string[];
}

function runScenario(s: Scenario): { perSecond: number; emitted: number; counters: Counters } {
  const counters = new Counters();
  const g = createGuard({ exclude: s.exclude ?? [], rate: { ...defaultRateOptions, maxKeys: s.maxKeys ?? defaultRateOptions.maxKeys } }, counters);
  const gap = 1e6 / s.rate;
  const nc = s.clients.length;
  let emitted = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < s.events; i++) {
    const e = pool[i & 4095]!;
    e.tsUs = T0 + Math.floor(i * gap);
    e.client = s.clients[i % nc]!;
    emitted += g.tick(e.tsUs).length;
    if (g.run(e) !== null) emitted++;
  }
  emitted += g.finish().length;
  const ns = Number(process.hrtime.bigint() - t);
  return { perSecond: (s.events * 1e9) / ns, emitted, counters };
}

const million = endpoints(1_000_000);
const thousand = million.slice(0, 1000);
const scenarios: Scenario[] = [
  { name: 'one source, 1M events at 150/s', events: 1_000_000, clients: million.slice(0, 1), rate: 150 },
  { name: '1,000 sources, 1M events at 50k/s', events: 1_000_000, clients: thousand, rate: 50_000 },
  { name: '1M distinct sources at 50k/s (table grows to 1M)', events: 1_000_000, clients: million, rate: 50_000 },
  { name: 'churn: 1M distinct sources, 100k-key table', events: 1_000_000, clients: million, rate: 50_000, maxKeys: 100_000 },
  { name: 'excluded type, 1M events', events: 1_000_000, clients: thousand, rate: 50_000, exclude: ['auth-failed'] },
];

console.log(`node ${process.version}`);
runScenario({ ...scenarios[1]!, events: 200_000 }); // warm-up
const results: Record<string, unknown> = {};
for (const s of scenarios) {
  let best = { perSecond: 0, emitted: 0, counters: new Counters() };
  for (let i = 0; i < 2; i++) {
    const r = runScenario(s);
    if (r.perSecond > best.perSecond) best = r;
  }
  const c = best.counters;
  const ev = `emitted ${best.emitted}, suppressed ${c.snapshot('guard.events.suppressed.')['guard.events.suppressed.auth-failed'] ?? 0}, evicted ${c.get('guard.rate.keys_evicted')}`;
  console.log(`${s.name.padEnd(50)} ${(best.perSecond / 1e6).toFixed(2)} M events/s (${Math.round(1e9 / best.perSecond)} ns/event); ${ev}`);
  results[s.name] = Math.round(best.perSecond);
}

if (gc !== undefined) {
  gc();
  const before = process.memoryUsage();
  const counters = new Counters();
  const g = createGuard({}, counters);
  for (let i = 0; i < million.length; i++) {
    const e = pool[i & 4095]!;
    e.tsUs = T0 + i;
    e.client = million[i]!;
    g.run(e);
  }
  gc();
  const after = process.memoryUsage();
  const heap = (after.heapUsed - before.heapUsed) / million.length;
  const ext = (after.arrayBuffers - before.arrayBuffers) / million.length;
  console.log(`1M rate keys: ${heap.toFixed(0)} B/key on the heap (index Map) + ${ext.toFixed(0)} B/key in typed-array columns (capacity ${g.rate.keys.capacity})`);
  results.keyBytes = { heap: Math.round(heap), columns: Math.round(ext) };
} else {
  console.log('(run with --expose-gc for the memory of a 1M-key table)');
}
// Whole pipeline: the guard's share of a replay under flood.
const dir = mkdtempSync(join(tmpdir(), 'sipsentry-guard-bench-'));
try {
  const capture = join(dir, 'register.pcap');
  await generateFlood(capture, { kind: 'register', requests: 50_000, sources: 1, rate: 150 });
  const replay = async (guarded: boolean): Promise<{ perSecond: number; lines: number }> => {
    const counters = new Counters();
    const g = createGuard({}, counters);
    let lines = 0;
    let bytes = 0;
    const write = (e: TrackEvent): void => {
      bytes += JSON.stringify(toEcs(e)).length;
      lines++;
    };
    const t = process.hrtime.bigint();
    await replayFiles([capture], defaultReplayOptions, (e) => {
      if (!guarded) return write(e);
      for (const s of g.tick(e.tsUs)) write(s);
      const out = g.run(e);
      if (out !== null) write(out);
    }, counters);
    if (guarded) for (const s of g.finish()) write(s);
    const ns = Number(process.hrtime.bigint() - t);
    if (bytes < 0) console.log(bytes);
    return { perSecond: (counters.get('sip.messages') * 1e9) / ns, lines };
  };
  await replay(true); // warm-up
  for (const guarded of [false, true, false, true]) {
    const r = await replay(guarded);
    const name = `replay, REGISTER flood, ${guarded ? 'guarded' : 'no guard'}`;
    console.log(`${name.padEnd(50)} ${Math.round(r.perSecond).toLocaleString('en')} msg/s, ${r.lines} lines written`);
    results[name] = Math.max(Math.round(r.perSecond), (results[name] as number | undefined) ?? 0);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
