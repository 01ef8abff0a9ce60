/**
 * Micro-benchmark of event serialisation: events/s for eventToJson against JSON.stringify(toEcs(e)),
 * over a mix of events shaped like the replay benchmark's output (registrations, OPTIONS pings,
 * calls, scanner timeouts, a few auth failures, parse errors and probes; 1 % rate-annotated).
 *
 * Each line is measured twice: serialised only, and serialised then joined into ~64 KiB chunks the
 * way LineSink batches lines (eventToJson returns a concatenation that is only copied into one
 * string there, so that copy belongs to its cost).
 *
 * Event times: `dense` ≈ 1 event per ms (the cached second mostly hits), `sparse` ≈ 117 ms apart
 * (the replay benchmark's capture: a new second almost every event, the cached day hits), `random`
 * any day between 1970 and 2100 (no cache hit at all). The timestamp text alone is measured on the
 * same three patterns (@timestamp and, where set, event.start and event.end, in event order).
 * Run: node dist/bench/events/ndjson.bench.js
 */
import { toEcs } from '../../src/events/ecs-event.js';
import { eventToJson, isoFromUsCached } from '../../src/events/ndjson.js';
import { isoFromUs } from '../../src/events/time.js';
import { TrackEvent, type EventAction } from '../../src/track/track-event.js';

/** A string with its own flat storage, as the tracker's copies out of packet buffers are. */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

const AGENTS = ['Yealink SIP-T46S 66.86.0.15', 'Linphone/5.2.0 (belle-sip/5.2.0)', 'Obihai/OBi200-3.2.2', 'Zoiper rv2.10.19.6', 'friendly-scanner'];
const REASONS: Array<[number, string]> = [[486, 'Busy Here'], [480, 'Temporarily Unavailable'], [404, 'Not Found'], [487, 'Request Terminated'], [603, 'Decline']];
const BASE_US = Date.UTC(2024, 4, 14, 8) * 1000;

let seed = 42;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[rnd(16)];
  return s;
}
function ip(): string {
  return `10.20.${rnd(64)}.${1 + rnd(254)}`;
}

/** Fills what every tracked dialog or transaction carries. */
function base(action: EventAction, tsUs: number, method: string, user: string, toUser: string): TrackEvent {
  const e = new TrackEvent(action, tsUs);
  const caller = ip();
  const port = rnd(3) === 0 ? 1024 + rnd(60000) : 5060;
  e.client = { ip: own(caller), port };
  e.server = { ip: own(`192.0.2.${10 + rnd(4)}`), port: 5060 };
  e.transport = 'udp';
  e.callId = own(`${hex(24)}@${caller}`);
  e.from = own(`sip:${user}@voip.example.com`);
  e.to = own(`sip:${toUser}@voip.example.com`);
  e.fromTag = own(hex(10));
  e.toTag = own(hex(10));
  e.method = method;
  e.requestUri = own(method === 'REGISTER' ? 'sip:voip.example.com' : `sip:${toUser}@voip.example.com`);
  e.userAgent = own(AGENTS[rnd(AGENTS.length - 1)]!);
  e.user = own(user);
  e.encap = ['eth', 'ipv4', 'udp'];
  return e;
}

/** One event in a hundred carries the guard's rate annotation, as during a flood episode. */
function makeEvent(tsUs: number): TrackEvent {
  const e = makeTrackerEvent(tsUs);
  if (rnd(100) === 0) {
    e.rate = { state: 'exceeded', exceeded: 1 + rnd(400), suppressed: rnd(100), suppressedTotal: rnd(1000), current: 20 + rnd(100), limit: 20, windowS: 60, sinceUs: tsUs - rnd(60_000_000) };
  }
  return e;
}

function makeTrackerEvent(tsUs: number): TrackEvent {
  const user = String(100000 + rnd(20000));
  const other = String(100000 + rnd(20000));
  const r = rnd(100);
  if (r < 38) {
    const e = base('reg-new', tsUs, 'REGISTER', user, user);
    Object.assign(e, { status: 200, reason: 'OK', contact: own(`sip:${user}@${e.client!.ip}:5060;line=${hex(8)}`), expires: 3600, serverAgent: 'sipsentry-bench-proxy/1.0', trace: '>REGISTER <200' });
    return e;
  }
  if (r < 58) {
    const e = base('other-ok', tsUs, 'OPTIONS', 'pinger', other);
    Object.assign(e, { status: 200, reason: 'OK', serverAgent: own(AGENTS[rnd(4)]!), trace: '>OPTIONS <200' });
    return e;
  }
  if (r < 70) {
    const e = base('call-start', tsUs, 'INVITE', user, other);
    Object.assign(e, { startUs: tsUs, status: 200, reason: 'OK', contact: own(`sip:${user}@${e.client!.ip}:5060`), serverAgent: 'sipsentry-bench-proxy/1.0', pddMs: 100 + rnd(2000), ringMs: rnd(8000), trace: '>INVITE <100 <180 <200' });
    return e;
  }
  if (r < 82) {
    const e = base('call-end', tsUs, 'INVITE', user, other);
    const startUs = tsUs - 1000 * (1000 + rnd(300_000));
    Object.assign(e, { startUs, endUs: tsUs, status: 200, reason: 'OK', contact: own(`sip:${user}@${e.client!.ip}:5060`), serverAgent: 'sipsentry-bench-proxy/1.0', pddMs: 100 + rnd(2000), ringMs: rnd(8000), originator: rnd(2) ? 'caller' : 'callee', trace: '>INVITE <100 <180 <200 >ACK >BYE' });
    return e;
  }
  if (r < 90) {
    const e = base('call-attempt', tsUs, 'INVITE', user, other);
    const [status, reason] = REASONS[rnd(REASONS.length)]!;
    Object.assign(e, { status, reason, contact: own(`sip:${user}@${e.client!.ip}:5060`), serverAgent: 'sipsentry-bench-proxy/1.0', pddMs: 100 + rnd(2000), trace: `>INVITE <100 <${status}`, cancelled: status === 487 });
    return e;
  }
  if (r < 95) {
    const e = base('reg-expired', tsUs, 'REGISTER', user, user);
    Object.assign(e, { startUs: tsUs - 3_630_000_000, endUs: tsUs - 30_000_000, contact: own(`sip:${user}@${e.client!.ip}:5060;line=${hex(8)}`), fromTag: null, toTag: null });
    return e;
  }
  if (r < 98) {
    const e = base('other-timeout', tsUs, 'OPTIONS', String(rnd(10000)), String(rnd(10000)));
    Object.assign(e, { userAgent: 'friendly-scanner', status: 408, reason: 'Request Timeout', timeout: true, toTag: null, callId: own(String(rnd(1e9))), trace: '>OPTIONS' });
    return e;
  }
  if (r < 99) {
    const e = base('auth-failed', tsUs, 'REGISTER', user, user);
    Object.assign(e, { status: 403, reason: 'Forbidden', realm: 'voip.example.com', trace: '>REGISTER <401 >REGISTER <403' });
    return e;
  }
  const e = new TrackEvent(rnd(2) ? 'parse-error' : 'msg-probe', tsUs);
  e.client = { ip: own(ip()), port: 5060 };
  e.server = { ip: '192.0.2.10', port: 5060 };
  e.transport = 'udp';
  e.encap = ['eth', 'ipv4', 'udp'];
  if (e.action === 'parse-error') Object.assign(e, { errorCode: 'sip.bad_start_line', errorMessage: 'request line without SIP version', errorOffset: 0, partial: true });
  else Object.assign(e, { bytes: 4 + rnd(1400), payloadPrefix: own(hex(32)) });
  return e;
}

