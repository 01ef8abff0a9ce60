import { MapSweeper } from './map-sweeper.js';
import type { RecentTimes, SlidingCount } from './windows.js';
import { CappedMap } from '../../base/capped-map.js';

/** What the detectors remember about one source address; each part is made on first use. */
export class SourceState {
  lastUs = 0;
  // floods
  invite: SlidingCount | null = null;
  register: SlidingCount | null = null;
  options: SlidingCount | null = null;
  any: SlidingCount | null = null;
  // sweep: distinct destinations in the current window
  dsts: Set<string> | null = null;
  dstStartUs = 0;
  // enumeration: distinct users probed without credentials, and how the probes ended
  enumUsers: Set<string> | null = null;
  enumProbes = 0;
  enumStartUs = 0;
  enumFails = 0;
  enumOks = 0;
  /** Time to judge the enumeration evidence; 0 = nothing pending. */
  enumJudgeUs = 0;
  serverIp: string | null = null;
  // password guessing
  authFails: RecentTimes | null = null;
  authFailTotal = 0;
  authUsers: Set<string> | null = null;
  // toll fraud
  lastDialled = -1;
  seqRun = 0;
  seqStartUs = 0;
  /** number tail → dial prefixes seen in front of it */
  tails: Map<string, { leads: Set<string>; attempts: number }> | null = null;
  tailsStartUs = 0;
  activeCalls = 0;
  registered = false;
  userAgent: string | null = null;
  /** Requests matching a tool's User-Agent or fingerprint. */
  scanHits = 0;
  /** Units received by the honeypot from this source. */
  honeypotHits = 0;
  port = 0;

  constructor(readonly ip: string) {}
}

/**
 * Per-source detector state, capped: when full, the entry inserted longest ago goes (counted). A
 * sweep on packet-time ticks walks a bounded slice of the table, dropping idle entries, so memory
 * stays bounded under a flood of spoofed sources.
 */
export class SourceTable {
  private readonly map: CappedMap<string, SourceState>;
  private readonly sweeper: MapSweeper<string, SourceState>;

  constructor(
    max: number,
    /** Sources unused this long are dropped (settable: configuration reload). */
    public idleUs: number,
  ) {
    this.map = new CappedMap(max);
    this.sweeper = new MapSweeper(this.map);
  }

  /** Sources dropped to make room (read and reset by the detector's stats). */
  get evicted(): number {
    return this.map.evicted;
  }

  set evicted(n: number) {
    this.map.evicted = n;
  }

  get size(): number {
    return this.map.size;
  }

  peek(ip: string): SourceState | undefined {
    return this.map.get(ip);
  }

  get(ip: string, nowUs: number): SourceState {
    let s = this.map.get(ip);
    if (s === undefined) {
      s = new SourceState(ip);
      this.map.add(ip, s);
    }
    s.lastUs = nowUs;
    return s;
  }

  /** Looks at up to `budget` entries (continuing the previous walk) and drops the idle ones. */
  sweep(nowUs: number, budget: number): void {
    this.sweeper.sweep(budget, (s) => nowUs - s.lastUs >= this.idleUs);
  }

  values(): IterableIterator<SourceState> {
    return this.map.values();
  }
}
