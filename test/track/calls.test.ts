import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTrackOptions } from '../../src/track/options.js';
import { Scenario, T0_US, req, res, type Msg } from './harness.js';

const A = '10.0.0.1:5060'; // caller
const P = '10.0.0.10:5060'; // proxy
const B = '10.0.0.2:5060'; // callee
const alice = 'sip:alice@example.com';
const bob = 'sip:bob@example.com';
const cred = ['Proxy-Authorization', 'Digest username="alice", realm="example.com", nonce="n1", uri="sip:bob@example.com", response="0123456789abcdef0123456789abcdef"'] as [string, string];
const sdp = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function invite(callId: string, cseq: number, branch: string, extra: [string, string][] = []): Msg {
  return req('INVITE', bob, { callId, cseq, from: alice, fromTag: 'at1', to: bob, branch, contact: '<sip:alice@10.0.0.1>', extra, body: sdp });
}
function inDialog(method: string, callId: string, cseq: number, branch: string, fromCaller = true): Msg {
  return fromCaller
    ? req(method, 'sip:bob@10.0.0.2', { callId, cseq, from: alice, fromTag: 'at1', to: bob, toTag: 'bt1', branch })
    : req(method, 'sip:alice@10.0.0.1', { callId, cseq, from: bob, fromTag: 'bt1', to: alice, toTag: 'at1', branch, via: '10.0.0.2:5060' });
}

test('challenge then success: the 407 is absorbed, one call-start and one call-end with duration', () => {
  const s = new Scenario();
  const i1 = invite('c1', 1, 'z9hG4bK1');
  s.send(0, A, P, i1);
  s.send(0.01, P, A, res(i1, 407, 'Proxy Authentication Required', { toTag: 'p1', extra: [['Proxy-Authenticate', 'Digest realm="example.com", nonce="n1"']] }));
  s.send(0.02, A, P, req('ACK', bob, { callId: 'c1', cseq: 1, from: alice, fromTag: 'at1', to: bob, toTag: 'p1', branch: 'z9hG4bK1' }));
  const i2 = invite('c1', 2, 'z9hG4bK2', [cred]);
  s.send(0.1, A, P, i2);
  s.send(0.11, P, A, res(i2, 100, 'Trying'));
  s.send(1, P, A, res(i2, 180, 'Ringing', { toTag: 'bt1' }));
  s.send(3, P, A, res(i2, 200, 'OK', { toTag: 'bt1' }));
  s.send(3.01, A, P, inDialog('ACK', 'c1', 2, 'z9hG4bK3'));
  const bye = inDialog('BYE', 'c1', 3, 'z9hG4bK4');
  s.send(13, A, P, bye);
  s.send(13.01, P, A, res(bye, 200, 'OK'));
  s.end();
  assert.deepEqual(s.brief(), ['call-start@3 200', 'call-end@13 200']);
  const [start, end] = s.events;
  assert.equal(start!.trace, '>INVITE <407 >ACK >INVITE <100 <180 <200');
  assert.equal(start!.pddMs, 1000);
  assert.equal(start!.ringMs, 2000);
  assert.equal(start!.user, 'alice');
  assert.deepEqual(start!.client, { ip: '10.0.0.1', port: 5060 });
  assert.deepEqual(start!.server, { ip: '10.0.0.10', port: 5060 });
  assert.equal(start!.toTag, 'bt1');
  assert.equal(start!.serverAgent, 'TestServer/2.0');
  assert.equal(end!.originator, 'caller');
  assert.equal(end!.startUs, T0_US + 3e6);
  assert.equal(end!.endUs, T0_US + 13e6);
  assert.equal(end!.trace, '>INVITE <407 >ACK >INVITE <100 <180 <200 >ACK >BYE');
  assert.equal(s.counters.get('track.challenges_absorbed'), 1);
  assert.equal(s.counters.get('track.challenges_retried'), 1);
});

