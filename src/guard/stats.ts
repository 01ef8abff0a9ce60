import type { Counters } from '../base/counters.js';
import { ECS_VERSION } from '../events/ecs-event.js';
import { isoFromUs } from '../events/time.js';

/** A `stats` document: ECS `event.kind: metric`, counters and gauges under `sipsentry.stats`. */
export type StatsDocument = Record<string, unknown>;

export interface StatsPeriod {
  startUs: number;
  endUs: number;
}

/**
 * When the periodic stats document is due, on packet time: at each multiple of the interval since
 * the epoch (so probes with the same interval report at the same instants), the first one at the
 * first boundary after the first packet.
 */
export class StatsClock {
  private startUs = -1;
  private nextUs = Infinity;

  constructor(private intervalS: number) {}

  /** A new interval (configuration reload): the current period ends at the new interval's next boundary. */
  setInterval(intervalS: number): void {
    this.intervalS = intervalS;
    if (this.startUs >= 0) this.nextUs = this.boundaryAfter(this.startUs);
  }

  due(nowUs: number): boolean {
    if (this.startUs < 0) this.begin(nowUs);
    return nowUs >= this.nextUs;
  }

  /** The period ending now; the next one starts here. */
  take(nowUs: number): StatsPeriod {
    if (this.startUs < 0) this.begin(nowUs);
    const p = { startUs: this.startUs, endUs: Math.max(nowUs, this.startUs) };
    this.startUs = p.endUs;
    this.nextUs = this.boundaryAfter(p.endUs);
    return p;
  }

  private begin(nowUs: number): void {
    this.startUs = nowUs;
    this.nextUs = this.boundaryAfter(nowUs);
  }

  private boundaryAfter(us: number): number {
    if (!(this.intervalS > 0)) return Infinity;
    const i = this.intervalS * 1e6;
    return (Math.floor(us / i) + 1) * i;
  }
}

/**
 * Counters that hold a current level (set, not incremented): they go with the gauges in the stats
 * document and are typed `gauge` in the Prometheus exposition.
 */
export const GAUGE_COUNTERS: ReadonlySet<string> = new Set([
  'decode.fragments.sets',
  'decode.fragments.bytes',
  'decode.tcp.buffered_bytes',
  'decode.tcp.streams_open',
]);

const DISPOSITIONS = ['generated', 'emitted', 'suppressed', 'excluded', 'summaries'] as const;

/**
 * Builds the stats document. Counters are cumulative since start (consumers take differences);
 * `event.start`/`event.end` bound the period since the previous document. Dotted counter names
 * become nested objects; a name that is both a value and a prefix of others keeps its value
 * under `value` (`a.b` = 1 and `a.b.c` = 2 give `{a: {b: {value: 1, c: 2}}}`), so the document
 * always maps to objects of longs.
 */
export function buildStats(counters: Counters, gauges: Record<string, number>, period: StatsPeriod, intervalS: number, final: boolean): StatsDocument {
  const all = counters.snapshot();
  const events: Record<string, number> = {};
  for (const d of DISPOSITIONS) {
    let sum = 0;
    const prefix = `guard.events.${d}.`;
    for (const [k, v] of Object.entries(all)) if (k.startsWith(prefix)) sum += v;
    events[d] = sum;
  }
  const levels: Record<string, number> = {};
  const plain: Record<string, number> = {};
  for (const [k, v] of Object.entries(all)) {
    if (GAUGE_COUNTERS.has(k)) levels[k] = v;
    else if (!(k in gauges)) plain[k] = v;
  }
  Object.assign(levels, gauges);
  return {
    '@timestamp': isoFromUs(period.endUs),
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'metric',
      action: 'stats',
      dataset: 'sipsentry.stats',
      start: isoFromUs(period.startUs),
      end: isoFromUs(period.endUs),
      duration: (period.endUs - period.startUs) * 1000,
    },
    sipsentry: {
      stats: {
        interval_s: intervalS,
        final,
        events,
        counters: nest(plain),
        gauges: nest(levels),
      },
    },
  };
}

type Tree = { [k: string]: number | Tree };

export function nest(flat: Record<string, number>): Tree {
  const root: Tree = {};
  for (const name of Object.keys(flat).sort()) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      let child = node[p];
      if (typeof child === 'number') {
        child = { value: child };
        node[p] = child;
      } else if (child === undefined) {
        child = {};
        node[p] = child;
      }
      node = child;
    }
    const leaf = parts[parts.length - 1]!;
    const existing = node[leaf];
    if (typeof existing === 'object') existing.value = flat[name]!;
    else node[leaf] = flat[name]!;
  }
  return root;
}
