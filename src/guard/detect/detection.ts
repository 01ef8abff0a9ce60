import type { Counters } from '../../base/counters.js';
import type { SipPayload } from '../../decode/sip-payload.js';
import { Alert, type Severity, type SuggestedAction } from '../../events/alert.js';
import type { SipMessage } from '../../sip/message.js';
import type { TrackEvent } from '../../track/track-event.js';
import { userOf } from '../../track/uri-keys.js';
import type { BanOrigin, BlocklistApi } from '../blocklist/types.js';
import { AlertGate } from './alert-gate.js';
import { analyseNumber, matchPrefix, normaliseNumber } from './dialled-number.js';
import { fingerprint } from './fingerprint.js';
import { RangeTable } from './geoip.js';
import type { DetectOptions } from './options.js';
import { RULES, type RuleDef } from './rules.js';
import { MapSweeper } from './map-sweeper.js';
import { SourceTable, type SourceState } from './source-table.js';
import { UserAgentMatcher } from './user-agents.js';
import { RecentTimes, SlidingCount } from './windows.js';
import { CappedMap } from '../../base/capped-map.js';

const S = 1_000_000;
/** Each table is walked in slices so that every entry is visited about every 5 minutes of packet time (idle timeouts are an hour). */
const SWEEP_PERIOD_S = 300;
const slice = (size: number): number => Math.ceil(size / SWEEP_PERIOD_S) + 16;
/** Most users kept per source set (enumeration, guessing): enough to judge, bounded under attack. */
const SET_CAP = 4096;

/** Final replies that mean "no such user" or "not for you" to a probe without credentials. */
const PROBE_FAILURES = new Set([401, 403, 404, 407, 484, 604]);

/** Per-user state: guessing against the user, where the user was last seen, open calls. */
class UserState {
  fails: RecentTimes | null = null;
  failSources: Set<string> | null = null;
  failTotal = 0;
  country: string | null = null;
  asn: string | null = null;
  placeUs = 0;
  activeCalls = 0;
  lastUs = 0;
}

/** A whole-probe request rate against its own long-run baseline (registration storms). */
class Surge {
  readonly window: SlidingCount;
  baseline = -1;
  sinceUs = -1;
  lastUs = -1;
  constructor(readonly windowS: number) {
    this.window = new SlidingCount(windowS * S);
  }
}

export type AlertSink = (a: Alert, allowlisted: boolean) => void;

/**
 * The detectors (docs/detection.md): they watch every SIP message (scanner fingerprints, sweeps,
 * enumeration, floods, dialled numbers) and every stated event (authentication failures,
 * registrations, calls), keep bounded per-source and per-user state on packet time, and raise
 * `Alert`s through one de-duplicating gate. Alerts that suggest blocking list the source in the
 * blocklist unless the allowlist covers it; allowlisted sources still alert, marked and with the
 * suggestion lowered to `monitor`.
 */
export class Detection {
  private readonly sources: SourceTable;
  private readonly users: CappedMap<string, UserState>;
  private readonly userSweeper: MapSweeper<string, UserState>;
  private readonly gate: AlertGate;
  private ua: UserAgentMatcher;
  private readonly pendingEnum = new Set<SourceState>();
  /** Call-ID → (source, user) of established calls, for parallel-call counts. */
  private readonly openCalls = new Map<string, { ip: string; user: string | null }>();
  private readonly registeredUsers = new Set<string>();
  private surges: { REGISTER: Surge; INVITE: Surge };
  private country: RangeTable | null;
  private asn: RangeTable | null;
  private readonly maxUsers: number;
  private firstUs = -1;
  private nextExpireUs = 0;
  private nextTickUs = 0;
  private intlPrefixes: string[];

