import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Counters } from '../../src/base/counters.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { alertToEcs, type Alert } from '../../src/events/alert.js';
import { FIELDS } from '../../src/events/fields.js';
import { Detection } from '../../src/guard/detect/detection.js';
import { analyseNumber, normaliseNumber } from '../../src/guard/detect/dialled-number.js';
import { fingerprint, isToolTag } from '../../src/guard/detect/fingerprint.js';
import { ipKey, RangeTable } from '../../src/guard/detect/geoip.js';
import { detectSchema, type DetectConfig } from '../../src/guard/detect/options.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { TrackEvent, type EventAction } from '../../src/track/track-event.js';
import { FakeBlocklist } from '../helpers/fake-blocklist.js';
import { T0_US, req, res, text, type Msg } from '../track/harness.js';

const S = 1_000_000;

/** A detector under test with every alert collected. */
class Bench {
  readonly alerts: Array<{ a: Alert; allowlisted: boolean }> = [];
  readonly counters = new Counters();
  readonly blocklist = new FakeBlocklist(604_800);
  readonly d: Detection;

  constructor(cfg: DetectConfig = {}) {
    this.d = new Detection(detectSchema.parse(cfg), this.counters, (a, allowlisted) => this.alerts.push({ a, allowlisted }), this.blocklist);
  }

  send(atS: number, src: string, dst: string, m: Msg): void {
    const [srcIp, srcPort] = src.split(':') as [string, string];
    const [dstIp, dstPort] = dst.split(':') as [string, string];
    const buf = Buffer.from(text(m));
    const p: SipPayload = {
      tsUs: T0_US + Math.round(atS * S), ipVersion: 4, srcIp, srcPort: Number(srcPort), dstIp, dstPort: Number(dstPort),
      transport: 'udp', encap: ['ipv4', 'udp'], kind: 'sip', buf, start: 0, end: buf.length, skipped: 0, hep: null,
    };
    const msg = parseSipMessage(buf, 0, buf.length);
    assert.equal(msg.error, null, `test message must parse: ${msg.error?.reason}`);
    this.d.onMessage(p, msg);
  }

  event(atS: number, action: EventAction, client: string, fill: Partial<TrackEvent> = {}): void {
    const e = new TrackEvent(action, T0_US + Math.round(atS * S));
    const [ip, port] = client.split(':') as [string, string];
    e.client = { ip, port: Number(port) };
    e.server = { ip: '10.0.0.10', port: 5060 };
    Object.assign(e, fill);
    this.d.onEvent(e);
  }

  tick(atS: number): void {
    this.d.tick(T0_US + Math.round(atS * S));
  }

  names(): string[] {
    return this.alerts.map((x) => `${x.a.ruleName} ${x.a.sourceIp ?? '-'}`);
  }
}

let n = 0;
/** An out-of-dialog request from a well-behaved phone (random tags, host-qualified Call-ID). */
function phoneReq(method: string, user: string, o: { ua?: string; creds?: boolean; via?: number; host?: string } = {}): Msg {
  n++;
  const m = req(method, `sip:${user}@${o.host ?? 'example.com'}`, {
    callId: `a84b4c76e66710${n}@pc33.example.com`, cseq: 1, from: `sip:${user}@example.com`, fromTag: `1928301774${n}`,
    to: `sip:${user}@example.com`, branch: `z9hG4bK776asdhds${n}`,
    extra: o.creds ? [['Authorization', `Digest username="${user}", realm="example.com", nonce="n", uri="sip:example.com", response="00"`]] : [],
  });
  if (o.ua !== undefined) m.headers = m.headers.map(([k, v]) => (k === 'User-Agent' ? [k, o.ua!] : [k, v]));
  for (let i = 1; i < (o.via ?? 1); i++) m.headers.splice(0, 0, ['Via', `SIP/2.0/UDP 10.9.9.${i}:5060;branch=z9hG4bKproxy${n}x${i}`]);
  return m;
}

