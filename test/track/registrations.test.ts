import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scenario, T0_US, req, res, type Msg } from './harness.js';

const UA = '10.0.0.1:5060';
const R = '10.0.0.10:5060';
const aor = 'sip:alice@example.com';
const auth = ['Authorization', 'Digest username="alice", realm="example.com", nonce="n1", uri="sip:example.com", response="0123456789abcdef0123456789abcdef"'] as [string, string];

function register(callId: string, cseq: number, branch: string, contact: string | string[], extra: [string, string][] = []): Msg {
  return req('REGISTER', 'sip:example.com', { callId, cseq, from: aor, fromTag: 'rt' + cseq, to: aor, branch, contact, extra });
}

test('challenge then 200: one reg-new; refreshes (same branch reused, new CSeq) absorbed; unregister gives reg-del with lifetime', () => {
  const s = new Scenario();
  const r1 = register('r1', 1, 'z9hG4bKsame', '<sip:alice@10.0.0.1:5060>', [['Expires', '60']]);
  s.send(0, UA, R, r1);
  s.send(0.01, R, UA, res(r1, 401, 'Unauthorized', { toTag: 'x1', extra: [['WWW-Authenticate', 'Digest realm="example.com", nonce="n1"']] }));
  const r2 = register('r1', 2, 'z9hG4bKsame', '<sip:alice@10.0.0.1:5060>', [['Expires', '60'], auth]);
  s.send(0.1, UA, R, r2);
  s.send(0.11, R, UA, res(r2, 200, 'OK', { toTag: 'x2', contact: ['<sip:alice@10.0.0.1:5060>;expires=60'] }));
  for (let k = 1; k <= 5; k++) {
    const rr = register('r1', 2 + k, 'z9hG4bKsame', '<sip:alice@10.0.0.1:5060>', [['Expires', '60'], auth]);
    s.send(50 * k, UA, R, rr);
    s.send(50 * k + 0.01, R, UA, res(rr, 200, 'OK', { toTag: 'x' + k, contact: ['<sip:alice@10.0.0.1:5060>;expires=60'] }));
  }
  const un = register('r1', 9, 'z9hG4bKsame', '<sip:alice@10.0.0.1:5060>;expires=0', [auth]);
  s.send(300, UA, R, un);
  s.send(300.01, R, UA, res(un, 200, 'OK', { toTag: 'x9' }));
  s.end();
  assert.deepEqual(s.brief(), ['reg-new@0.11 200', 'reg-del@300.01 200']);
  const [n, d] = s.events;
  assert.equal(n!.contact, '<sip:alice@10.0.0.1:5060>'.slice(1, -1));
  assert.equal(n!.expires, 60);
  assert.equal(n!.user, 'alice');
  assert.equal(d!.startUs, T0_US + 110_000);
  assert.equal(d!.endUs, T0_US + 300_010_000);
  assert.equal(s.counters.get('track.reg_refreshes'), 5);
});

test('REGISTER with three contacts gives three reg-new; Contact: * removes all three', () => {
  const s = new Scenario();
  const cs = ['<sip:alice@10.0.0.1:5060>', '<sip:alice@10.0.0.1:5062;transport=tcp>', '<sip:alice@[2001:db8::1]:5060>'];
  const r = register('r2', 1, 'z9hG4bKa', cs, [['Expires', '3600']]);
  s.send(0, UA, R, r);
  s.send(0.01, R, UA, res(r, 200, 'OK', { toTag: 'x', contact: cs.map((c) => c + ';expires=3600') }));
  const star = register('r2', 2, 'z9hG4bKb', '*', [['Expires', '0']]);
  s.send(10, UA, R, star);
  s.send(10.01, R, UA, res(star, 200, 'OK', { toTag: 'y' }));
  s.end();
  assert.deepEqual(s.brief(), ['reg-new@0.01 200', 'reg-new@0.01 200', 'reg-new@0.01 200', 'reg-del@10.01 200', 'reg-del@10.01 200', 'reg-del@10.01 200']);
  assert.deepEqual(s.events.slice(0, 3).map((e) => e.contact), ['sip:alice@10.0.0.1:5060', 'sip:alice@10.0.0.1:5062;transport=tcp', 'sip:alice@[2001:db8::1]:5060']);
});

test('a binding left alone expires at expiry + grace (30 s)', () => {
  const s = new Scenario();
  const r = register('r3', 1, 'z9hG4bKa', '<sip:alice@10.0.0.1>', [['Expires', '20']]);
  s.send(0, UA, R, r);
  s.send(0.5, R, UA, res(r, 200, 'OK', { toTag: 'x', contact: ['<sip:alice@10.0.0.1>;expires=20'] }));
  s.end(1, 60);
  assert.deepEqual(s.brief(), ['reg-new@0.5 200', 'reg-expired@50.5']);
  assert.equal(s.events[1]!.endUs, T0_US + 20_500_000);
});