  constructor(
    private o: DetectOptions,
    private readonly counters: Counters,
    private readonly sink: AlertSink,
    private readonly blocklist: BlocklistApi | null = null,
  ) {
    this.sources = new SourceTable(o.maxSources, o.idleTimeout * S);
    this.maxUsers = o.maxSources;
    this.users = new CappedMap(o.maxSources);
    this.userSweeper = new MapSweeper(this.users);
    this.gate = new AlertGate(o.realert * S, o.maxAlertsPerSecond, o.maxSources * 2);
    this.ua = new UserAgentMatcher(o.scanner.userAgents);
    const w = o.flood.surge.window;
    this.surges = { REGISTER: new Surge(w), INVITE: new Surge(w) };
    this.country = o.tollFraud.geo.countryFile !== null ? RangeTable.load(o.tollFraud.geo.countryFile) : null;
    this.asn = o.tollFraud.geo.asnFile !== null ? RangeTable.load(o.tollFraud.geo.asnFile) : null;
    this.intlPrefixes = o.tollFraud.internationalPrefixes;
  }

  /**
   * New settings without losing state (configuration reload): thresholds, windows, signatures and
   * switches apply from the next message on; range files are read again (an updated database is
   * picked up). State whose shape a setting fixed starts afresh: a source's flood count when its
   * window changed, failure rings when their length changed, the surge baselines when the surge
   * window changed. `maxSources` sizes the tables: a change keeps the old value and is returned (a
   * restart applies it). Throws, changing nothing, when a range file cannot be read.
   */
  reconfigure(next: DetectOptions): string[] {
    const old = this.o;
    const geo = next.tollFraud.geo;
    const country = geo.countryFile !== null ? RangeTable.load(geo.countryFile) : null;
    const asn = geo.asnFile !== null ? RangeTable.load(geo.asnFile) : null;
    const restart: string[] = [];
    if (next.maxSources !== old.maxSources) restart.push('detect.maxSources');
    this.o = { ...next, maxSources: old.maxSources };
    this.country = country;
    this.asn = asn;
    this.sources.idleUs = next.idleTimeout * S;
    this.gate.configure(next.realert * S, next.maxAlertsPerSecond);
    this.ua = new UserAgentMatcher(next.scanner.userAgents);
    this.intlPrefixes = next.tollFraud.internationalPrefixes;
    if (next.flood.surge.window !== old.flood.surge.window) {
      const w = next.flood.surge.window;
      this.surges = { REGISTER: new Surge(w), INVITE: new Surge(w) };
    }
    const f = next.flood;
    const of = old.flood;
    const ring = (t: DetectOptions['passwordGuessing']): number => Math.max(t.perSource.count, t.successAfter);
    const any = f.any.window !== of.any.window;
    const invite = f.invite.window !== of.invite.window;
    const register = f.register.window !== of.register.window;
    const options = f.options.window !== of.options.window;
    const authFails = ring(next.passwordGuessing) !== ring(old.passwordGuessing);
    if (any || invite || register || options || authFails) {
      for (const src of this.sources.values()) {
        if (any) src.any = null;
        if (invite) src.invite = null;
        if (register) src.register = null;
        if (options) src.options = null;
        if (authFails) src.authFails = null;
      }
    }
    if (next.passwordGuessing.perUser.count !== old.passwordGuessing.perUser.count) {
      for (const u of this.users.values()) u.fails = null;
    }
    return restart;
  }

  gauges(): Record<string, number> {
    return {
      'guard.detect.sources': this.sources.size,
      'guard.detect.users': this.users.size,
      'guard.detect.open_calls': this.openCalls.size,
      'guard.detect.gate_keys': this.gate.size,
    };
  }

  // ---------------------------------------------------------------- messages

  onMessage(p: SipPayload, m: SipMessage): void {
    if (!this.o.enabled) return;
    if (this.firstUs < 0) this.firstUs = p.tsUs;
    if (m.isRequest) this.request(p, m);
    else if (m.status >= 200) this.finalResponse(p, m);
  }