/** A request the way SIPVicious builds it (svhelper.makeRequest), optionally in compact mode without User-Agent. */
function sipviciousReq(method: string, ext: string, target: string, ua: string | null): Msg {
  const tag = Buffer.concat([Buffer.from(ext), Buffer.from([1]), Buffer.from(String(3_000_000_000 + n++))]).toString('hex');
  const h: [string, string][] = [
    ['Via', `SIP/2.0/UDP 10.66.0.1:5060;branch=z9hG4bK-${1_000_000 + n};rport`],
    ['Max-Forwards', '70'],
    ['To', `"${ext}"<sip:${ext}@${target}>`],
    ['From', `"${ext}"<sip:${ext}@${target}>;tag=${tag}`],
    ['Call-ID', String(1_234_567_890 + n)],
    ['CSeq', `1 ${method}`],
    ['Contact', `<sip:${ext}@10.66.0.1:5060>`],
    ['Accept', 'application/sdp'],
  ];
  if (ua !== null) h.push(['User-Agent', ua]);
  return { line: `${method} sip:${ext}@${target} SIP/2.0`, headers: h };
}

test('isToolTag decodes the SIPVicious From tag and rejects ordinary tags', () => {
  // From peers.md §5.1: d49f3b5513c4 0x01 1611387817
  assert.equal(isToolTag('6434396633623535313363340131363131333837383137'), true);
  assert.equal(isToolTag(Buffer.from('1030:secret\x011234567').toString('hex')), true);
  for (const t of ['1928301774', 'a6c85cf', '2a1b2c3d4e5f0131', 'as7d9f8a7s', '0131323334', 'ff01']) assert.equal(isToolTag(t), false, t);
  assert.deepEqual(fingerprint(null, 'sip:100@1.1.1.1', 'z9hG4bK-123456', '98765432'), { score: 4, signals: 'from-uri,branch,call-id' });
  assert.deepEqual(fingerprint('1928301774', 'sip:alice@example.com', 'z9hG4bK776asdhds', 'a84b4c76e66710@pc33'), { score: 0, signals: '' });
});

test('scanner: a tool User-Agent alerts once per source and lists it; sipsak only asks for review', () => {
  const b = new Bench();
  for (let i = 0; i < 3; i++) b.send(i, '203.0.113.5:5060', '10.0.0.10:5060', sipviciousReq('OPTIONS', '100', '10.0.0.10', 'friendly-scanner'));
  b.send(5, '203.0.113.6:5060', '10.0.0.10:5060', phoneReq('OPTIONS', 'sipsak', { ua: 'sipsak 0.9.8' }));
  b.send(6, '10.0.0.50:5060', '10.0.0.10:5060', phoneReq('REGISTER', 'alice', { ua: 'Yealink SIP-T46S 66.86.0.15' }));
  assert.deepEqual(b.names(), ['scanner-user-agent 203.0.113.5', 'scanner-user-agent 203.0.113.6']);
  const [sv, sak] = b.alerts.map((x) => x.a);
  assert.equal(sv!.action, 'block');
  assert.equal(sv!.evidence.tool, 'sipvicious');
  assert.equal(sak!.severity, 'medium');
  assert.equal(sak!.action, 'review');
  assert.deepEqual(b.blocklist.active(0).map((e) => e.ip), ['203.0.113.5']);
});

test('scanner: compact-mode SIPVicious without User-Agent is caught by its fingerprint', () => {
  const b = new Bench();
  b.send(0, '203.0.113.7:5060', '10.0.0.10:5060', sipviciousReq('REGISTER', '1001', '10.0.0.10', null));
  assert.deepEqual(b.names(), ['scanner-fingerprint 203.0.113.7']);
  assert.equal(b.alerts[0]!.a.evidence.signals, 'from-tag,branch,call-id');
});

