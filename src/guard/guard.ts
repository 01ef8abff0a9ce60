import type { Counters } from '../base/counters.js';
import type { SipPayload } from '../decode/sip-payload.js';
import type { SipMessage } from '../sip/message.js';
import { EventActions, type TrackEvent } from '../track/track-event.js';
import type { BlocklistApi } from './blocklist/types.js';
import { Detection, type AlertSink } from './detect/detection.js';
import { ExcludeProcessor } from './exclude.js';
import { resolveGuardOptions, type GuardConfig } from './options.js';
import { RateLimiter } from './rate/rate-limiter.js';
import { StatsClock, buildStats, type StatsDocument } from './stats.js';

const GENERATED = EventActions.map((a) => 'guard.events.generated.' + a);
const GENERATED_INDEX = new Map<string, string>(EventActions.map((a, i) => [a, GENERATED[i]!]));

export interface GuardHooks {
  /** Receives every alert the detectors raise (with whether the allowlist covers its source). */
  alert?: AlertSink;
  /** Where `block` suggestions go, and the allowlist the detectors honour. */
  blocklist?: BlocklistApi | null;
}

export interface Guard {
  /** Each parsed SIP message, for the detectors (before the tracker sees it). */
  onMessage(p: SipPayload, m: SipMessage): void;
  /** The detectors, or null when detection is off. */
  readonly detection: Detection | null;
  /** Detection first (it must see excluded types too), then exclusion, then rate limiting: the event to write (maybe annotated with rate fields) or null. */
  run(e: TrackEvent): TrackEvent | null;
  /** Packet time moves on: calm-down (and eviction) summaries to write now. Call before run() with the event's time, and on the pipeline's clock ticks. */
  tick(nowUs: number): TrackEvent[];
  /** End of input: remaining summaries, including `end` ones for episodes still open. */
  finish(nowUs?: number): TrackEvent[];
  /** The `stats` document now (end of a replay, API). */
  stats(nowUs: number, final?: boolean): StatsDocument;
  /** The periodic `stats` document when one is due by `nowUs`, else null. */
  dueStats(nowUs: number): StatsDocument | null;
  /** Adds gauges read at each stats document and metrics scrape (e.g. the tracker's table sizes). */
  addGauges(prefix: string, read: () => Record<string, number>): void;
  /** Current gauges: the rate table and every registered source. */
  gauges(): Record<string, number>;
  /** Excluded event types; live, changeable at runtime. */
  readonly exclude: Set<string>;
  /** Replaces the excluded set after checking every name. */
  setExcluded(types: readonly string[]): void;
  /**
   * Applies a new configuration (SIGHUP) keeping all state: exclusions, stats interval, rate limits
   * and detector settings. Returns the changed settings that only a restart applies (they keep their
   * old values). Throws, changing nothing, on settings that cannot work.
   */
  reconfigure(options: GuardConfig): string[];
  readonly rate: RateLimiter;
}

/**
 * The guard stage between the tracker and the outputs: type exclusion, then per-(type, client IP)
 * rate limiting, plus the stats document. Every event in is counted once under
 * `guard.events.generated.<type>` and once under exactly one of excluded / suppressed / emitted.
 */
export function createGuard(options: GuardConfig, counters: Counters, hooks: GuardHooks = {}): Guard {
  let opts = resolveGuardOptions(options);
  const sources: Array<[string, () => Record<string, number>]> = [];
  const detection = opts.detect.enabled ? new Detection(opts.detect, counters, hooks.alert ?? (() => {}), hooks.blocklist ?? null) : null;
  if (detection !== null) sources.push(['', () => detection.gauges()]);
  const blocklist = hooks.blocklist ?? null;
  if (blocklist !== null) sources.push(['', () => blocklist.gauges?.() ?? {}]);
  const exclude = new ExcludeProcessor(opts.exclude, counters);
  const rate = new RateLimiter(opts.rate, counters);
  const clock = new StatsClock(opts.statsInterval);

  const gauges = (): Record<string, number> => {
    const k = rate.keys;
    const g: Record<string, number> = { 'guard.rate.keys': k.keys, 'guard.rate.keys_exceeded': k.exceeded };
    for (const [prefix, read] of sources) {
      for (const [name, v] of Object.entries(read())) g[prefix === '' ? name : prefix + '.' + name] = v;
    }
    return g;
  };

  return {
    exclude: exclude.types,
    rate,
    detection,
    onMessage(p, m) {
      detection?.onMessage(p, m);
    },
    run(e) {
      detection?.onEvent(e);
      counters.inc(GENERATED_INDEX.get(e.action)!);
      const kept = exclude.run(e);
      return kept === null ? null : rate.run(kept);
    },
    tick(nowUs) {
      detection?.tick(nowUs);
      return rate.tick(nowUs);
    },
    finish: (nowUs) => rate.finish(nowUs),
    stats(nowUs, final = true) {
      return buildStats(counters, gauges(), clock.take(nowUs), opts.statsInterval, final);
    },
    dueStats(nowUs) {
      if (!clock.due(nowUs)) return null;
      return buildStats(counters, gauges(), clock.take(nowUs), opts.statsInterval, false);
    },
    addGauges(prefix, read) {
      sources.push([prefix, read]);
    },
    gauges,
    setExcluded: (types) => exclude.replace(types),
    reconfigure(next) {
      const o = resolveGuardOptions(next);
      const restart: string[] = [];
      if (detection === null && o.detect.enabled) restart.push('detect.enabled');
      else if (detection !== null) restart.push(...detection.reconfigure(o.detect));
      exclude.replace(o.exclude);
      restart.push(...rate.reconfigure(o.rate));
      clock.setInterval(o.statsInterval);
      opts = o;
      return restart;
    },
  };
}