  private request(p: SipPayload, m: SipMessage): void {
    const now = p.tsUs;
    const method = m.method;
    if (method === 'ACK') return;
    // One Via: the sender made this request itself; more: a proxy relays someone else's.
    const originated = m.viaCount <= 1;
    const o = this.o;
    let s: SourceState | null = null;
    if (o.flood.enabled && (originated || !o.flood.originatedOnly)) {
      s = this.sources.get(p.srcIp, now);
      this.flood(s, method, now);
    }
    if (method === 'REGISTER' || method === 'INVITE') this.surges[method].window.add(now);
    if (m.to?.tag != null) return; // in-dialog: the rules below look at out-of-dialog probing only
    s ??= this.sources.get(p.srcIp, now);
    s.port = p.srcPort;
    s.serverIp = p.dstIp;
    s.userAgent = m.userAgent;
    if (o.scanner.enabled) this.scanner(s, m, now);
    if (!originated) return;
    const probing = method === 'REGISTER' || method === 'OPTIONS' || method === 'INVITE';
    if (probing && o.scanner.enabled) this.sweep(s, p, now);
    if (probing && o.enumeration.enabled && m.credentials === null) this.enumerationProbe(s, m, now);
    if (method === 'INVITE' && o.tollFraud.enabled) this.dialled(s, m, now);
  }

  private finalResponse(p: SipPayload, m: SipMessage): void {
    const s = this.sources.peek(p.dstIp);
    if (s === undefined || s.enumUsers === null) return;
    const method = m.cseq?.method;
    if (method !== 'REGISTER' && method !== 'OPTIONS' && method !== 'INVITE') return;
    if (m.status < 300 && method !== 'OPTIONS') s.enumOks++;
    else if (PROBE_FAILURES.has(m.status)) s.enumFails++;
  }

  private scanner(s: SourceState, m: SipMessage, now: number): void {
    const agent = m.userAgent;
    const sig = this.ua.match(agent) ?? this.ua.match(m.from?.displayName ?? null);
    if (sig !== null) {
      const sevAction: [Severity, SuggestedAction] = sig.severity === 'high' || sig.severity === 'critical' ? [sig.severity, 'block'] : [sig.severity, 'review'];
      s.scanHits++;
      this.raise(RULES.scannerUserAgent, s, s.scanHits, now, (a) => {
        a.userAgent = agent;
        a.evidence.tool = sig.tool;
        a.evidence.method = m.method;
      }, sevAction);
      return;
    }
    if (!this.o.scanner.fingerprint) return;
    const f = m.from;
    const fp = fingerprint(f?.tag ?? null, f?.uri ?? null, m.topVia?.branch ?? null, m.callId);
    if (fp.score >= this.o.scanner.fingerprintScore) {
      s.scanHits++;
      this.raise(RULES.scannerFingerprint, s, s.scanHits, now, (a) => {
        a.userAgent = agent;
        a.evidence.signals = fp.signals;
        a.evidence.score = fp.score;
        a.evidence.method = m.method;
      });
    }
  }

  private sweep(s: SourceState, p: SipPayload, now: number): void {
    const t = this.o.scanner.sweep;
    if (s.dsts === null || now - s.dstStartUs > t.window * S) {
      s.dsts = new Set();
      s.dstStartUs = now;
    }
    if (s.dsts.size >= SET_CAP) return;
    s.dsts.add(p.dstIp);
    if (s.dsts.size >= t.count) {
      const n = s.dsts.size;
      this.raise(RULES.scannerSweep, s, n, now, (a) => {
        a.firstUs = s.dstStartUs;
        a.evidence.destinations = n;
        a.evidence.window_s = t.window;
      });
    }
  }