test('wrong password on INVITE: auth-failed with the digest username, no call-attempt', () => {
  const s = new Scenario();
  const i1 = invite('c2', 1, 'z9hG4bKa');
  s.send(0, A, P, i1);
  s.send(0.01, P, A, res(i1, 407, 'Proxy Authentication Required', { toTag: 'p1' }));
  const i2 = invite('c2', 2, 'z9hG4bKb', [cred]);
  s.send(0.1, A, P, i2);
  s.send(0.11, P, A, res(i2, 403, 'Forbidden', { toTag: 'p2' }));
  s.end();
  assert.deepEqual(s.brief(), ['auth-failed@0.11 403']);
  assert.equal(s.events[0]!.user, 'alice');
  assert.equal(s.events[0]!.realm, 'example.com');
  assert.equal(s.events[0]!.method, 'INVITE');
});

test('a second 407 to a request with credentials is auth-failed; a stale=true re-challenge is not', () => {
  const s = new Scenario();
  const i1 = invite('c3', 1, 'z9hG4bKa', [cred]);
  s.send(0, A, P, i1);
  s.send(0.01, P, A, res(i1, 407, 'Proxy Authentication Required', { toTag: 'p1', extra: [['Proxy-Authenticate', 'Digest realm="example.com", nonce="n2", stale=true']] }));
  const i2 = invite('c3', 2, 'z9hG4bKb', [cred]);
  s.send(0.1, A, P, i2);
  s.send(0.11, P, A, res(i2, 407, 'Proxy Authentication Required', { toTag: 'p2', extra: [['Proxy-Authenticate', 'Digest realm="example.com", nonce="n3"']] }));
  s.end();
  assert.deepEqual(s.brief(), ['auth-failed@0.11 407']);
});

test('challenge never retried: no event, counted', () => {
  const s = new Scenario();
  const i1 = invite('c4', 1, 'z9hG4bKa');
  s.send(0, A, P, i1);
  s.send(0.01, P, A, res(i1, 401, 'Unauthorized', { toTag: 'p1' }));
  s.end();
  assert.deepEqual(s.brief(), []);
  assert.equal(s.counters.get('track.challenges_not_retried'), 1);
});

test('busy: call-attempt 486 at the reply, trace and ring time', () => {
  const s = new Scenario();
  const i = invite('c5', 1, 'z9hG4bKa');
  s.send(0, A, B, i);
  s.send(0.5, B, A, res(i, 180, 'Ringing', { toTag: 'bt1' }));
  s.send(2, B, A, res(i, 486, 'Busy Here', { toTag: 'bt1' }));
  s.send(2.01, A, B, req('ACK', bob, { callId: 'c5', cseq: 1, from: alice, fromTag: 'at1', to: bob, toTag: 'bt1', branch: 'z9hG4bKa' }));
  s.send(2.5, B, A, res(i, 486, 'Busy Here', { toTag: 'bt1' })); // retransmission
  s.end();
  assert.deepEqual(s.brief(), ['call-attempt@2 486']);
  assert.equal(s.events[0]!.ringMs, 1500);
  assert.equal(s.events[0]!.pddMs, 500);
  assert.equal(s.events[0]!.reason, 'Busy Here');
  assert.equal(s.counters.get('track.retransmissions.response'), 1);
});

