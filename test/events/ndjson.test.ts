import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toEcs } from '../../src/events/ecs-event.js';
import { eventToJson, isoFromUsCached, jsonStringBody } from '../../src/events/ndjson.js';
import { isoFromUs } from '../../src/events/time.js';
import { EventActions, TrackEvent, type Endpoint, type Originator, type RateInfo, type RateState } from '../../src/track/track-event.js';

// Seeded so CI runs are reproducible; change the seed to explore further.
fc.configureGlobal({ seed: 20261122 });

const reference = (e: TrackEvent): string => JSON.stringify(toEcs(e));

/** Limits of the Date range in µs, and times around the 4-digit-year limits. */
const MAX_US = 8.64e18;
const EDGE_US = [
  0, -1, -999, -1000, -1001, 1, 999, 1000, MAX_US, -MAX_US, MAX_US - 1, -MAX_US + 1000,
  253_402_300_799_999_000, 253_402_300_800_000_000, -62_167_219_200_000_000, -62_167_219_200_000_001,
];

/** Characters JSON must escape or that sit at the edges of the fast path. */
const SPECIAL = fc.constantFrom(
  '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u0001', '\u001f', ' ', '\u007f', '\u0080', 'é', '\u2028', '\u2029',
  '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '\ud83d', '\ude00', '\uffff', '\ufeff',
);
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), SPECIAL) }),
  fc.constantFrom('', 'sip:alice@example.com', 'INVITE', '>INVITE <100 <180 <200 >ACK >BYE'),
);
/** Any number a field could hold, NaN, ±Infinity and -0 included. */
const number: fc.Arbitrary<number> = fc.oneof(fc.integer(), fc.integer({ min: 0, max: 65535 }), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity));
/** A µs time inside the Date range (pre-1970, extended years and its very ends included). */
const timeUs: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1_600_000_000_000_000, max: 1_900_000_000_000_000 }),
  fc.double({ min: -MAX_US, max: MAX_US, noNaN: true }),
  fc.integer({ min: -MAX_US, max: MAX_US }),
  fc.constantFrom(...EDGE_US),
);
const endpoint: fc.Arbitrary<Endpoint> = fc.record({ ip: text, port: number });
const rateInfo: fc.Arbitrary<RateInfo> = fc.record({
  state: fc.oneof(fc.constantFrom<RateState>('exceeded', 'calm', 'evicted', 'end'), text.map((s) => s as RateState)),
  exceeded: number,
  suppressed: number,
  suppressedTotal: number,
  current: number,
  limit: number,
  windowS: fc.oneof(fc.constantFrom(1, 60, 3600, 90, 7200, 0), number),
  sinceUs: timeUs,
});

/**
 * Events of a given density: each optional field is absent with weight `absent` against `present`.
 * Sparse events put every sip member in turn first in its object; dense ones carry nearly all.
 */
function eventsOfDensity(absent: number, present: number): fc.Arbitrary<TrackEvent> {
  const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
    fc.oneof({ arbitrary: fc.constant(null), weight: absent }, { arbitrary: a, weight: present });
  const flag = fc.oneof({ arbitrary: fc.constant(false), weight: absent }, { arbitrary: fc.constant(true), weight: present });
  return fc
    .record({
      action: fc.constantFrom(...EventActions),
      tsUs: timeUs,
      startUs: maybe(timeUs),
      endUs: maybe(timeUs),
      client: maybe(endpoint),
      server: maybe(endpoint),
      transport: fc.oneof({ arbitrary: fc.constant(''), weight: absent }, { arbitrary: fc.oneof(fc.constantFrom('udp', 'tcp', 'sctp', 'ws'), text), weight: present }),
      callId: maybe(text),
      from: maybe(text),
      to: maybe(text),
      fromTag: maybe(text),
      toTag: maybe(text),
      requestUri: maybe(text),
      method: maybe(text),
      status: maybe(number),
      reason: maybe(text),
      contact: maybe(text),
      expires: maybe(number),
      userAgent: maybe(text),
      serverAgent: maybe(text),
      pai: maybe(text),
      user: maybe(text),
      realm: maybe(text),
      pddMs: maybe(number),
      ringMs: maybe(number),
      originator: maybe(fc.oneof(fc.constantFrom<Originator>('caller', 'callee', 'timeout'), text.map((s) => s as Originator))),
      timeout: flag,
      cancelled: flag,
      partial: flag,
      trace: maybe(text),
      errorCode: maybe(text),
      errorMessage: maybe(text),
      errorOffset: maybe(number),
      bytes: maybe(number),
      payloadPrefix: maybe(text),
      encap: fc.oneof({ arbitrary: fc.constant([]), weight: absent }, { arbitrary: fc.array(text, { minLength: 1, maxLength: 5 }), weight: present }),
      rate: maybe(rateInfo),
    })
    .map(({ action, tsUs, ...rest }) => Object.assign(new TrackEvent(action, tsUs), rest));
}
const trackEvent: fc.Arbitrary<TrackEvent> = fc.oneof(eventsOfDensity(9, 1), eventsOfDensity(1, 2), eventsOfDensity(1, 9));