  private enumerationProbe(s: SourceState, m: SipMessage, now: number): void {
    const t = this.o.enumeration;
    if (s.enumUsers === null || now - s.enumStartUs > t.window * S) {
      s.enumUsers = new Set();
      s.enumStartUs = now;
      s.enumFails = 0;
      s.enumOks = 0;
      s.enumProbes = 0;
      s.enumJudgeUs = 0;
      this.pendingEnum.delete(s);
    }
    const user = m.to !== null ? userOf(m.to.uri) : null;
    const target = user ?? userOf(m.requestUri);
    if (target === null) return;
    s.enumProbes++;
    if (s.enumUsers.size < SET_CAP) s.enumUsers.add(target);
    if (s.enumJudgeUs === 0 && s.enumUsers.size >= t.users) {
      s.enumJudgeUs = now + t.delay * S;
      this.pendingEnum.add(s);
    }
  }

  /** Judges enumeration evidence once its delay has passed; keeps judging while the window lasts. */
  private judgeEnumerations(now: number): void {
    const t = this.o.enumeration;
    for (const s of this.pendingEnum) {
      if (s.enumUsers === null || now - s.enumStartUs > t.window * S) {
        this.pendingEnum.delete(s);
        continue;
      }
      if (now < s.enumJudgeUs) continue;
      const users = s.enumUsers.size;
      if (s.enumOks <= users * t.maxSuccessRatio && s.enumFails >= users * t.minFailureRatio) {
        this.raise(RULES.enumeration, s, users, now, (a) => {
          a.firstUs = s.enumStartUs;
          a.evidence.users = users;
          a.evidence.probes = s.enumProbes;
          a.evidence.failures = s.enumFails;
          a.evidence.successes = s.enumOks;
          a.evidence.window_s = t.window;
        });
      }
    }
  }

  private flood(s: SourceState, method: string, now: number): void {
    const f = this.o.flood;
    s.any ??= new SlidingCount(f.any.window * S);
    const all = s.any.add(now);
    if (all >= f.any.count) this.floodAlert(RULES.floodAny, s, all, f.any, now, method);
    let c: SlidingCount | null = null;
    let t: { count: number; window: number } | null = null;
    let rule: RuleDef = RULES.floodAny;
    if (method === 'INVITE') {
      c = s.invite ??= new SlidingCount(f.invite.window * S);
      t = f.invite;
      rule = RULES.floodInvite;
    } else if (method === 'REGISTER') {
      c = s.register ??= new SlidingCount(f.register.window * S);
      t = f.register;
      rule = RULES.floodRegister;
    } else if (method === 'OPTIONS') {
      c = s.options ??= new SlidingCount(f.options.window * S);
      t = f.options;
      rule = RULES.floodOptions;
    }
    if (c === null || t === null) return;
    const n = c.add(now);
    if (n >= t.count) this.floodAlert(rule, s, n, t, now, method);
  }

  private floodAlert(rule: RuleDef, s: SourceState, n: number, t: { count: number; window: number }, now: number, method: string): void {
    this.raise(rule, s, Math.round(n), now, (a) => {
      a.firstUs = now - t.window * S;
      a.evidence.rate = Math.round(n);
      a.evidence.limit = t.count;
      a.evidence.window_s = t.window;
      a.evidence.method = method;
    });
  }

  /** Whole-probe rates against their baseline, once per tick. */
  private judgeSurges(now: number): void {
    const o = this.o.flood.surge;
    if (!this.o.flood.enabled || !o.enabled) return;
    for (const method of ['REGISTER', 'INVITE'] as const) {
      const g = this.surges[method];
      const rate = g.window.estimate(now) / o.window;
      if (g.baseline < 0) {
        g.baseline = rate;
        g.sinceUs = now;
        g.lastUs = now;
        continue;
      }
      const warm = now - g.sinceUs >= o.warmup * S;
      if (warm && rate >= o.minRate && rate > o.factor * g.baseline) {
        const rule = method === 'REGISTER' ? RULES.registrationStorm : RULES.inviteSurge;
        this.raise(rule, null, Math.round(rate * o.window), now, (a) => {
          a.firstUs = now - o.window * S;
          a.evidence.rate_per_s = Math.round(rate);
          a.evidence.baseline_per_s = Math.round(g.baseline * 10) / 10;
          a.evidence.factor = o.factor;
        });
      }
      // Exponential moving average over packet time; a surge raises it only slowly.
      const dt = (now - g.lastUs) / S;
      g.lastUs = now;
      g.baseline += (rate - g.baseline) * (1 - Math.pow(2, -dt / o.baseline));
    }
  }