test('CANCEL then 487: call-attempt 487 marked cancelled; a late 2xx after CANCEL still starts the call', () => {
  const s = new Scenario();
  const i = invite('c6', 1, 'z9hG4bKa');
  s.send(0, A, B, i);
  s.send(1, B, A, res(i, 180, 'Ringing', { toTag: 'bt1' }));
  const cancel = req('CANCEL', bob, { callId: 'c6', cseq: 1, from: alice, fromTag: 'at1', to: bob, branch: 'z9hG4bKa' });
  s.send(4, A, B, cancel);
  s.send(4.01, B, A, res(cancel, 200, 'OK', { toTag: 'bt1' }));
  s.send(4.02, B, A, res(i, 487, 'Request Terminated', { toTag: 'bt1' }));
  s.end();
  assert.deepEqual(s.brief(), ['call-attempt@4.02 487']);
  assert.equal(s.events[0]!.cancelled, true);
  assert.equal(s.events[0]!.trace, '>INVITE <180 >CANCEL <200 <487');

  const s2 = new Scenario();
  const j = invite('c7', 1, 'z9hG4bKa');
  s2.send(0, A, B, j);
  s2.send(1, B, A, res(j, 180, 'Ringing', { toTag: 'bt1' }));
  const c2 = req('CANCEL', bob, { callId: 'c7', cseq: 1, from: alice, fromTag: 'at1', to: bob, branch: 'z9hG4bKa' });
  s2.send(4, A, B, c2);
  s2.send(4.01, B, A, res(j, 200, 'OK', { toTag: 'bt1' })); // the callee answered before the CANCEL arrived
  s2.send(4.02, B, A, res(c2, 481, 'Call/Transaction Does Not Exist', { toTag: 'bt1' }));
  s2.send(4.03, A, B, inDialog('ACK', 'c7', 1, 'z9hG4bKb'));
  s2.send(4.04, A, B, inDialog('BYE', 'c7', 2, 'z9hG4bKc'));
  s2.end();
  assert.deepEqual(s2.brief(), ['call-start@4.01 200', 'call-end@4.04 200']);
  assert.equal(s2.events[1]!.endUs! - s2.events[1]!.startUs!, 30_000);
});

test('forked 2xx: one call-start; the second fork is absorbed and only the primary dialog ends the call', () => {
  const s = new Scenario();
  const i = invite('c8', 1, 'z9hG4bKa');
  s.send(0, A, P, i);
  s.send(1, P, A, res(i, 180, 'Ringing', { toTag: 'f1' }));
  s.send(1.1, P, A, res(i, 180, 'Ringing', { toTag: 'f2' }));
  s.send(2, P, A, res(i, 200, 'OK', { toTag: 'f1' }));
  s.send(2.2, P, A, res(i, 200, 'OK', { toTag: 'f2' }));
  s.send(2.3, P, A, res(i, 200, 'OK', { toTag: 'f1' })); // retransmission of the first 2xx
  s.end(60);
  assert.deepEqual(s.brief(), ['call-start@2 200']);
  assert.equal(s.events[0]!.toTag, 'f1');
  assert.equal(s.counters.get('track.retransmissions.response'), 1);
});

test('BYE without INVITE (probe started mid-call): call-end marked partial, no start, no duration, no status', () => {
  const s = new Scenario();
  const bye = inDialog('BYE', 'c9', 5, 'z9hG4bKx', false);
  s.send(10, B, A, bye);
  s.send(10.01, A, B, res(bye, 200, 'OK'));
  s.end();
  assert.deepEqual(s.brief(), ['call-end@10']);
  const e = s.events[0]!;
  assert.equal(e.partial, true);
  assert.equal(e.startUs, null);
  assert.equal(e.endUs, null);
  assert.equal(e.status, null);
  assert.equal(e.originator, null);
  assert.deepEqual(e.client, { ip: '10.0.0.2', port: 5060 });
});

