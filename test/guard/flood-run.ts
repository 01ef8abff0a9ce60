/**
 * One flood replay in its own process, so its heap is measured alone and capped by
 * `--max-old-space-size`: generate the capture, replay it through the guard composed around
 * replayFiles, print one JSON line of results. Run by flood.test.ts (and by hand):
 *
 *   node --max-old-space-size=1024 --expose-gc dist/test/guard/flood-run.js --flood invite 200000 1000 50000 \
 *        [--exclude t1,t2] [--max-keys N] [--max-transactions N] [--max-calls N] [--dir TMP]
 *
 * Does nothing without `--flood`, so the test runner may load it as a file safely.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { createGuard } from '../../src/guard/guard.js';
import { defaultRateOptions } from '../../src/guard/options.js';
import { rateOf } from '../../src/guard/rate-info.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import type { TrackOptions } from '../../src/track/options.js';
import type { TrackEvent } from '../../src/track/track-event.js';
import { generateFlood, type FloodKind } from './gen-flood.js';

/** What the parent asserts on, per (type, client IP) key. */
export interface KeyStats {
  /** Events of this key handed to the guard and not excluded. */
  n: number;
  firstUs: number;
  lastUs: number;
  /** Emitted without rate fields, as reports (`exceeded`), as summaries. */
  passed: number;
  reports: number;
  summaries: number;
  /** Occurrences accounted for by the output: passed + reports + Σ suppressed. */
  accounted: number;
}

export interface FloodRun {
  kind: FloodKind;
  requests: number;
  captureBytes: number;
  generateS: number;
  replayS: number;
  messages: number;
  generated: number;
  emitted: number;
  suppressed: number;
  excluded: number;
  summaries: number;
  outputLines: number;
  outputBytes: number;
  heapPeakMiB: number;
  heapAfterMiB: number;
  rssPeakMiB: number;
  externalPeakMiB: number;
  counters: Record<string, number>;
  keys: Record<string, KeyStats>;
  stats: Record<string, unknown>;
}

export interface FloodConfig {
  exclude?: string[];
  maxKeys?: number;
  /** Tracker caps, when not the defaults. */
  track?: Partial<TrackOptions>;
  /** Where to write the capture (the parent's, so that it is removed even if this process aborts). */
  dir?: string;
}

export async function runFlood(kind: FloodKind, requests: number, sources: number, rate: number, cfg: FloodConfig = {}): Promise<FloodRun> {
  const exclude = cfg.exclude ?? [];
  const dir = mkdtempSync(join(cfg.dir ?? tmpdir(), 'sipsentry-flood-'));
  const capture = join(dir, `${kind}.pcap`);
  try {
    let t = performance.now();
    await generateFlood(capture, { kind, requests, sources, rate });
    const generateS = (performance.now() - t) / 1000;
    const captureBytes = statSync(capture).size;
    (globalThis as { gc?: () => void }).gc?.();

    let heapPeak = 0;
    let rssPeak = 0;
    let externalPeak = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      if (m.heapUsed > heapPeak) heapPeak = m.heapUsed;
      if (m.rss > rssPeak) rssPeak = m.rss;
      if (m.external + m.arrayBuffers > externalPeak) externalPeak = m.external + m.arrayBuffers;
    };
    const timer = setInterval(sample, 20);

    const counters = new Counters();
    const guard = createGuard({ exclude, rate: { ...defaultRateOptions, maxKeys: cfg.maxKeys ?? defaultRateOptions.maxKeys } }, counters);
    const replayOpts = { ...defaultReplayOptions, track: { ...defaultReplayOptions.track, ...cfg.track } };
    const keys: Record<string, KeyStats> = {};
    let outputLines = 0;
    let outputBytes = 0;
    const keyOf = (e: TrackEvent): string => `${e.action} ${e.client?.ip ?? '-'}`;
    const write = (e: TrackEvent): void => {
      // Serialised as the outputs will, so the cost of what passes is in the measurement.
      outputBytes += JSON.stringify(toEcs(e)).length + 1;
      outputLines++;
      const k = keys[keyOf(e)]!;
      const r = rateOf(e);
      if (r === null) {
        k.passed++;
        k.accounted++;
      } else if (r.state === 'exceeded') {
        k.reports++;
        k.accounted += 1 + r.suppressed;
      } else {
        k.summaries++;
        k.accounted += r.suppressed;
      }
    };
    let seen = 0;
    t = performance.now();
    await replayFiles([capture], replayOpts, (e) => {
      if ((++seen & 8191) === 0) sample();
      for (const s of guard.tick(e.tsUs)) write(s);
      if (!guard.exclude.has(e.action)) {
        const key = keyOf(e);
        const k = (keys[key] ??= { n: 0, firstUs: e.tsUs, lastUs: e.tsUs, passed: 0, reports: 0, summaries: 0, accounted: 0 });
        k.n++;
        if (e.tsUs < k.firstUs) k.firstUs = e.tsUs;
        if (e.tsUs > k.lastUs) k.lastUs = e.tsUs;
      }
      const out = guard.run(e);
      if (out !== null) write(out);
    }, counters);
    for (const s of guard.finish()) write(s);
    const stats = guard.stats(guard.rate.nowUs);
    outputLines++;
    outputBytes += JSON.stringify(stats).length + 1;
    const replayS = (performance.now() - t) / 1000;
    sample();
    clearInterval(timer);
    (globalThis as { gc?: () => void }).gc?.();
    const heapAfter = process.memoryUsage().heapUsed;

    const c = counters.snapshot();
    const sum = (d: string): number => Object.entries(c).filter(([k]) => k.startsWith(`guard.events.${d}.`)).reduce((a, [, v]) => a + v, 0);
    const MiB = 1024 * 1024;
    return {
      kind, requests, captureBytes, generateS, replayS,
      messages: c['sip.messages'] ?? 0,
      generated: sum('generated'), emitted: sum('emitted'), suppressed: sum('suppressed'), excluded: sum('excluded'), summaries: sum('summaries'),
      outputLines, outputBytes,
      heapPeakMiB: heapPeak / MiB, heapAfterMiB: heapAfter / MiB, rssPeakMiB: rssPeak / MiB, externalPeakMiB: externalPeak / MiB,
      counters: c, keys, stats,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const at = argv.indexOf('--flood');
if (at >= 0) {
  const [kind, requests, sources, rate] = argv.slice(at + 1, at + 5);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const exclude = opt('--exclude')?.split(',').filter((s) => s !== '') ?? [];
  const num = (name: string): number | undefined => (opt(name) === undefined ? undefined : Number(opt(name)));
  const track: Partial<TrackOptions> = {};
  const mt = num('--max-transactions');
  const mc = num('--max-calls');
  if (mt !== undefined) track.maxTransactions = mt;
  if (mc !== undefined) track.maxCalls = mc;
  const maxKeys = num('--max-keys');
  const dir = opt('--dir');
  const r = await runFlood(kind as FloodKind, Number(requests), Number(sources), Number(rate), { exclude, track, ...(maxKeys !== undefined ? { maxKeys } : {}), ...(dir !== undefined ? { dir } : {}) });
  process.stdout.write(JSON.stringify(r) + '\n');
}