  private dialled(s: SourceState, m: SipMessage, now: number): void {
    const number = normaliseNumber(userOf(m.requestUri));
    if (number === null) return;
    const t = this.o.tollFraud;
    const d = analyseNumber(number, this.intlPrefixes, t.outsideLinePrefixes);
    const caller = m.from !== null ? userOf(m.from.uri) : null;
    const set = (a: Alert): void => {
      a.target = number;
      a.user = caller;
    };
    if (d.international !== null && !t.homeCountryCodes.some((c) => d.rest.startsWith(c))) {
      const risky = matchPrefix(d.rest, t.highRiskPrefixes);
      if (risky !== null) {
        this.raise(RULES.fraudHighRisk, s, 1, now, (a) => {
          set(a);
          a.evidence.prefix = risky;
        }, undefined, `${s.ip}|${risky}`);
      } else if (t.alertInternational) {
        this.raise(RULES.fraudInternational, s, 1, now, set);
      }
    }
    const premium = matchPrefix(number, t.premiumPrefixes);
    if (premium !== null) {
      this.raise(RULES.fraudPremium, s, 1, now, (a) => {
        set(a);
        a.evidence.prefix = premium;
      });
    }
    this.prefixIteration(s, number, d.rest, now, set);
    this.sequential(s, number, now, set);
  }

  private prefixIteration(s: SourceState, number: string, rest: string, now: number, set: (a: Alert) => void): void {
    const t = this.o.tollFraud.prefixIteration;
    if (rest.length < t.tailDigits) return;
    if (s.tails === null || now - s.tailsStartUs > t.window * S) {
      s.tails = new Map();
      s.tailsStartUs = now;
    }
    const tail = rest.slice(-t.tailDigits);
    // The dial prefix is whatever precedes the common tail: 01148…, 901148…, 0048…, +48… all end the same.
    const lead = number.slice(0, number.length - tail.length);
    let seen = s.tails.get(tail);
    if (seen === undefined) {
      if (s.tails.size >= SET_CAP) return;
      seen = { leads: new Set(), attempts: 0 };
      s.tails.set(tail, seen);
    }
    seen.attempts++;
    const leads = seen.leads;
    if (leads.size < 64) leads.add(lead);
    if (leads.size >= t.variants || (leads.size >= 2 && seen.attempts >= t.attempts)) {
      const n = leads.size;
      const attempts = seen.attempts;
      this.raise(RULES.fraudPrefixIteration, s, attempts, now, (a) => {
        set(a);
        a.firstUs = s.tailsStartUs;
        a.evidence.variants = n;
        a.evidence.attempts = attempts;
        a.evidence.prefixes = [...leads].slice(0, 8).join(',');
      });
    }
  }

  private sequential(s: SourceState, number: string, now: number, set: (a: Alert) => void): void {
    const t = this.o.tollFraud.sequential;
    if (number.length > 15) return;
    const n = Number(number.replace('+', ''));
    if (!Number.isSafeInteger(n)) return;
    if (n === s.lastDialled) return; // a retry of the same number
    if (s.lastDialled >= 0 && n === s.lastDialled + 1 && now - s.seqStartUs <= t.window * S) s.seqRun++;
    else {
      s.seqRun = 1;
      s.seqStartUs = now;
    }
    s.lastDialled = n;
    if (s.seqRun >= t.run) {
      const run = s.seqRun;
      this.raise(RULES.fraudSequential, s, run, now, (a) => {
        set(a);
        a.firstUs = s.seqStartUs;
        a.evidence.run = run;
      });
    }
  }