test('eventToJson equals JSON.stringify(toEcs(e)) on random events', () => {
  fc.assert(
    fc.property(fc.limitShrink(trackEvent, 500), (e) => {
      assert.equal(eventToJson(e), reference(e));
    }),
    { numRuns: 20_000 },
  );
});

test('eventToJson equals the reference on runs of nearby times (cached second and day)', () => {
  // One base time and small steps around it, so consecutive events share a second or a day.
  const run = fc.record({
    base: timeUs,
    steps: fc.array(fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: -200_000_000_000, max: 200_000_000_000 })), { minLength: 1, maxLength: 40 }),
    events: fc.array(trackEvent, { minLength: 1, maxLength: 10 }),
  });
  fc.assert(
    fc.property(fc.limitShrink(run, 500), ({ base, steps, events }) => {
      let t = base;
      for (let i = 0; i < steps.length; i++) {
        t += steps[i]!;
        if (!(Math.abs(t) <= MAX_US)) t = base;
        const e = events[i % events.length]!;
        e.tsUs = t;
        if (e.startUs !== null) {
          const s = t - Math.abs(steps[(i + 1) % steps.length]!);
          e.startUs = Math.abs(s) <= MAX_US ? s : t;
        }
        if (e.endUs !== null) e.endUs = t;
        assert.equal(eventToJson(e), reference(e));
      }
    }),
    { numRuns: 3_000 },
  );
});

test('cached timestamps equal isoFromUs, every ms of a second and across day and year edges', () => {
  const bases = [0, 1_715_673_600_000_000, -86_400_000_000, 253_402_300_799_000_000, MAX_US - 999_000, -MAX_US];
  for (const base of bases) {
    for (let us = base - 2_000_000; us <= base + 2_000_000; us += 997) {
      if (Math.abs(us) > MAX_US) continue;
      assert.equal(isoFromUsCached(us), isoFromUs(us), String(us));
    }
  }
  assert.equal(isoFromUsCached(MAX_US), '+275760-09-13T00:00:00.000Z');
  assert.equal(isoFromUsCached(-MAX_US), '-271821-04-20T00:00:00.000Z');
});

test('cached timestamps equal isoFromUs on every day of 1900–2100 and days across the whole Date range', () => {
  const DAY_US = 86_400_000_000;
  for (let us = Date.UTC(1900, 0, 1) * 1000 + 43_200_123_456; us < Date.UTC(2101, 0, 1) * 1000; us += DAY_US) {
    assert.equal(isoFromUsCached(us), isoFromUs(us), String(us));
  }
  for (let day = -100_000_000; day <= 100_000_000; day += 9_973) {
    const us = day * DAY_US + ((day * 7_919) % DAY_US + DAY_US) % DAY_US;
    if (Math.abs(us) > MAX_US) continue;
    assert.equal(isoFromUsCached(us), isoFromUs(us), String(us));
    assert.equal(isoFromUsCached(day * DAY_US), isoFromUs(day * DAY_US), String(day * DAY_US));
  }
});

test('times outside the Date range throw the RangeError toEcs throws', () => {
  for (const us of [NaN, Infinity, -Infinity, MAX_US + 1000, -MAX_US - 1000]) {
    // Prime the caches with the last valid day first: an invalid time just past it must not hit them.
    assert.equal(eventToJson(new TrackEvent('reg-new', MAX_US)), reference(new TrackEvent('reg-new', MAX_US)));
    const e = new TrackEvent('reg-new', us);
    assert.throws(() => reference(e), RangeError);
    assert.throws(() => eventToJson(e), RangeError);
  }
});

test('string bodies: fast path returns the string itself, escapes match JSON.stringify', () => {
  const clean = 'sip:alice@example.com;tag=1 é \u2028 \ud83d\ude00';
  assert.equal(jsonStringBody(clean), clean);
  for (const s of ['a"b', 'a\\b', 'line\n', '\u0000', '\u001f', 'x\ud800', '\udc00y', '\ud83d\ude00\ud83d', 'a\ud800\ud800b']) {
    assert.equal('"' + jsonStringBody(s) + '"', JSON.stringify(s), JSON.stringify(s));
  }
});