test('scanner: a sweep across 10 servers alerts; 9 do not', () => {
  const b = new Bench({ scanner: { fingerprint: false } });
  for (let i = 1; i <= 9; i++) b.send(i, '198.51.100.9:5060', `192.0.2.${i}:5060`, phoneReq('OPTIONS', '100', { ua: 'x' }));
  assert.deepEqual(b.names(), []);
  b.send(10, '198.51.100.9:5060', '192.0.2.10:5060', phoneReq('OPTIONS', '100', { ua: 'x' }));
  assert.deepEqual(b.names(), ['scanner-sweep 198.51.100.9']);
  assert.equal(b.alerts[0]!.a.evidence.destinations, 10);
});

test('enumeration: many users, mostly 404, no success → alert after the delay; an office behind NAT that authenticates → none', () => {
  const b = new Bench({ scanner: { enabled: false } });
  for (let i = 0; i < 12; i++) {
    const r = phoneReq('REGISTER', String(1000 + i));
    b.send(i * 0.1, '203.0.113.20:5060', '10.0.0.10:5060', r);
    b.send(i * 0.1 + 0.01, '10.0.0.10:5060', '203.0.113.20:5060', res(r, i % 4 === 0 ? 401 : 404, 'x', { toTag: 't' }));
    // The office: each phone is challenged, then registers with credentials.
    const o = phoneReq('REGISTER', String(2000 + i));
    b.send(i * 0.1, '198.51.100.1:5060', '10.0.0.10:5060', o);
    b.send(i * 0.1 + 0.01, '10.0.0.10:5060', '198.51.100.1:5060', res(o, 401, 'Unauthorized', { toTag: 't' }));
    const oc = phoneReq('REGISTER', String(2000 + i), { creds: true });
    b.send(i * 0.1 + 0.02, '198.51.100.1:5060', '10.0.0.10:5060', oc);
    b.send(i * 0.1 + 0.03, '10.0.0.10:5060', '198.51.100.1:5060', res(oc, 200, 'OK', { toTag: 't' }));
  }
  b.tick(2); // within the 2 s delay of the 10th user (t = 0.9)
  assert.deepEqual(b.names(), []);
  b.tick(3);
  assert.deepEqual(b.names(), ['extension-enumeration 203.0.113.20']);
  const ev = b.alerts[0]!.a.evidence;
  assert.deepEqual([ev.users, ev.failures, ev.successes], [12, 12, 0]);
});

test('password guessing: 5 auth-failed from one source within 6 min alert at the 5th; slower guessing does not', () => {
  const b = new Bench();
  for (let i = 0; i < 4; i++) b.event(i * 10, 'auth-failed', '203.0.113.30:5060', { user: '1030', realm: 'example.com' });
  assert.deepEqual(b.names(), []);
  b.event(40, 'auth-failed', '203.0.113.30:5060', { user: '1030', realm: 'example.com' });
  assert.deepEqual(b.names(), ['auth-guessing-source 203.0.113.30']);
  assert.equal(b.alerts[0]!.a.user, '1030');
  assert.equal(b.alerts[0]!.a.firstUs, T0_US);
  // One failure every 100 s: never 5 within 360 s.
  for (let i = 0; i < 10; i++) b.event(1000 + i * 100, 'auth-failed', '198.51.100.31:5060', { user: '1031' });
  assert.deepEqual(b.names(), ['auth-guessing-source 203.0.113.30']);
  // Success right after the guessing: the password is likely cracked.
  b.event(41, 'reg-new', '203.0.113.30:5060', { user: '1030' });
  assert.deepEqual(b.names().slice(1), ['auth-success-after-guessing 203.0.113.30']);
  assert.equal(b.alerts[1]!.a.severity, 'critical');
  // Listed by the first rule, refreshed by the second (the latest reason wins).
  assert.equal(b.blocklist.check('203.0.113.30', 0)?.reason, 'auth-success-after-guessing');
  assert.equal(b.blocklist.check('203.0.113.30', 0)?.hits, 2);
});

