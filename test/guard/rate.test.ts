import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counters } from '../../src/base/counters.js';
import { createGuard } from '../../src/guard/guard.js';
import fc from 'fast-check';
import { defaultRateOptions, resolveGuardOptions, type RateOptions } from '../../src/guard/options.js';
import { rateOf, type RateInfo } from '../../src/guard/rate-info.js';
import { nextReport, reportsWithin } from '../../src/guard/rate/backoff.js';
import { RateLimiter } from '../../src/guard/rate/rate-limiter.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { TrackEvent, type EventAction } from '../../src/track/track-event.js';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const S = 1_000_000;

function ev(action: EventAction, tsUs: number, ip = '203.0.113.7', port = 5060): TrackEvent {
  const e = new TrackEvent(action, tsUs);
  e.client = { ip, port };
  return e;
}

function limiter(o: Partial<RateOptions> = {}): { rl: RateLimiter; counters: Counters } {
  const counters = new Counters();
  return { rl: new RateLimiter({ ...defaultRateOptions, ...o }, counters), counters };
}

/** Occurrences an output stands for: 1 per passed event plus what reports and summaries say was suppressed. */
function occurrences(out: TrackEvent[]): number {
  let n = 0;
  for (const e of out) {
    const r = rateOf(e);
    if (r === null) n += 1;
    else n += (r.state === 'exceeded' ? 1 : 0) + r.suppressed;
  }
  return n;
}

test('back-off: the 1st, 100th, then doubling gaps capped at 10,000', () => {
  const seq: number[] = [];
  for (let k = 1; k <= 60_000; k = nextReport(k, 100, 10_000)) seq.push(k);
  assert.deepEqual(seq, [1, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 22800, 32800, 42800, 52800]);
  assert.equal(reportsWithin(60_000, 100, 10_000), seq.length);
  assert.equal(reportsWithin(0, 100, 10_000), 0);
  assert.equal(reportsWithin(99, 100, 10_000), 1);
});

test('a burst passes up to the per-second limit, then only back-off reports go through', () => {
  const { rl, counters } = limiter();
  const out: TrackEvent[] = [];
  for (let i = 0; i < 1000; i++) {
    const r = rl.run(ev('auth-failed', T0 + i)); // 1000 within 1 ms
    if (r !== null) out.push(r);
  }
  const plain = out.filter((e) => rateOf(e) === null);
  const reports = out.filter((e) => rateOf(e) !== null).map((e) => rateOf(e)!);
  assert.equal(plain.length, 20);
  assert.deepEqual(reports.map((r) => r.exceeded), [1, 100, 200, 400, 800]);
  assert.deepEqual(reports.map((r) => r.suppressed), [0, 98, 99, 199, 399]);
  const first = reports[0]!;
  assert.equal(first.state, 'exceeded');
  assert.equal(first.limit, 20);
  assert.equal(first.windowS, 1);
  assert.equal(first.current, 21);
  assert.equal(first.sinceUs, T0 + 20);
  assert.equal(counters.get('guard.events.emitted.auth-failed'), 25);
  assert.equal(counters.get('guard.events.suppressed.auth-failed'), 975);
  assert.equal(counters.get('guard.rate.episodes'), 1);

  // Calm: the minute window decides (1000 occurrences fall under 120 after 60·ln(1000/120) s).
  assert.deepEqual(rl.tick(T0 + 100 * S), []);
  const calm = rl.tick(T0 + 200 * S);
  assert.equal(calm.length, 1);
  const c = rateOf(calm[0]!)!;
  assert.equal(c.state, 'calm');
  assert.equal(c.suppressed, 180);
  assert.equal(c.suppressedTotal, 975);
  assert.equal(c.exceeded, 980);
  assert.equal(c.windowS, 60);
  assert.equal(c.current, 120);
  const expected = T0 + 999 + 60 * S * Math.log(1000 / 120);
  assert.ok(Math.abs(calm[0]!.tsUs - expected) < 1000, `calm at ${calm[0]!.tsUs - T0} µs`);
  assert.equal(calm[0]!.action, 'auth-failed');
  assert.deepEqual(calm[0]!.client, { ip: '203.0.113.7', port: 5060 });
  assert.equal(occurrences([...out, ...calm]), 1000);
  assert.equal(counters.get('guard.events.summaries.auth-failed'), 1);
  assert.equal(counters.get('guard.rate.summaries.calm'), 1);

  // After calm the key starts afresh.
  assert.equal(rateOf(rl.run(ev('auth-failed', T0 + 300 * S))!), null);
});

