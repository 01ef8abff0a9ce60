import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counters } from '../../src/base/counters.js';
import { createGuard } from '../../src/guard/guard.js';
import { collectMetrics, metricsText, prometheusText } from '../../src/guard/metrics.js';
import { StatsClock, nest } from '../../src/guard/stats.js';
import { TrackEvent } from '../../src/track/track-event.js';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const S = 1_000_000;

test('dotted counter names nest; a name that is also a prefix keeps its value under `value`', () => {
  assert.deepEqual(nest({ 'a.b': 1, 'a.b.c': 2, 'a.d': 3, e: 4 }), { a: { b: { value: 1, c: 2 }, d: 3 }, e: 4 });
  assert.deepEqual(nest({ 'a.b.c': 2, 'a.b': 1 }), { a: { b: { c: 2, value: 1 } } });
});

test('stats clock: due at each interval boundary of packet time after the first packet', () => {
  const c = new StatsClock(300);
  assert.equal(c.due(T0 + 10 * S), false);
  assert.equal(c.due(T0 + 299 * S), false);
  assert.equal(c.due(T0 + 300 * S), true);
  assert.deepEqual(c.take(T0 + 301 * S), { startUs: T0 + 10 * S, endUs: T0 + 301 * S });
  assert.equal(c.due(T0 + 599 * S), false);
  assert.equal(c.due(T0 + 600 * S), true);
  const off = new StatsClock(0);
  assert.equal(off.due(T0), false);
  assert.equal(off.due(T0 + 1e12), false);
});

test('the stats document: ECS metric, totals by disposition, counters and gauges nested', () => {
  const counters = new Counters();
  counters.inc('sip.messages', 7);
  counters.inc('sip.requests.INVITE', 3);
  counters.set('decode.tcp.streams_open', 2);
  const g = createGuard({ exclude: ['msg-probe'], statsInterval: 60 }, counters);
  g.addGauges('track.tables', () => ({ transactions: 5, calls: 1 }));
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    const e = new TrackEvent(i % 2 === 0 ? 'auth-failed' : 'msg-probe', T0 + i * 10_000);
    e.client = { ip: '198.51.100.1', port: 5060 };
    const d = g.dueStats(e.tsUs);
    if (d !== null) docs.push(d);
    g.run(e);
  }
  assert.equal(docs.length, 0);
  const d1 = g.dueStats(T0 + 61 * S)!;
  assert.ok(d1 !== null);
  assert.equal(g.dueStats(T0 + 62 * S), null);
  const doc = g.stats(T0 + 70 * S) as { '@timestamp': string; event: Record<string, unknown>; sipsentry: { stats: Record<string, any> } };
  assert.equal(doc['@timestamp'], '2026-01-01T00:01:10.000Z');
  assert.deepEqual(doc.event, {
    kind: 'metric', action: 'stats', dataset: 'sipsentry.stats',
    start: '2026-01-01T00:01:01.000Z', end: '2026-01-01T00:01:10.000Z', duration: 9e9,
  });
  const st = doc.sipsentry.stats;
  assert.equal(st.interval_s, 60);
  assert.equal(st.final, true);
  assert.deepEqual(st.events, { generated: 200, emitted: 27, suppressed: 73, excluded: 100, summaries: 0 });
  assert.equal(st.counters.sip.messages, 7);
  assert.equal(st.counters.sip.requests.INVITE, 3);
  assert.equal(st.counters.guard.events.excluded['msg-probe'], 100);
  assert.deepEqual(st.gauges.track.tables, { transactions: 5, calls: 1 });
  assert.equal(st.gauges.decode.tcp.streams_open, 2);
  assert.deepEqual(st.gauges.guard.rate, { keys: 1, keys_exceeded: 1 });
  assert.equal(st.counters.decode, undefined);
  assert.equal((d1 as any).sipsentry.stats.final, false);
});

test('Prometheus exposition: labelled families, gauges, unknown methods folded, escaping', () => {
  const counters = new Counters();
  counters.inc('sip.requests.INVITE', 3);
  counters.inc('sip.requests.HACKME', 2);
  counters.inc('sip.requests.X1', 1);
  counters.inc('sip.responses.4xx', 9);
  counters.inc('guard.events.generated.auth-failed', 10);
  counters.inc('guard.events.suppressed.auth-failed', 8);
  counters.inc('decode.tcp.gap');
  counters.set('decode.fragments.sets', 4);
  const text = metricsText(counters, { 'track.tables.calls': 12 });
  assert.equal(text, [
    '# HELP sipsentry_decode_fragments_sets sipsentry gauge decode.fragments.sets',
    '# TYPE sipsentry_decode_fragments_sets gauge',
    'sipsentry_decode_fragments_sets 4',
    '# HELP sipsentry_decode_tcp_gap_total sipsentry counter decode.tcp.gap',
    '# TYPE sipsentry_decode_tcp_gap_total counter',
    'sipsentry_decode_tcp_gap_total 1',
    '# HELP sipsentry_events_total Events by type and disposition (generated = emitted + suppressed + excluded; summaries are made by the guard)',
    '# TYPE sipsentry_events_total counter',
    'sipsentry_events_total{disposition="generated",type="auth-failed"} 10',
    'sipsentry_events_total{disposition="suppressed",type="auth-failed"} 8',
    '# HELP sipsentry_sip_requests_total SIP requests by method',
    '# TYPE sipsentry_sip_requests_total counter',
    'sipsentry_sip_requests_total{method="other"} 3',
    'sipsentry_sip_requests_total{method="INVITE"} 3',
    '# HELP sipsentry_sip_responses_total SIP responses by status class',
    '# TYPE sipsentry_sip_responses_total counter',
    'sipsentry_sip_responses_total{class="4xx"} 9',
    '# HELP sipsentry_track_tables_calls sipsentry gauge track.tables.calls',
    '# TYPE sipsentry_track_tables_calls gauge',
    'sipsentry_track_tables_calls 12',
    '',
  ].join('\n'));
  const fam = collectMetrics(counters);
  assert.ok(fam.every((f) => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)));
  assert.equal(prometheusText([{ name: 'x', help: 'a\\b\nc', type: 'gauge', samples: [{ labels: { l: 'q"\\\n' }, value: Infinity }] }]),
    '# HELP x a\\\\b\\nc\n# TYPE x gauge\nx{l="q\\"\\\\\\n"} +Inf\n');
});