test('password guessing: one user attacked from three sources is distributed guessing', () => {
  const b = new Bench();
  for (let i = 0; i < 12; i++) b.event(i * 5, 'auth-failed', `203.0.113.${40 + (i % 3)}:5060`, { user: 'alice' });
  // The 10th failure (i = 9, from .40) crosses the per-user threshold with 3 sources seen.
  assert.deepEqual(b.names(), ['auth-guessing-distributed 203.0.113.40']);
  assert.equal(b.alerts[0]!.a.evidence.sources, 3);
  assert.equal(b.alerts[0]!.a.user, 'alice');
});

test('flood: 100 INVITEs from one source within a minute alert; relayed requests (2 Vias) are not the proxy\'s flood', () => {
  const b = new Bench({ scanner: { enabled: false }, tollFraud: { enabled: false } });
  for (let i = 0; i < 99; i++) b.send(i * 0.5, '203.0.113.50:5060', '10.0.0.10:5060', phoneReq('INVITE', String(500 + i)));
  for (let i = 0; i < 300; i++) b.send(i * 0.1, '10.0.0.10:5060', '10.0.0.20:5060', phoneReq('INVITE', String(600 + i), { via: 2 }));
  assert.deepEqual(b.names(), []);
  b.send(50, '203.0.113.50:5060', '10.0.0.10:5060', phoneReq('INVITE', '9999'));
  assert.deepEqual(b.names(), ['flood-invite 203.0.113.50']);
  assert.equal(b.alerts[0]!.a.evidence.limit, 100);
});

test('registration storm: REGISTER rate far above its baseline after warm-up', () => {
  const b = new Bench({ scanner: { enabled: false }, enumeration: { enabled: false }, flood: { register: { count: 1_000_000 }, any: { count: 1_000_000 } } });
  let t = 0;
  // 10 REGISTER/s for 400 s from many phones: the baseline.
  for (let s = 0; s < 400; s++) {
    for (let i = 0; i < 10; i++) b.send(s + i / 10, `10.1.${i}.${s % 250}:5060`, '10.0.0.10:5060', phoneReq('REGISTER', `u${i}`));
    b.tick(s + 1);
    t = s + 1;
  }
  assert.deepEqual(b.names(), []);
  // Then 200/s: a storm (after an outage every phone re-registers at once).
  for (let s = t; s < t + 10; s++) {
    for (let i = 0; i < 200; i++) b.send(s + i / 200, `10.2.${i % 250}.${s % 250}:5060`, '10.0.0.10:5060', phoneReq('REGISTER', `v${i}`));
    b.tick(s + 1);
  }
  assert.deepEqual(b.names(), ['registration-storm -']);
  assert.ok(Number(b.alerts[0]!.a.evidence.rate_per_s) >= 50);
});

test('toll fraud: high-risk and premium destinations, prefix iteration and sequential dialling', () => {
  const b = new Bench({ scanner: { enabled: false }, tollFraud: { premiumPrefixes: ['0900'] } });
  b.send(0, '203.0.113.60:5060', '10.0.0.10:5060', phoneReq('INVITE', '+88213000001'));
  b.send(1, '203.0.113.61:5060', '10.0.0.10:5060', phoneReq('INVITE', '09001234567'));
  // The same Polish number behind three dial-out prefixes (as in the SIP-212 honeypot capture, plus 0048).
  for (const num of ['01148185422016', '901148185422016', '0048185422016']) b.send(2, '203.0.113.62:5060', '10.0.0.10:5060', phoneReq('INVITE', num));
  for (let i = 0; i < 5; i++) b.send(3 + i, '203.0.113.63:5060', '10.0.0.10:5060', phoneReq('INVITE', String(4420700 + i)));
  // An ordinary international call is not an alert by default.
  b.send(9, '10.0.0.70:5060', '10.0.0.10:5060', phoneReq('INVITE', '+4930123456'));
  assert.deepEqual(b.names(), [
    'fraud-high-risk-destination 203.0.113.60',
    'fraud-premium-destination 203.0.113.61',
    'fraud-prefix-iteration 203.0.113.62',
    'fraud-sequential-dialling 203.0.113.63',
  ]);
  assert.equal(b.alerts[0]!.a.evidence.prefix, '882');
  // What precedes the common 7-digit tail 5422016 in each variant.
  assert.equal(b.alerts[2]!.a.evidence.prefixes, '0114818,90114818,004818');
  const intl = new Bench({ tollFraud: { alertInternational: true, homeCountryCodes: ['49'] } });
  intl.send(0, '10.0.0.70:5060', '10.0.0.10:5060', phoneReq('INVITE', '+4930123456'));
  intl.send(1, '10.0.0.70:5060', '10.0.0.10:5060', phoneReq('INVITE', '0033123456789'));
  assert.deepEqual(intl.names(), ['fraud-international-call 10.0.0.70']);
  assert.equal(intl.alerts[0]!.a.target, '0033123456789');
});