  // ---------------------------------------------------------------- events

  onEvent(e: TrackEvent): void {
    if (!this.o.enabled) return;
    if (this.firstUs < 0) this.firstUs = e.tsUs;
    switch (e.action) {
      case 'auth-failed':
        if (this.o.passwordGuessing.enabled) this.authFailed(e);
        break;
      case 'reg-new':
        this.registered(e);
        break;
      case 'call-start':
        this.callStart(e);
        break;
      case 'call-end':
        this.callEnd(e);
        break;
      case 'call-attempt':
        this.unregisteredCaller(e);
        break;
      default:
        break;
    }
  }

  private authFailed(e: TrackEvent): void {
    const ip = e.client?.ip;
    if (ip === undefined) return;
    const now = e.tsUs;
    const t = this.o.passwordGuessing;
    const s = this.sources.get(ip, now);
    s.port = e.client!.port;
    if (e.server !== null) s.serverIp = e.server.ip;
    s.authFails ??= new RecentTimes(Math.max(t.perSource.count, t.successAfter));
    s.authFails.push(now);
    s.authFailTotal++;
    const user = e.user;
    if (user !== null) {
      s.authUsers ??= new Set();
      if (s.authUsers.size < SET_CAP) s.authUsers.add(user);
    }
    if (s.authFails.countWithin(now, t.perSource.window * S) >= t.perSource.count) {
      this.raise(RULES.guessingSource, s, s.authFailTotal, now, (a) => {
        a.firstUs = s.authFails!.oldest;
        a.user = user;
        a.userAgent = e.userAgent;
        a.evidence.users = s.authUsers?.size ?? 0;
        a.evidence.window_s = t.perSource.window;
        if (e.realm !== null) a.evidence.realm = e.realm;
      });
    }
    if (user === null) return;
    const u = this.user(user, now);
    u.fails ??= new RecentTimes(t.perUser.count);
    u.fails.push(now);
    u.failTotal++;
    u.failSources ??= new Set();
    if (u.failSources.size < SET_CAP) u.failSources.add(ip);
    if (u.failSources.size >= t.distributedSources && u.fails.countWithin(now, t.perUser.window * S) >= t.perUser.count) {
      const sources = u.failSources.size;
      this.raise(RULES.guessingDistributed, null, u.failTotal, now, (a) => {
        a.firstUs = u.fails!.oldest;
        a.user = user;
        a.sourceIp = ip;
        a.evidence.sources = sources;
        a.evidence.window_s = t.perUser.window;
      }, undefined, `user|${user}`);
    }
  }

  /** reg-new / call-start from a source that was failing authentication just before. */
  private successAfterGuessing(e: TrackEvent, s: SourceState): void {
    const t = this.o.passwordGuessing;
    if (!t.enabled || s.authFails === null) return;
    const recent = s.authFails.countWithin(e.tsUs, t.perSource.window * S);
    if (recent < t.successAfter) return;
    this.raise(RULES.guessingSuccess, s, recent, e.tsUs, (a) => {
      a.firstUs = s.authFails!.oldest;
      a.user = e.user;
      a.userAgent = e.userAgent;
      a.evidence.failures_before = recent;
      a.evidence.success = e.action;
    });
  }

  private registered(e: TrackEvent): void {
    const ip = e.client?.ip;
    if (ip === undefined) return;
    const s = this.sources.get(ip, e.tsUs);
    s.registered = true;
    if (e.user !== null && this.registeredUsers.size < this.maxUsers) this.registeredUsers.add(e.user);
    this.successAfterGuessing(e, s);
    this.place(e, ip);
  }