type Times = 'dense' | 'sparse' | 'random';
function makeEvents(n: number, times: Times): TrackEvent[] {
  const out: TrackEvent[] = [];
  let t = BASE_US;
  for (let i = 0; i < n; i++) {
    if (times === 'dense') t += rnd(2000);
    else if (times === 'sparse') t += rnd(234_000);
    else t = rnd(4_102_444_800) * 1_000_000 + rnd(1_000_000);
    out.push(makeEvent(t));
  }
  return out;
}

const viaToEcs = (e: TrackEvent): string => JSON.stringify(toEcs(e));
let sink = 0;

/** Best events/s over rounds of the whole pool, serialised only or also joined into 64 KiB chunks. */
function measure(fn: (e: TrackEvent) => string, events: TrackEvent[], joined: boolean): number {
  const pass = (): void => {
    let lines: string[] = [];
    let size = 0;
    for (let i = 0; i < events.length; i++) {
      const line = fn(events[i]!);
      if (!joined) {
        sink += line.length;
        continue;
      }
      lines.push(line);
      size += line.length + 1;
      if (size >= 65536) {
        sink += (lines.join('\n') + '\n').length;
        lines = [];
        size = 0;
      }
    }
    if (joined) sink += lines.join('\n').length;
  };
  for (let i = 0; i < 5; i++) pass(); // warm-up
  let best = 0;
  for (let round = 0; round < 7; round++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < 5; k++) pass();
    const ns = Number(process.hrtime.bigint() - t0);
    best = Math.max(best, (5 * events.length * 1e9) / ns);
  }
  return best;
}

function fmt(rate: number): string {
  return `${(rate / 1e6).toFixed(2).padStart(5)} M ev/s (${(1000 / (rate / 1e6)).toFixed(0).padStart(4)} ns)`;
}

console.log(`node ${process.version}`);
for (const times of ['dense', 'sparse', 'random'] as Times[]) {
  const events = makeEvents(20_000, times);
  for (const e of events) if (eventToJson(e) !== viaToEcs(e)) throw new Error('eventToJson differs from JSON.stringify(toEcs(e))');
  const bytes = events.reduce((n, e) => n + eventToJson(e).length, 0) / events.length;
  for (const joined of [false, true]) {
    const ref = measure(viaToEcs, events, joined);
    const fast = measure(eventToJson, events, joined);
    console.log(
      `${times.padEnd(6)} ${joined ? '+join ' : 'serial'} (${bytes.toFixed(0)} B/event)  JSON.stringify(toEcs) ${fmt(ref)}  eventToJson ${fmt(fast)}  ×${(fast / ref).toFixed(2)}`,
    );
  }
}

/** Best ns per timestamp over the @timestamp/start/end sequence of the pool. */
function measureTimes(fn: (us: number) => string, times: number[]): number {
  const pass = (): void => {
    for (let i = 0; i < times.length; i++) sink += fn(times[i]!).length;
  };
  for (let i = 0; i < 5; i++) pass();
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < 5; k++) pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (5 * times.length));
  }
  return best;
}

for (const times of ['dense', 'sparse', 'random'] as Times[]) {
  const seq: number[] = [];
  for (const e of makeEvents(20_000, times)) {
    seq.push(e.tsUs);
    if (e.startUs !== null) seq.push(e.startUs);
    if (e.endUs !== null) seq.push(e.endUs);
  }
  const ref = measureTimes(isoFromUs, seq);
  const fast = measureTimes(isoFromUsCached, seq);
  console.log(`${times.padEnd(6)} timestamp  isoFromUs ${ref.toFixed(0).padStart(4)} ns  isoFromUsCached ${fast.toFixed(0).padStart(4)} ns  ×${(ref / fast).toFixed(2)}`);
}
if (sink === 42) console.log('');