test('toll fraud: parallel calls per source and per user, and unregistered callers when enabled', () => {
  const b = new Bench({ tollFraud: { parallelCalls: { perSource: 3, perUser: 2 }, unregistered: { enabled: true, warmup: 0 } } });
  b.event(0, 'reg-new', '10.0.0.80:5060', { user: 'bob' });
  for (let i = 0; i < 3; i++) b.event(1 + i, 'call-start', '10.0.0.80:5060', { callId: `c${i}`, user: 'bob' });
  b.event(5, 'call-end', '10.0.0.80:5060', { callId: 'c0', user: 'bob' });
  b.event(6, 'call-start', '10.0.0.80:5060', { callId: 'c9', user: 'carol' });
  b.event(7, 'call-start', '10.0.0.80:5060', { callId: 'c10', user: 'dave' });
  b.event(8, 'call-attempt', '203.0.113.81:5060', { user: 'mallory', to: 'sip:+88212345@example.com' });
  assert.deepEqual(b.names(), ['fraud-parallel-calls-user 10.0.0.80', 'fraud-parallel-calls-source 10.0.0.80', 'fraud-unregistered-caller 203.0.113.81']);
  assert.equal(b.alerts[1]!.a.evidence.calls, 4);
});

test('toll fraud: a user\'s source country changing within a day (range files in DB-IP lite layout)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-geo-'));
  const file = join(dir, 'country.csv');
  writeFileSync(file, '198.51.100.0,198.51.100.255,DE\n203.0.113.0,203.0.113.255,NG\n2001:db8::,2001:db8::ffff,FR\n');
  const t = RangeTable.load(file);
  assert.deepEqual(['198.51.100.7', '203.0.113.9', '2001:db8::1', '192.0.2.1'].map((ip) => t.lookup(ip)), ['DE', 'NG', 'FR', null]);
  assert.equal(ipKey('::ffff:1.2.3.4'), ipKey('1.2.3.4'));
  const b = new Bench({ tollFraud: { geo: { countryFile: file } } });
  b.event(0, 'reg-new', '198.51.100.7:5060', { user: 'alice' });
  b.event(600, 'reg-new', '198.51.100.8:5060', { user: 'alice' });
  assert.deepEqual(b.names(), []);
  b.event(1200, 'call-start', '203.0.113.9:5060', { user: 'alice', callId: 'x' });
  assert.deepEqual(b.names(), ['fraud-geo-change 203.0.113.9']);
  assert.deepEqual(b.alerts[0]!.a.evidence, { country_before: 'DE', country: 'NG' });
});