test('the registrar shortens the expiry: the 2xx value wins', () => {
  const s = new Scenario();
  const r = register('r4', 1, 'z9hG4bKa', '<sip:alice@10.0.0.1>', [['Expires', '3600']]);
  s.send(0, UA, R, r);
  s.send(0.5, R, UA, res(r, 200, 'OK', { toTag: 'x', contact: ['<sip:alice@10.0.0.1>;expires=120'] }));
  s.end(1, 200);
  assert.deepEqual(s.brief(), ['reg-new@0.5 200', 'reg-expired@150.5']);
  assert.equal(s.events[0]!.expires, 120);
});

test('a refresh with a new Call-ID is still a refresh (binding keyed by AoR + contact)', () => {
  const s = new Scenario();
  for (let k = 0; k < 4; k++) {
    const r = register('changing-' + k, 1, 'z9hG4bK' + k, '<sip:alice@10.0.0.1:5060;ob>', [['Expires', '60']]);
    s.send(k * 55, UA, R, r);
    s.send(k * 55 + 0.02, R, UA, res(r, 200, 'OK', { toTag: 't' + k }));
  }
  s.end();
  assert.deepEqual(s.brief(), ['reg-new@0.02 200']);
});

test('a registration failure that is not a challenge is other-failed; wrong password is auth-failed', () => {
  const s = new Scenario();
  const r = register('r5', 1, 'z9hG4bKa', '<sip:alice@10.0.0.1>');
  s.send(0, UA, R, r);
  s.send(0.01, R, UA, res(r, 404, 'Not Found', { toTag: 'x' }));
  const w = register('r6', 1, 'z9hG4bKb', '<sip:alice@10.0.0.1>');
  s.send(1, UA, R, w);
  s.send(1.01, R, UA, res(w, 401, 'Unauthorized', { toTag: 'y', extra: [['WWW-Authenticate', 'Digest realm="example.com", nonce="n9"']] }));
  const w2 = register('r6', 2, 'z9hG4bKc', '<sip:alice@10.0.0.1>', [auth]);
  s.send(1.1, UA, R, w2);
  s.send(1.11, R, UA, res(w2, 401, 'Unauthorized', { toTag: 'z', extra: [['WWW-Authenticate', 'Digest realm="example.com", nonce="n10"']] }));
  s.end();
  assert.deepEqual(s.brief(), ['other-failed@0.01 404', 'auth-failed@1.11 401']);
  assert.equal(s.events[1]!.user, 'alice');
  assert.equal(s.events[1]!.method, 'REGISTER');
});

test('a day-long registered phone refreshing every 30 s gives reg-new and reg-del only', () => {
  const s = new Scenario();
  let cseq = 1;
  const contact = '<sip:alice@192.168.1.20:5060>';
  const day = 86_400;
  for (let t = 0; t < day; t += 30) {
    const r = register('day', cseq++, 'z9hG4bKday', contact, [['Expires', '60'], auth]);
    s.send(t, UA, R, r);
    s.send(t + 0.02, R, UA, res(r, 200, 'OK', { toTag: 'd', contact: [contact + ';expires=60'] }));
  }
  const un = register('day', cseq++, 'z9hG4bKday', contact, [['Expires', '0'], auth]);
  s.send(day, UA, R, un);
  s.send(day + 0.02, R, UA, res(un, 200, 'OK', { toTag: 'd' }));
  s.end();
  assert.deepEqual(s.brief(), ['reg-new@0.02 200', `reg-del@${day + 0.02} 200`]);
  assert.equal(s.counters.get('track.reg_refreshes'), day / 30 - 1);
});

test('REGISTER through an edge proxy: the 2xx copy that reaches the UA decides (contacts and expiry it was granted)', () => {
  const s = new Scenario();
  const EDGE = '10.0.0.5:5060';
  const r = register('e1', 1, 'z9hG4bKua', '<sip:alice@10.0.0.1:5060>', [['Expires', '300'], auth]);
  const fwd: Msg = { ...r, headers: [['Via', 'SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKedge'], ...r.headers.filter(([k]) => k !== 'Contact'), ['Contact', '<sip:alice@10.0.0.5:5060;alias=1>']] };
  s.send(0, UA, EDGE, r);
  s.send(0.001, EDGE, R, fwd);
  s.send(0.002, R, EDGE, res(fwd, 200, 'OK', { toTag: 'x', contact: ['<sip:alice@10.0.0.5:5060;alias=1>;expires=600'] }));
  s.send(0.003, EDGE, UA, res(r, 200, 'OK', { toTag: 'x', contact: ['<sip:alice@10.0.0.1:5060>;expires=60'] }));
  s.end(1, 10);
  assert.deepEqual(s.brief(), ['reg-new@0.003 200']);
  assert.equal(s.events[0]!.expires, 60);
  assert.equal(s.events[0]!.contact, 'sip:alice@10.0.0.1:5060');
  assert.equal(s.end().activeBindings, 1);
});