test('callee hangs up: originator callee; in-dialog re-INVITE absorbed', () => {
  const s = new Scenario();
  const i = invite('c10', 1, 'z9hG4bKa');
  s.send(0, A, B, i);
  s.send(0.5, B, A, res(i, 200, 'OK', { toTag: 'bt1' }));
  s.send(0.6, A, B, inDialog('ACK', 'c10', 1, 'z9hG4bKb'));
  const reinv = inDialog('INVITE', 'c10', 2, 'z9hG4bKc');
  s.send(5, A, B, reinv);
  s.send(5.1, B, A, res(reinv, 200, 'OK'));
  s.send(5.2, A, B, inDialog('ACK', 'c10', 2, 'z9hG4bKd'));
  const bye = inDialog('BYE', 'c10', 1, 'z9hG4bKe', false);
  s.send(20, B, A, bye);
  s.send(20.05, A, B, res(bye, 200, 'OK'));
  s.end();
  assert.deepEqual(s.brief(), ['call-start@0.5 200', 'call-end@20 200']);
  assert.equal(s.events[1]!.originator, 'callee');
  assert.equal(s.events[1]!.trace, '>INVITE <200 >ACK >INVITE <200 >ACK <BYE');
});

test('no reply at all: call-attempt 408 timeout at INVITE + 32 s; ringing forever: 408 at first 18x + 180 s', () => {
  const s = new Scenario();
  s.send(0, A, B, invite('c11', 1, 'z9hG4bKa'));
  s.send(0.5, A, B, invite('c11', 1, 'z9hG4bKa')); // Timer A retransmission
  const j = invite('c12', 1, 'z9hG4bKb');
  s.send(1, A, B, j);
  s.send(2, B, A, res(j, 180, 'Ringing', { toTag: 'bt' }));
  s.end(10, 300);
  assert.deepEqual(s.brief(), ['call-attempt@32 408', 'call-attempt@182 408']);
  assert.equal(s.events[0]!.timeout, true);
  assert.equal(s.events[0]!.trace, '>INVITE{1}');
});

/** A call from A to B answered at 1 s and acknowledged, then silent. */
function establish(s: Scenario, callId: string): void {
  const i = invite(callId, 1, 'z9hG4bKa');
  s.send(0, A, B, i);
  s.send(1, B, A, res(i, 200, 'OK', { toTag: 'bt1' }));
  s.send(1.1, A, B, inDialog('ACK', callId, 1, 'z9hG4bKb'));
}

test('a call that never sends BYE ends with originator timeout after call_timeout', () => {
  const s = new Scenario({ callTimeout: 100 });
  establish(s, 'c13');
  s.send(50, A, B, inDialog('UPDATE', 'c13', 2, 'z9hG4bKc')); // refresh extends the silence timer
  s.end(60, 200);
  assert.deepEqual(s.brief(), ['call-start@1 200', 'call-end@150 200']);
  assert.equal(s.events[1]!.originator, 'timeout');
});

test('reconfigure: a shorter call timeout applies from the call\'s next message; a lowered call cap stops new calls, keeps the tracked ones', () => {
  const s = new Scenario({ callTimeout: 3600 });
  establish(s, 'c13r');
  assert.deepEqual(s.tracker.reconfigure({ ...defaultTrackOptions, callTimeout: 100, maxCalls: 1 }), []);
  s.send(50, A, B, inDialog('UPDATE', 'c13r', 2, 'z9hG4bKc')); // re-arms the silence timer with the new timeout
  // A second call while the first is tracked: the cap of one refuses it.
  const j = req('INVITE', bob, { callId: 'c13s', cseq: 1, from: alice, fromTag: 'x1', to: bob, branch: 'z9hG4bKs', contact: '<sip:alice@10.0.0.1>', body: sdp });
  s.send(60, A, B, j);
  s.send(61, B, A, res(j, 200, 'OK', { toTag: 'y1' }));
  s.end(70, 200);
  assert.deepEqual(s.brief(), ['call-start@1 200', 'call-end@150 200']);
  assert.equal(s.events[1]!.originator, 'timeout');
  assert.equal(s.counters.get('track.call_table_full'), 1);
  assert.deepEqual(s.tracker.reconfigure({ ...defaultTrackOptions, maxKeepalives: 5 }), ['track.maxKeepalives'], 'the keep-alive table keeps its size');
});