test('alerts are de-duplicated: a re-alert needs doubled evidence and a minute, and the per-second budget holds', () => {
  const b = new Bench({ maxAlertsPerSecond: 3 });
  for (let i = 0; i < 40; i++) b.event(i, 'auth-failed', '203.0.113.90:5060', { user: 'u' });
  // 5th failure alerts; the 10th is doubled evidence but within a minute of it; the 10th at t ≥ 64 s… comes later below.
  assert.deepEqual(b.alerts.map((x) => x.a.count), [5]);
  for (let i = 40; i < 70; i++) b.event(i, 'auth-failed', '203.0.113.90:5060', { user: 'u' });
  assert.deepEqual(b.alerts.map((x) => [x.a.count, x.a.occurrence]), [[5, 1], [65, 2]]);
  // Ten distinct scanners in one second: three alert, seven are counted as dropped.
  for (let i = 0; i < 10; i++) b.send(100.5, `198.51.100.${i}:5060`, '10.0.0.10:5060', sipviciousReq('OPTIONS', '100', '10.0.0.10', 'friendly-scanner'));
  b.tick(101);
  assert.equal(b.alerts.length, 5);
  assert.equal(b.counters.get('guard.detect.alerts_dropped'), 7);
});

test('the allowlist wins: an allowlisted source still alerts, marked, but is never listed', () => {
  const b = new Bench();
  b.blocklist.allow('198.51.100.77', 'office NAT', 0);
  for (let i = 0; i < 5; i++) b.event(i, 'auth-failed', '198.51.100.77:5060', { user: 'reception' });
  assert.deepEqual(b.names(), ['auth-guessing-source 198.51.100.77']);
  assert.equal(b.alerts[0]!.allowlisted, true);
  assert.equal(b.blocklist.check('198.51.100.77', 0), null);
  const doc = alertToEcs(b.alerts[0]!.a, true) as { sip: { alert: Record<string, unknown> } };
  assert.equal(doc.sip.alert.suggested_action, 'monitor');
  assert.equal(doc.sip.alert.allowlisted, true);
});

test('an alert document uses only documented fields and maps to ATT&CK', () => {
  const b = new Bench();
  for (let i = 0; i < 5; i++) b.event(i, 'auth-failed', '203.0.113.30:5060', { user: '1030', realm: 'r', userAgent: 'UA' });
  const doc = alertToEcs(b.alerts[0]!.a);
  const names = new Set(FIELDS.map((f) => f.name));
  const flat = (o: Record<string, unknown>, p = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) => (p + k === 'sip.alert.evidence' ? [p + k] : v !== null && typeof v === 'object' && !Array.isArray(v) ? flat(v as Record<string, unknown>, p + k + '.') : [p + k]));
  for (const k of flat(doc)) assert.ok(names.has(k), `undocumented field ${k}`);
  assert.deepEqual((doc as { threat: unknown }).threat, { framework: 'MITRE ATT&CK', tactic: { id: 'TA0006', name: 'Credential Access' }, technique: { id: 'T1110.001', name: 'Password Guessing' } });
  assert.deepEqual((doc as { event: Record<string, unknown> }).event.kind, 'alert');
  assert.deepEqual((doc as { event: Record<string, unknown> }).event.severity, 73);
});

test('dialled numbers: separators dropped, prefixes split', () => {
  assert.equal(normaliseNumber('+49 (30) 123-45'), '+493012345');
  assert.equal(normaliseNumber('alice'), null);
  assert.deepEqual(analyseNumber('901148185422016', ['+', '00', '011'], ['9']), { outside: '9', international: '011', rest: '48185422016' });
  assert.deepEqual(analyseNumber('+4930', ['+', '00', '011'], []), { outside: '', international: '+', rest: '4930' });
  assert.deepEqual(analyseNumber('1000', ['+', '00', '011'], ['9', '0']), { outside: '', international: null, rest: '1000' });
});

test('bad detector configuration is refused with the key', () => {
  assert.throws(() => detectSchema.parse({ passwordGuessing: { perSource: { count: 0 } } }), /perSource/);
  assert.throws(() => detectSchema.parse({ scanner: { bogus: 1 } }), /bogus/);
  assert.throws(() => detectSchema.parse({ tollFraud: { homeCountryCodes: ['abc'] } }), /homeCountryCodes/);
});