test('a steady rate right at a limit never starts an episode; just above it does', () => {
  const passedPlain = (rl: RateLimiter, n: number, gapUs: number): number => {
    let k = 0;
    for (let i = 0; i < n; i++) {
      const r = rl.run(ev('other-ok', T0 + i * gapUs));
      if (r !== null && rateOf(r) === null) k++;
    }
    return k;
  };
  const at = limiter({ windows: [{ seconds: 60, limit: 240 }] });
  assert.equal(passedPlain(at.rl, 4 * 3600, 250_000), 4 * 3600); // 4/s = 240/min for an hour
  assert.equal(at.counters.get('guard.rate.episodes'), 0);
  const hourly = limiter();
  assert.equal(passedPlain(hourly.rl, 2 * 3600, S), 2 * 3600); // 1/s = 3600/h for two hours, default windows
  const above = limiter({ windows: [{ seconds: 60, limit: 240 }] });
  passedPlain(above.rl, 5 * 600, 200_000); // 5/s = 300/min
  assert.equal(above.counters.get('guard.rate.episodes'), 1);
  assert.ok(above.counters.get('guard.events.suppressed.other-ok') > 2000);
});

test('keys are per event type and client IP; a client without address is one key', () => {
  const { rl, counters } = limiter({ windows: [{ seconds: 1, limit: 2 }] });
  for (const ip of ['10.0.0.1', '10.0.0.2']) for (let i = 0; i < 2; i++) assert.ok(rl.run(ev('reg-new', T0, ip)) !== null);
  assert.ok(rl.run(ev('reg-del', T0, '10.0.0.1')) !== null);
  const x = ev('msg-probe', T0);
  x.client = null;
  rl.run(x);
  rl.run(x);
  const third = rl.run(x)!;
  assert.equal(rateOf(third)!.exceeded, 1);
  assert.equal(rl.keys.keys, 4);
  assert.equal(counters.get('guard.rate.episodes'), 1);
  const [end] = rl.finish(T0 + 1);
  assert.equal(end!.client, null);
  assert.equal(rateOf(end!)!.state, 'end');
});

test('a full table evicts the least recently seen calm key first, then the oldest exceeded one with a summary', () => {
  const { rl, counters } = limiter({ maxKeys: 3, windows: [{ seconds: 10, limit: 2 }] });
  // A and B exceed; C is calm.
  for (let i = 0; i < 5; i++) rl.run(ev('auth-failed', T0 + i, '10.0.0.1'));
  for (let i = 0; i < 5; i++) rl.run(ev('auth-failed', T0 + 10 + i, '10.0.0.2'));
  rl.run(ev('auth-failed', T0 + 20, '10.0.0.3'));
  assert.deepEqual(rl.keys, { ...rl.keys, keys: 3, exceeded: 2 });
  rl.run(ev('auth-failed', T0 + 30, '10.0.0.4')); // C goes
  assert.equal(counters.get('guard.rate.keys_evicted'), 1);
  rl.run(ev('auth-failed', T0 + 40, '10.0.0.4'));
  rl.run(ev('auth-failed', T0 + 41, '10.0.0.4'));
  // Now A, B and D are all exceeded: the next new key pushes out A, the oldest.
  assert.equal(rl.keys.exceeded, 3);
  const e = rl.run(ev('auth-failed', T0 + 50, '10.0.0.5'));
  assert.ok(e !== null && rateOf(e) === null);
  assert.equal(counters.get('guard.rate.keys_evicted_exceeded'), 1);
  const [sum] = rl.tick(T0 + 51);
  assert.equal(sum!.client!.ip, '10.0.0.1');
  const r = rateOf(sum!)!;
  assert.deepEqual([r.state, r.exceeded, r.suppressed, r.suppressedTotal], ['evicted', 3, 2, 2]);
  assert.equal(rl.keys.keys, 3);
});