  private callStart(e: TrackEvent): void {
    const ip = e.client?.ip;
    if (ip === undefined || e.callId === null) return;
    const now = e.tsUs;
    const s = this.sources.get(ip, now);
    this.successAfterGuessing(e, s);
    this.unregisteredCaller(e);
    this.place(e, ip);
    if (!this.o.tollFraud.enabled || this.openCalls.has(e.callId) || this.openCalls.size >= this.maxUsers) return;
    this.openCalls.set(e.callId, { ip, user: e.user });
    const t = this.o.tollFraud.parallelCalls;
    s.activeCalls++;
    if (s.activeCalls > t.perSource) {
      const n = s.activeCalls;
      this.raise(RULES.fraudParallelSource, s, n, now, (a) => {
        a.user = e.user;
        a.evidence.calls = n;
        a.evidence.limit = t.perSource;
      });
    }
    if (e.user !== null) {
      const u = this.user(e.user, now);
      u.activeCalls++;
      if (u.activeCalls > t.perUser) {
        const n = u.activeCalls;
        this.raise(RULES.fraudParallelUser, s, n, now, (a) => {
          a.user = e.user;
          a.evidence.calls = n;
          a.evidence.limit = t.perUser;
        }, undefined, `user|${e.user}`);
      }
    }
  }

  private callEnd(e: TrackEvent): void {
    if (e.callId === null) return;
    const c = this.openCalls.get(e.callId);
    if (c === undefined) return;
    this.openCalls.delete(e.callId);
    const s = this.sources.peek(c.ip);
    if (s !== undefined && s.activeCalls > 0) s.activeCalls--;
    const u = c.user !== null ? this.users.get(c.user) : undefined;
    if (u !== undefined && u.activeCalls > 0) u.activeCalls--;
  }

  private unregisteredCaller(e: TrackEvent): void {
    const t = this.o.tollFraud;
    if (!t.enabled || !t.unregistered.enabled || e.client === null) return;
    if (this.firstUs < 0 || e.tsUs - this.firstUs < t.unregistered.warmup * S) return;
    const s = this.sources.get(e.client.ip, e.tsUs);
    if (s.registered || (e.user !== null && this.registeredUsers.has(e.user))) return;
    this.raise(RULES.fraudUnregistered, s, 1, e.tsUs, (a) => {
      a.user = e.user;
      a.target = e.to !== null ? userOf(e.to) : null;
      a.evidence.event = e.action;
    });
  }

  /** Country / network of a user's source: an alert when it changes within the window. */
  private place(e: TrackEvent, ip: string): void {
    if ((this.country === null && this.asn === null) || e.user === null) return;
    const now = e.tsUs;
    const u = this.user(e.user, now);
    const country = this.country?.lookup(ip) ?? null;
    const asn = this.asn?.lookup(ip) ?? null;
    const recent = u.placeUs > 0 && now - u.placeUs <= this.o.tollFraud.geo.window * S;
    const moved = (country !== null && u.country !== null && country !== u.country) || (asn !== null && u.asn !== null && asn !== u.asn);
    if (recent && moved) {
      const before = { country: u.country, asn: u.asn };
      const s = this.sources.get(ip, now);
      this.raise(RULES.fraudGeoChange, s, 1, now, (a) => {
        a.user = e.user;
        a.firstUs = u.placeUs;
        if (before.country !== null) a.evidence.country_before = before.country;
        if (country !== null) a.evidence.country = country;
        if (before.asn !== null) a.evidence.asn_before = before.asn;
        if (asn !== null) a.evidence.asn = asn;
      }, undefined, `user|${e.user}|${country}|${asn}`);
    }
    if (country !== null) u.country = country;
    if (asn !== null) u.asn = asn;
    u.placeUs = now;
  }

  private user(name: string, now: number): UserState {
    let u = this.users.get(name);
    if (u === undefined) {
      u = new UserState();
      if (this.users.add(name, u)) this.counters.inc('guard.detect.users_evicted');
    }
    u.lastUs = now;
    return u;
  }