test('example: a call-end with every call field', () => {
  const e = new TrackEvent('call-end', Date.UTC(2026, 0, 1, 0, 0, 13) * 1000);
  Object.assign(e, {
    startUs: Date.UTC(2026, 0, 1, 0, 0, 3) * 1000,
    endUs: Date.UTC(2026, 0, 1, 0, 0, 13) * 1000,
    client: { ip: '10.0.0.1', port: 5060 },
    server: { ip: '10.0.0.10', port: 5060 },
    transport: 'udp',
    callId: 'c1',
    from: 'sip:alice@example.com',
    to: 'sip:bob@example.com',
    fromTag: 'at1',
    toTag: 'bt1',
    requestUri: 'sip:bob@example.com',
    method: 'INVITE',
    status: 200,
    reason: 'OK',
    contact: 'sip:alice@10.0.0.1',
    userAgent: 'TestPhone/1.0',
    serverAgent: 'TestServer/2.0',
    user: 'alice',
    pddMs: 1000,
    ringMs: 2000,
    originator: 'caller',
    trace: '>INVITE <407 >ACK >INVITE <100 <180 <200 >ACK >BYE',
    encap: ['eth', 'ipv4', 'udp'],
  });
  const expected =
    '{"@timestamp":"2026-01-01T00:00:13.000Z","ecs":{"version":"9.4.0"},' +
    '"event":{"kind":"event","action":"call-end","category":["network","session"],"type":["end"],"outcome":"success",' +
    '"start":"2026-01-01T00:00:03.000Z","end":"2026-01-01T00:00:13.000Z","duration":10000000000},' +
    '"client":{"ip":"10.0.0.1","port":5060},"server":{"ip":"10.0.0.10","port":5060},' +
    '"network":{"protocol":"sip","transport":"udp"},"user_agent":{"original":"TestPhone/1.0"},"user":{"name":"alice"},' +
    '"sip":{"call_id":"c1","from":"sip:alice@example.com","to":"sip:bob@example.com","from_tag":"at1","to_tag":"bt1",' +
    '"request":{"method":"INVITE","uri":"sip:bob@example.com"},"response":{"status":200,"reason":"OK"},' +
    '"contact":"sip:alice@10.0.0.1","server_agent":"TestServer/2.0","pdd_ms":1000,"ring_ms":2000,' +
    '"originator":"caller","msg_trace":">INVITE <407 >ACK >INVITE <100 <180 <200 >ACK >BYE","encap":"eth/ipv4/udp"}}';
  assert.equal(eventToJson(e), expected);
  assert.equal(reference(e), expected);
});

test('example: a bare event has empty sip and protocol-only network', () => {
  const e = new TrackEvent('msg-probe', 1_500);
  assert.equal(
    eventToJson(e),
    '{"@timestamp":"1970-01-01T00:00:00.001Z","ecs":{"version":"9.4.0"},"event":{"kind":"event","action":"msg-probe",' +
      '"category":["network"],"type":["protocol","info"],"outcome":"unknown"},"network":{"protocol":"sip"},"sip":{}}',
  );
  assert.equal(eventToJson(e), reference(e));
});

test('example: a parse-error with escapes, a null error message and a pre-1970 time', () => {
  const e = new TrackEvent('parse-error', -1);
  Object.assign(e, {
    client: { ip: '2001:db8::1', port: 5060 },
    errorCode: 'sip.bad_start_line',
    errorMessage: null,
    errorOffset: 0,
    callId: 'a"b\\c\r\n\u0000\ud800',
    bytes: 12,
    partial: true,
  });
  const line = eventToJson(e);
  assert.equal(line, reference(e));
  assert.ok(line.startsWith('{"@timestamp":"1969-12-31T23:59:59.999Z"'));
  assert.ok(line.includes('"error":{"code":"sip.bad_start_line","message":null}'));
  assert.ok(line.includes('"sip":{"call_id":"a\\"b\\\\c\\r\\n\\u0000\\ud800","partial":true,"error_offset":0}'));
});

test('example: a request with only a URI, a status without reason, and non-finite numbers', () => {
  const e = new TrackEvent('other-timeout', 1_715_673_600_123_456);
  Object.assign(e, { requestUri: 'sip:x', status: 408, timeout: true, pddMs: NaN, expires: -0, ringMs: 1.5e300 });
  const line = eventToJson(e);
  assert.equal(line, reference(e));
  assert.ok(line.includes('"sip":{"request":{"uri":"sip:x"},"response":{"status":408},"expires":0,"pdd_ms":null,"ring_ms":1.5e+300,"timeout":true}'));
});

test('example: a rate-limit summary whose sip object holds only the rate', () => {
  const e = new TrackEvent('auth-failed', Date.UTC(2026, 0, 1, 0, 5) * 1000);
  e.client = { ip: '203.0.113.7', port: 5060 };
  e.rate = { state: 'calm', exceeded: 400, suppressed: 12, suppressedTotal: 390, current: 3, limit: 20, windowS: 60, sinceUs: Date.UTC(2026, 0, 1, 0, 1) * 1000 };
  const line = eventToJson(e);
  assert.equal(line, reference(e));
  assert.ok(
    line.endsWith(
      '"sip":{"rate":{"state":"calm","exceeded":400,"suppressed":12,"suppressed_total":390,"current":3,"limit":20,"window":"1m","since":"2026-01-01T00:01:00.000Z"}}}',
    ),
  );
});