test('idle calm keys expire; keys in an episode stay until they calm down', () => {
  const { rl, counters } = limiter({ idleTimeout: 60, windows: [{ seconds: 1, limit: 1 }] });
  rl.run(ev('other-ok', T0, '10.0.0.1'));
  for (let i = 0; i < 3; i++) rl.run(ev('other-ok', T0, '10.0.0.2'));
  rl.tick(T0 + 30 * S);
  assert.equal(rl.keys.keys, 2);
  rl.run(ev('other-ok', T0 + 40 * S, '10.0.0.3'));
  const out = rl.tick(T0 + 61 * S);
  // 10.0.0.1 expires; 10.0.0.2 calmed at ~1.8 s but idles from the tick that ended its episode (30 s).
  assert.equal(counters.get('guard.rate.keys_expired'), 1);
  assert.equal(out.length, 0);
  rl.tick(T0 + 101 * S);
  assert.equal(counters.get('guard.rate.keys_expired'), 3);
  assert.equal(rl.keys.keys, 0);
});

test('time going back (events decided late) neither throws nor un-decays rates', () => {
  const { rl } = limiter({ windows: [{ seconds: 1, limit: 3 }] });
  rl.run(ev('call-attempt', T0 + 10 * S));
  for (let i = 0; i < 10; i++) rl.run(ev('call-attempt', T0 + i * S));
  assert.equal(rl.nowUs, T0 + 10 * S);
  const out = rl.finish();
  assert.equal(out.length, 1);
  assert.equal(rateOf(out[0]!)!.state, 'end');
  assert.equal(out[0]!.tsUs, T0 + 10 * S);
});

test('guard: exclusion first, live set, every event counted once as excluded, suppressed or emitted', () => {
  const counters = new Counters();
  const g = createGuard({ exclude: ['msg-probe'], rate: { ...defaultRateOptions, windows: [{ seconds: 1, limit: 5 }] } }, counters);
  const out: TrackEvent[] = [];
  const feed = (e: TrackEvent): void => {
    out.push(...g.tick(e.tsUs));
    const r = g.run(e);
    if (r !== null) out.push(r);
  };
  for (let i = 0; i < 500; i++) feed(ev(i % 3 === 0 ? 'msg-probe' : i % 3 === 1 ? 'auth-failed' : 'other-failed', T0 + i * 1000, `10.0.${i % 2}.1`));
  g.exclude.add('other-failed');
  g.exclude.delete('msg-probe');
  for (let i = 0; i < 300; i++) feed(ev(i % 2 === 0 ? 'msg-probe' : 'other-failed', T0 + S + i * 1000));
  out.push(...g.finish());
  assert.throws(() => g.setExcluded(['msg-probe', 'no-such-event']), /unknown event type/);
  assert.deepEqual([...g.exclude].sort(), ['other-failed']);
  assert.throws(() => createGuard({ exclude: ['reg-nwe'] }, new Counters()), /reg-nwe/);

  const c = counters.snapshot('guard.events.');
  const sum = (d: string): number => Object.entries(c).filter(([k]) => k.startsWith(`guard.events.${d}.`)).reduce((a, [, v]) => a + v, 0);
  assert.equal(sum('generated'), 800);
  assert.equal(sum('generated'), sum('emitted') + sum('suppressed') + sum('excluded'));
  assert.equal(c['guard.events.excluded.msg-probe'], 167);
  assert.equal(c['guard.events.excluded.other-failed'], 150);
  assert.equal(sum('summaries'), out.filter((e) => { const r = rateOf(e); return r !== null && r.state !== 'exceeded'; }).length);
  assert.equal(occurrences(out), 800 - sum('excluded'));
});