test('a proxied call seen on both legs gives one set of events with the original caller as client', () => {
  const s = new Scenario();
  const i = invite('c14', 1, 'z9hG4bKa');
  const iLeg2: Msg = { ...i, headers: [['Via', 'SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKp1'], ...i.headers] };
  s.send(0, A, P, i);
  s.send(0.001, P, A, res(i, 100, 'Trying'));
  s.send(0.002, P, B, iLeg2);
  s.send(0.5, B, P, res(iLeg2, 180, 'Ringing', { toTag: 'bt1' }));
  s.send(0.501, P, A, res(i, 180, 'Ringing', { toTag: 'bt1' }));
  s.send(2, B, P, res(iLeg2, 486, 'Busy Here', { toTag: 'bt1' }));
  s.send(2.001, P, A, res(i, 486, 'Busy Here', { toTag: 'bt1' }));
  s.end();
  assert.deepEqual(s.brief(), ['call-attempt@2.001 486']);
  assert.deepEqual(s.events[0]!.client, { ip: '10.0.0.1', port: 5060 });
  assert.equal(s.events[0]!.trace, '>INVITE <100 <180 <486');
  assert.equal(s.counters.get('track.leg_copies'), 3);
});

test('a B2BUA gives two dialogs (two Call-IDs): two call-attempts', () => {
  const s = new Scenario();
  const i = invite('leg-a', 1, 'z9hG4bKa');
  const j = req('INVITE', bob, { callId: 'leg-b', cseq: 1, from: 'sip:alice@sbc.example.com', fromTag: 'x1', to: bob, branch: 'z9hG4bKs', via: '10.0.0.10:5060' });
  s.send(0, A, P, i);
  s.send(0.1, P, B, j);
  s.send(1, B, P, res(j, 404, 'Not Found', { toTag: 'b404' }));
  s.send(1.1, P, A, res(i, 404, 'Not Found', { toTag: 'a404' }));
  s.end();
  assert.deepEqual(s.brief(), ['call-attempt@1 404', 'call-attempt@1.1 404']);
});

test('a reply stamped before its request (capture skew) is matched, not taken for an orphan', () => {
  const s = new Scenario();
  const i1 = invite('c15', 1, 'z9hG4bKa');
  s.send(0.000, P, A, res(i1, 407, 'Proxy Authentication Required', { toTag: 'p1' })); // 40 ms early
  s.send(0.040, A, P, i1);
  s.send(0.050, A, P, req('ACK', bob, { callId: 'c15', cseq: 1, from: alice, fromTag: 'at1', to: bob, toTag: 'p1', branch: 'z9hG4bKa' }));
  const i2 = invite('c15', 2, 'z9hG4bKb', [cred]);
  s.send(0.100, P, A, res(i2, 403, 'Forbidden', { toTag: 'p2' }));
  s.send(0.140, A, P, i2);
  s.end();
  assert.deepEqual(s.brief(), ['auth-failed@0.1 403']);
  assert.equal(s.events[0]!.partial, false);
  assert.equal(s.events[0]!.user, 'alice');
  assert.equal(s.counters.get('track.replies_reordered'), 2);
});

test('a reply whose request never comes is an orphan after the hold: partial call-start, then the call ends', () => {
  const s = new Scenario();
  const i = invite('c16', 1, 'z9hG4bKa');
  s.send(1, B, A, res(i, 200, 'OK', { toTag: 'bt1' }));
  s.send(1.01, A, B, inDialog('ACK', 'c16', 1, 'z9hG4bKb'));
  s.send(5, A, B, inDialog('BYE', 'c16', 2, 'z9hG4bKc'));
  s.end();
  assert.deepEqual(s.brief(), ['call-start@1 200', 'call-end@5 200']);
  assert.equal(s.events[0]!.partial, true);
  assert.deepEqual(s.events[0]!.client, { ip: '10.0.0.1', port: 5060 });
  assert.equal(s.events[1]!.endUs! - s.events[1]!.startUs!, 4_000_000);
});