test('reconfigure keeps detector state: a lowered threshold alerts on counts already gathered, a new signature matches, a changed window restarts its counts; maxSources and unreadable range files are refused', () => {
  const b = new Bench({ scanner: { fingerprint: false }, tollFraud: { enabled: false } });
  for (let i = 0; i < 20; i++) b.send(i, '203.0.113.50:5060', '10.0.0.10:5060', phoneReq('INVITE', String(500 + i), { ua: 'PBX' }));
  b.send(20, '198.51.100.60:5060', '10.0.0.10:5060', phoneReq('OPTIONS', '100', { ua: 'acme-prober 1.0' }));
  for (let i = 0; i < 15; i++) b.send(i, '203.0.113.52:5060', '10.0.0.10:5060', phoneReq('INVITE', String(800 + i), { ua: 'PBX' }));
  for (let i = 0; i < 4; i++) b.event(30 + i, 'auth-failed', '203.0.113.30:5060', { user: '1030' });
  assert.deepEqual(b.names(), []);
  const restart = b.d.reconfigure(detectSchema.parse({
    maxSources: 10, // sizes the tables: needs a restart
    scanner: { fingerprint: false, userAgents: [{ match: 'acme-prober', tool: 'acme' }] },
    tollFraud: { enabled: false },
    flood: { invite: { count: 21 } },
    passwordGuessing: { perSource: { count: 5, window: 360 } },
  }));
  assert.deepEqual(restart, ['detect.maxSources']);
  // The 21st INVITE within the minute: the 20 counted before the reload still count.
  b.send(21, '203.0.113.50:5060', '10.0.0.10:5060', phoneReq('INVITE', '521', { ua: 'PBX' }));
  b.send(22, '198.51.100.60:5060', '10.0.0.10:5060', phoneReq('OPTIONS', '101', { ua: 'acme-prober 1.0' }));
  b.event(34, 'auth-failed', '203.0.113.30:5060', { user: '1030' });
  assert.deepEqual(b.names(), ['flood-invite 203.0.113.50', 'scanner-user-agent 198.51.100.60', 'auth-guessing-source 203.0.113.30']);
  assert.equal(b.alerts[0]!.a.evidence.limit, 21);
  assert.equal(b.alerts[1]!.a.evidence.tool, 'acme');
  // The default signatures are gone with the list that replaced them.
  b.send(23, '198.51.100.61:5060', '10.0.0.10:5060', phoneReq('OPTIONS', '102', { ua: 'friendly-scanner' }));
  assert.equal(b.alerts.length, 3);

  // A new INVITE window: counts start afresh. .52 sent 15 before; kept, they would alert at its 7th INVITE now.
  const flood30 = { scanner: { fingerprint: false }, tollFraud: { enabled: false }, flood: { invite: { count: 22, window: 30 } } };
  b.d.reconfigure(detectSchema.parse(flood30));
  for (let i = 0; i < 21; i++) b.send(24 + i * 0.1, '203.0.113.52:5060', '10.0.0.10:5060', phoneReq('INVITE', String(600 + i), { ua: 'PBX' }));
  assert.equal(b.alerts.length, 3);
  b.send(27, '203.0.113.52:5060', '10.0.0.10:5060', phoneReq('INVITE', '700', { ua: 'PBX' }));
  assert.equal(b.alerts.length, 4);
  assert.deepEqual([b.alerts[3]!.a.sourceIp, b.alerts[3]!.a.evidence.window_s], ['203.0.113.52', 30]);

  // A reload whose range file cannot be read changes nothing: one INVITE still does not alert.
  const missing = join(tmpdir(), 'no-such-range-file.csv');
  assert.throws(() => b.d.reconfigure(detectSchema.parse({ ...flood30, flood: { invite: { count: 1 } }, tollFraud: { geo: { countryFile: missing } } })), /no-such-range-file/);
  b.send(28, '203.0.113.53:5060', '10.0.0.10:5060', phoneReq('INVITE', '701', { ua: 'PBX' }));
  assert.equal(b.alerts.length, 4);
});
