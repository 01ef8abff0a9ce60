import { EventActions } from '../track/track-event.js';
import { defaultDetectOptions, detectSchema, type DetectConfig, type DetectOptions } from './detect/options.js';

/** One rate window: more than `limit` occurrences of one key within `seconds` is over the limit. */
export interface RateWindow {
  seconds: number;
  limit: number;
}

export interface RateOptions {
  /** false passes every event through (counted as emitted). */
  enabled: boolean;
  /** Windows checked together; any one over its limit starts an episode. */
  windows: RateWindow[];
  /** Emitted over-limit occurrence after the 1st; then doubling. */
  firstReport: number;
  /** The gap between emitted over-limit occurrences never exceeds this. */
  maxReportInterval: number;
  /** An episode ends when every window is below `calmFraction` × its limit (hysteresis: no flapping at the limit). */
  calmFraction: number;
  /** Most (event type, client IP) keys kept; beyond, the least recently seen non-exceeded key goes. */
  maxKeys: number;
  /** A key not in an episode and unseen this long (seconds, packet time) is dropped. */
  idleTimeout: number;
}

export interface GuardOptions {
  /** Event types dropped before anything else (still counted as generated and excluded). */
  exclude: string[];
  rate: RateOptions;
  /** Seconds of packet time between two `stats` documents; 0 disables the periodic ones. */
  statsInterval: number;
  /** Attack detectors (docs/detection.md). */
  detect: DetectOptions;
}

/**
 * Defaults: a person dials at most a few times a second, a busy PBX trunk stays far below 4 events
 * per second and per type from one address, and a registrar sees one REGISTER per UA every few
 * minutes. 20/s catches bursts, 240/min a steady guesser, 3600/h a slow one.
 */
export const defaultRateOptions: RateOptions = {
  enabled: true,
  windows: [
    { seconds: 1, limit: 20 },
    { seconds: 60, limit: 240 },
    { seconds: 3600, limit: 3600 },
  ],
  firstReport: 100,
  maxReportInterval: 10_000,
  calmFraction: 0.5,
  maxKeys: 1_000_000,
  idleTimeout: 3600,
};

export const defaultGuardOptions: GuardOptions = {
  exclude: [],
  rate: defaultRateOptions,
  statsInterval: 300,
  detect: defaultDetectOptions,
};

/** A configuration as written: any part may be left out. */
export type GuardConfig = Partial<Omit<GuardOptions, 'rate' | 'detect'>> & { rate?: Partial<RateOptions>; detect?: DetectConfig };

/** Fills the missing parts of a partial configuration and rejects values that cannot work. */
export function resolveGuardOptions(o: GuardConfig = {}): GuardOptions {
  const rate: RateOptions = { ...defaultRateOptions, ...o.rate };
  const detect = o.detect === undefined ? defaultDetectOptions : detectSchema.parse(o.detect);
  const out: GuardOptions = { ...defaultGuardOptions, ...o, rate, detect };
  checkEventTypes(out.exclude);
  if (rate.windows.length === 0 || rate.windows.length > 8) throw new Error('guard: rate.windows needs 1 to 8 windows');
  for (const w of rate.windows) {
    if (!(w.seconds > 0) || !(w.limit >= 1)) throw new Error(`guard: bad rate window ${JSON.stringify(w)} (seconds > 0, limit ≥ 1)`);
  }
  if (!(rate.firstReport >= 2)) throw new Error('guard: rate.firstReport must be ≥ 2');
  if (!(rate.maxReportInterval >= 1)) throw new Error('guard: rate.maxReportInterval must be ≥ 1');
  if (!(rate.calmFraction > 0 && rate.calmFraction <= 1)) throw new Error('guard: rate.calmFraction must be in (0, 1]');
  if (!(rate.maxKeys >= 1) || !Number.isInteger(rate.maxKeys)) throw new Error('guard: rate.maxKeys must be a positive integer');
  if (!(rate.idleTimeout > 0)) throw new Error('guard: rate.idleTimeout must be > 0');
  if (!(out.statsInterval >= 0)) throw new Error('guard: statsInterval must be ≥ 0');
  return out;
}

const KNOWN: ReadonlySet<string> = new Set(EventActions);

/** Throws on a name that is not an event type: a typo must not silently exclude nothing. */
export function checkEventTypes(names: readonly string[]): void {
  const bad = names.filter((n) => !KNOWN.has(n));
  if (bad.length > 0) throw new Error(`guard: unknown event type(s) ${bad.join(', ')} (known: ${EventActions.join(', ')})`);
}