  /**
   * The honeypot heard from `ip`: nobody legitimate is told its address, so any contact is an
   * alert that lists the source (origin `honeypot`). Called for every unit received; the gate keeps
   * it to one alert per source until the contacts double.
   */
  honeypotContact(ip: string, port: number, tsUs: number, localIp: string | null): void {
    const s = this.sources.get(ip, tsUs);
    s.port = port;
    if (localIp !== null) s.serverIp = localIp;
    s.honeypotHits++;
    this.raise(RULES.honeypotContact, s, s.honeypotHits, tsUs, (a) => {
      a.evidence.messages = s.honeypotHits;
    }, undefined, undefined, 'honeypot');
  }

  // ---------------------------------------------------------------- time

  /** About once a second of packet time: delayed judgements, surges, table sweeps, blocklist expiry. */
  tick(nowUs: number): void {
    // Callers may tick on every event; the work here is paced to once a second of packet time.
    if (!this.o.enabled || nowUs < this.nextTickUs) return;
    this.nextTickUs = nowUs + S;
    this.judgeEnumerations(nowUs);
    this.judgeSurges(nowUs);
    const evicted = this.sources.evicted;
    this.sources.sweep(nowUs, slice(this.sources.size));
    this.gate.sweep(nowUs, slice(this.gate.size));
    this.sweepUsers(nowUs);
    if (evicted > 0) {
      this.counters.inc('guard.detect.sources_evicted', evicted);
      this.sources.evicted = 0;
    }
    if (this.gate.dropped > 0) {
      this.counters.inc('guard.detect.alerts_dropped', this.gate.dropped);
      this.gate.dropped = 0;
    }
    if (this.blocklist !== null && nowUs >= this.nextExpireUs) {
      this.blocklist.expire(Math.floor(nowUs / 1000));
      this.nextExpireUs = nowUs + 60 * S;
    }
  }

  private sweepUsers(nowUs: number): void {
    const idle = this.o.idleTimeout * S;
    const geo = this.o.tollFraud.geo.window * S;
    this.userSweeper.sweep(slice(this.users.size), (u) => nowUs - u.lastUs >= idle && u.activeCalls === 0 && !(u.placeUs > 0 && nowUs - u.placeUs < geo));
  }

  // ---------------------------------------------------------------- alerts

  /**
   * One alert through the gate: `fill` adds the rule's evidence. The gate key is the rule and the
   * source (or `key` for user-keyed rules). A `block` suggestion lists the source in the blocklist.
   */
  private raise(rule: RuleDef, s: SourceState | null, count: number, now: number, fill: (a: Alert) => void, sevAction?: [Severity, SuggestedAction], key?: string, origin: BanOrigin = 'detector'): void {
    const gateKey = rule.name + '|' + (key ?? s?.ip ?? '');
    const g = this.gate.decide(gateKey, count, now);
    if (g.decision === 'quiet') return;
    const [severity, action] = sevAction ?? [rule.severity, rule.action];
    const a = new Alert(rule.id, rule.name, rule.category, severity, action, rule.description, now);
    a.count = count;
    a.occurrence = g.occurrence;
    if (s !== null) {
      a.sourceIp = s.ip;
      a.sourcePort = s.port > 0 ? s.port : null;
      a.serverIp = s.serverIp;
    }
    fill(a);
    if (a.userAgent === null && s !== null) a.userAgent = s.userAgent;
    const ip = a.sourceIp;
    const allowlisted = ip !== null && this.blocklist !== null && (this.blocklist.isAllowed(ip) || (a.user !== null && rule.category !== 'scanner' && this.blocklist.isAllowedUser(a.user)));
    this.counters.inc('guard.detect.alerts.' + rule.name);
    if (allowlisted) this.counters.inc('guard.detect.alerts_allowlisted');
    else if (action === 'block' && ip !== null && this.blocklist !== null) {
      this.blocklist.sight({ ip, reason: rule.name, origin, nowMs: Math.floor(now / 1000) });
    }
    this.sink(a, allowlisted);
  }
}
