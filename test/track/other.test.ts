import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTrackOptions } from '../../src/track/options.js';
import { Scenario, req, res } from './harness.js';

const A = '10.0.0.1:5060';
const S = '10.0.0.10:5060';

function options(callId: string, branch: string) {
  return req('OPTIONS', 'sip:10.0.0.10', { callId, cseq: 1, from: 'sip:mon@example.com', fromTag: 'o' + callId, to: 'sip:10.0.0.10', branch });
}

test('OPTIONS keep-alives: the first success is other-ok, repeats within 300 s are absorbed; a failure breaks the series', () => {
  const s = new Scenario();
  for (let k = 0; k < 10; k++) {
    const o = options('ka' + k, 'z9hG4bK' + k);
    s.send(k * 60, A, S, o);
    s.send(k * 60 + 0.01, S, A, res(o, 200, 'OK', { toTag: 't' + k }));
  }
  const bad = options('kafail', 'z9hG4bKf');
  s.send(601, A, S, bad);
  s.send(601.01, S, A, res(bad, 503, 'Service Unavailable', { toTag: 'f' }));
  const again = options('kaagain', 'z9hG4bKg');
  s.send(660, A, S, again);
  s.send(660.01, S, A, res(again, 200, 'OK', { toTag: 'g' }));
  const late = options('kalate', 'z9hG4bKh');
  s.send(1000, A, S, late);
  s.send(1000.01, S, A, res(late, 200, 'OK', { toTag: 'h' }));
  s.end();
  assert.deepEqual(s.brief(), ['other-ok@0.01 200', 'other-failed@601.01 503', 'other-ok@660.01 200', 'other-ok@1000.01 200']);
  assert.equal(s.counters.get('track.keepalives_absorbed'), 9);
});

test('reconfigure: a shorter keep-alive window makes the next ping that is older than it news again', () => {
  const s = new Scenario();
  for (let k = 0; k < 4; k++) {
    if (k === 2) s.tracker.reconfigure({ ...defaultTrackOptions, keepaliveWindow: 30 });
    const o = options('kr' + k, 'z9hG4bKr' + k);
    s.send(k * 60, A, S, o);
    s.send(k * 60 + 0.01, S, A, res(o, 200, 'OK', { toTag: 'r' + k }));
  }
  s.end();
  // 60 s apart: absorbed under the 300 s window, news under 30 s.
  assert.deepEqual(s.brief(), ['other-ok@0.01 200', 'other-ok@120.01 200', 'other-ok@180.01 200']);
  assert.equal(s.counters.get('track.keepalives_absorbed'), 1);
});

test('MESSAGE with no reply: other-timeout 408 at request + 32 s; retransmissions absorbed', () => {
  const s = new Scenario();
  const m = req('MESSAGE', 'sip:bob@example.com', { callId: 'm1', cseq: 1, from: 'sip:alice@example.com', fromTag: 'a', to: 'sip:bob@example.com', branch: 'z9hG4bKm', body: 'hi' });
  s.send(0, A, S, m);
  s.send(0.5, A, S, m);
  s.send(1.5, A, S, m);
  s.end();
  assert.deepEqual(s.brief(), ['other-timeout@32 408']);
  assert.equal(s.events[0]!.timeout, true);
  assert.equal(s.events[0]!.trace, '>MESSAGE{2}');
});

test('SUBSCRIBE 200 is other-ok; in-dialog NOTIFY is absorbed', () => {
  const s = new Scenario();
  const sub = req('SUBSCRIBE', 'sip:bob@example.com', { callId: 's1', cseq: 1, from: 'sip:alice@example.com', fromTag: 'a', to: 'sip:bob@example.com', branch: 'z9hG4bKs', extra: [['Event', 'presence'], ['Expires', '600']] });
  s.send(0, A, S, sub);
  s.send(0.1, S, A, res(sub, 200, 'OK', { toTag: 'b' }));
  const notify = req('NOTIFY', 'sip:alice@10.0.0.1', { callId: 's1', cseq: 1, from: 'sip:bob@example.com', fromTag: 'b', to: 'sip:alice@example.com', toTag: 'a', branch: 'z9hG4bKn', via: '10.0.0.10:5060', extra: [['Event', 'presence'], ['Subscription-State', 'active']] });
  s.send(0.2, S, A, notify);
  s.send(0.3, A, S, res(notify, 200, 'OK'));
  s.end();
  assert.deepEqual(s.brief(), ['other-ok@0.1 200']);
});

test('parse-error carries code, offset and the Call-ID when it could be read', () => {
  const s = new Scenario();
  s.send(0, A, S, { line: 'INVITE sip:bob@example.com SIP/2.0', headers: [['Via', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx'], ['Call-ID', 'pe1'], ['CSeq', 'one INVITE'], ['From', '<sip:a@b>;tag=1'], ['To', '<sip:b@b>']] });
  s.end();
  assert.equal(s.events.length, 1);
  const e = s.events[0]!;
  assert.equal(e.action, 'parse-error');
  assert.equal(e.callId, 'pe1');
  assert.equal(typeof e.errorCode, 'string');
  assert.ok(e.errorCode!.startsWith('sip.'));
});