test('the rate fields in the ECS document', () => {
  const { rl } = limiter({ windows: [{ seconds: 60, limit: 1 }] });
  rl.run(ev('auth-failed', T0));
  const e = rl.run(ev('auth-failed', T0 + 2 * S))!;
  const doc = toEcs(e);
  const r: RateInfo = rateOf(e)!;
  assert.deepEqual((doc.sip as Record<string, unknown>).rate, {
    state: 'exceeded', exceeded: 1, suppressed: 0, suppressed_total: 0, current: r.current, limit: 1, window: '1m', since: '2026-01-01T00:00:02.000Z',
  });
  assert.deepEqual(Object.keys(doc.sip as object).at(-1), 'rate');
  assert.equal(r.current, 2);
  const plain = toEcs(ev('auth-failed', T0));
  assert.equal((plain.sip as Record<string, unknown>).rate, undefined);
});

test('disabled rate limiting passes everything and still counts it', () => {
  const counters = new Counters();
  const g = createGuard({ rate: { ...defaultRateOptions, enabled: false } }, counters);
  for (let i = 0; i < 100; i++) assert.ok(g.run(ev('auth-failed', T0)) !== null);
  assert.equal(counters.get('guard.events.emitted.auth-failed'), 100);
});

test('options are checked', () => {
  assert.throws(() => resolveGuardOptions({ rate: { windows: [] } }), /windows/);
  assert.throws(() => resolveGuardOptions({ rate: { windows: [{ seconds: 0, limit: 5 }] } }), /bad rate window/);
  assert.throws(() => resolveGuardOptions({ rate: { calmFraction: 0 } }), /calmFraction/);
  assert.throws(() => resolveGuardOptions({ rate: { maxKeys: 1.5 } }), /maxKeys/);
  assert.throws(() => resolveGuardOptions({ statsInterval: -1 }), /statsInterval/);
  assert.deepEqual(resolveGuardOptions({ rate: { maxKeys: 10 } }).rate.windows, defaultRateOptions.windows);
});

test('the table grows past its first columns and stays at its cap', () => {
  const { rl, counters } = limiter({ maxKeys: 2500 });
  for (let i = 0; i < 3000; i++) assert.ok(rl.run(ev('other-ok', T0 + i, `10.1.${i >> 8}.${i & 255}`)) !== null);
  assert.equal(rl.keys.keys, 2500);
  assert.equal(counters.get('guard.rate.keys_evicted'), 500);
  assert.equal(rl.keys.capacity, 2500);
});

test('random traffic: every occurrence is accounted for per key, whatever the table size and tick cadence', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ src: fc.integer({ min: 0, max: 12 }), type: fc.constantFrom<EventAction>('auth-failed', 'other-ok', 'msg-probe'), gapMs: fc.integer({ min: 0, max: 3000 }), burst: fc.integer({ min: 1, max: 60 }) }), { maxLength: 80 }),
      fc.integer({ min: 1, max: 16 }),
      fc.boolean(),
      (steps, maxKeys, tickEach) => {
        const counters = new Counters();
        const g = createGuard({ rate: { maxKeys, windows: [{ seconds: 1, limit: 5 }, { seconds: 60, limit: 40 }] } }, counters);
        const n = new Map<string, number>();
        const out: TrackEvent[] = [];
        let t = T0;
        for (const s of steps) {
          t += s.gapMs * 1000;
          for (let b = 0; b < s.burst; b++) {
            const e = ev(s.type, t + b, `10.9.0.${s.src}`);
            const key = `${e.action} ${e.client!.ip}`;
            n.set(key, (n.get(key) ?? 0) + 1);
            if (tickEach || b === 0) out.push(...g.tick(e.tsUs));
            const r = g.run(e);
            if (r !== null) out.push(r);
          }
        }
        out.push(...g.finish());
        const got = new Map<string, number>();
        for (const e of out) {
          const key = `${e.action} ${e.client!.ip}`;
          got.set(key, (got.get(key) ?? 0) + occurrences([e]));
        }
        assert.deepEqual([...got.entries()].sort(), [...n.entries()].sort());
        assert.ok(g.rate.keys.keys <= maxKeys);
        const c = counters.snapshot('guard.events.');
        const sum = (d: string): number => Object.entries(c).filter(([k]) => k.startsWith(`guard.events.${d}.`)).reduce((a, [, v]) => a + v, 0);
        assert.equal(sum('generated'), sum('emitted') + sum('suppressed'));
        assert.equal(sum('summaries'), out.filter((e) => rateOf(e) !== null && rateOf(e)!.state !== 'exceeded').length);
      },
    ),
    { numRuns: 200, seed: 7 },
  );
});

test('reconfigure: new limits apply at once and re-time open episodes; window lengths and maxKeys need a restart', () => {
  const { rl, counters } = limiter();
  for (let i = 0; i < 1000; i++) rl.run(ev('auth-failed', T0 + i));
  assert.equal(counters.get('guard.rate.episodes'), 1);
  const tenfold = defaultRateOptions.windows.map((w) => ({ seconds: w.seconds, limit: w.limit * 10 }));
  assert.deepEqual(rl.reconfigure({ ...defaultRateOptions, windows: tenfold }), []);
  // Calm under the new limits once the per-second window falls below 100 (half of 200): after ln(10) s,
  // not after the 60·ln(1000/120) s the old minute limit needed.
  const calm = rl.tick(T0 + 3 * S);
  assert.equal(calm.length, 1);
  assert.equal(rateOf(calm[0]!)!.state, 'calm');
  assert.equal(rateOf(calm[0]!)!.windowS, 1);
  const expected = T0 + 999 + S * Math.log(10);
  assert.ok(Math.abs(calm[0]!.tsUs - expected) < 1000, `calm at ${calm[0]!.tsUs - T0} µs`);
  // 150 within a millisecond from another source: under the new per-second limit, all pass plainly.
  let plain = 0;
  for (let i = 0; i < 150; i++) if (rateOf(rl.run(ev('auth-failed', T0 + 4 * S + i, '198.51.100.8'))!) === null) plain++;
  assert.equal(plain, 150);
  // Shape changes keep the old values and are named.
  assert.deepEqual(rl.reconfigure({ ...defaultRateOptions, windows: [{ seconds: 10, limit: 5 }], maxKeys: 10 }), ['rate.windows (lengths)', 'rate.maxKeys']);
  // The old windows and limits stay: 150 in a millisecond still pass (a 10 s window limited to 5 would not let them).
  plain = 0;
  for (let i = 0; i < 150; i++) if (rateOf(rl.run(ev('auth-failed', T0 + 10 * S + i, '198.51.100.9'))!) === null) plain++;
  assert.equal(plain, 150);
});

test('guard reconfigure: exclusions, stats interval and rate limits follow; switching detection on needs a restart', () => {
  const counters = new Counters();
  const g = createGuard({ detect: { enabled: false }, statsInterval: 300 }, counters);
  assert.equal(g.run(ev('other-ok', T0)) !== null, true);
  assert.deepEqual(g.reconfigure({ detect: { enabled: true }, exclude: ['other-ok'], statsInterval: 60, rate: { enabled: false } }), ['detect.enabled']);
  assert.equal(g.run(ev('other-ok', T0 + S)), null);
  // Rate limiting off: a burst passes whole.
  let passed = 0;
  for (let i = 0; i < 100; i++) if (g.run(ev('auth-failed', T0 + 2 * S + i)) !== null) passed++;
  assert.equal(passed, 100);
  assert.equal(g.dueStats(T0 + 30 * S), null);
  assert.notEqual(g.dueStats(T0 + 61 * S), null, 'the new 60 s interval');
  assert.throws(() => g.reconfigure({ exclude: ['no-such-type'] }), /no-such-type/);
  assert.equal(g.run(ev('other-ok', T0 + 62 * S)), null, 'a refused reload changes nothing');
});
