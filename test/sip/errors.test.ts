import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { SipLeniency } from '../../src/sip/leniency.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { crlf } from './samples.js';

function parse(lines: string[]) {
  const b = crlf(lines);
  return parseSipMessage(b, 0, b.length);
}

const ALL = {
  via: 'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
  from: 'From: <sip:a@example.com>;tag=1',
  to: 'To: <sip:b@example.com>',
  callId: 'Call-ID: err@example.com',
  cseq: 'CSeq: 7 OPTIONS',
};

test('each missing identifying header -> sip.missing_mandatory naming it; a missing Via is a leniency', () => {
  const names: Record<string, string> = { from: 'From', to: 'To', callId: 'Call-ID', cseq: 'CSeq' };
  for (const key of Object.keys(ALL) as Array<keyof typeof ALL>) {
    const lines = Object.entries(ALL).filter(([k]) => k !== key).map(([, v]) => v);
    const m = parse(['OPTIONS sip:b@example.com SIP/2.0', ...lines, '', '']);
    if (key === 'via') {
      assert.equal(m.error, null);
      assert.equal(m.leniencies & SipLeniency.MissingVia, SipLeniency.MissingVia);
      assert.equal(m.topVia, null);
      continue;
    }
    assert.deepEqual(m.error, { code: SipErrorCode.MissingMandatory, reason: 'missing ' + names[key], offset: 0 }, key);
  }
  const none = parse(['OPTIONS sip:b@example.com SIP/2.0', 'Max-Forwards: 70', '', '']);
  assert.equal(none.error?.reason, 'missing Call-ID, CSeq, From, To, Via');
});

test('CSeq not number-and-method -> sip.bad_cseq; cseq null, rest available', () => {
  for (const v of ['abc OPTIONS', '7', 'OPTIONS 7', '7OPTIONS', '7 OPTIONS extra', '4294967296 OPTIONS', '-1 OPTIONS', '']) {
    const m = parse(['OPTIONS sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, `CSeq: ${v}`, '', '']);
    assert.equal(m.error?.code, SipErrorCode.BadCSeq, v);
    assert.equal(m.cseq, null, v);
    assert.equal(m.callId, 'err@example.com', v);
  }
  const max = parse(['OPTIONS sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, 'CSeq: 4294967295 OPTIONS', '', '']);
  assert.equal(max.error, null);
  assert.deepEqual(max.cseq, { num: 4294967295, method: 'OPTIONS' });
});

test('request whose CSeq method differs -> sip.cseq_method_mismatch (RFC 4475 mismatch01); responses unaffected', () => {
  const m = parse(['OPTIONS sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, 'CSeq: 7 INVITE', '', '']);
  assert.equal(m.error?.code, SipErrorCode.CSeqMethodMismatch);
  assert.deepEqual(m.cseq, { num: 7, method: 'INVITE' });
  const r = parse(['SIP/2.0 200 OK', ALL.via, ALL.from, ALL.to, ALL.callId, 'CSeq: 7 INVITE', '', '']);
  assert.equal(r.error, null);
});

test('single-valued headers repeated with different values -> sip.duplicate_header (RFC 4475 mcl01)', () => {
  const m = parse(['OPTIONS sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, 'Call-ID: other@example.com', ALL.cseq, '', '']);
  assert.equal(m.error?.code, SipErrorCode.DuplicateHeader);
  assert.equal(m.error?.offset, 167);
  assert.equal(m.callId, 'err@example.com');
  const same = parse(['OPTIONS sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, ALL.callId, ALL.cseq, '', '']);
  assert.equal(same.error, null);
});

test('the first error found is kept', () => {
  const m = parse(['OPTIONS sip:b@example.com SIP/3.0', ALL.via, 'bad line', ALL.callId, 'Content-Length: x', '', '']);
  assert.equal(m.error?.code, SipErrorCode.BadVersion);
});

test('numeric getters: Expires, Max-Forwards, Session-Expires', () => {
  const m = parse(['INVITE sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, 'CSeq: 1 INVITE', 'Expires: 3600', 'Max-Forwards: 0', 'Session-Expires: 1800;refresher=uac', '', '']);
  assert.equal(m.expires, 3600);
  assert.equal(m.maxForwards, 0);
  assert.equal(m.sessionExpires, 1800);
  const bad = parse(['INVITE sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, 'CSeq: 1 INVITE', 'Expires: Thu, 01 Dec 2040 16:00:00 GMT', 'Max-Forwards: 300', 'x: soon', '', '']);
  assert.equal(bad.expires, null);
  assert.equal(bad.maxForwards, null);
  assert.equal(bad.sessionExpires, null);
  assert.equal(bad.error, null);
  const big = parse(['INVITE sip:b@example.com SIP/2.0', ALL.via, ALL.from, ALL.to, ALL.callId, 'CSeq: 1 INVITE', 'Expires: 10000000000000000000', '', '']);
  assert.equal(big.expires, null);
  const none = parse(['INVITE sip:b@example.com SIP/2.0', ALL.via, '', '']);
  assert.equal(none.expires, null);
  assert.equal(none.maxForwards, null);
  assert.equal(none.sessionExpires, null);
  assert.equal(none.userAgent, null);
  assert.equal(none.server, null);
  assert.equal(none.contentType, null);
  assert.equal(none.contentMediaType, null);
});

test('User-Agent and Server are raw values (UTF-8)', () => {
  const m = parse(['SIP/2.0 200 OK', ALL.via, ALL.from, ALL.to, ALL.callId, ALL.cseq, 'Server: Asterisk PBX 16.2 (Ünïcode)', 'User-Agent: friendly-scanner', '', '']);
  assert.equal(m.server, 'Asterisk PBX 16.2 (Ünïcode)');
  assert.equal(m.userAgent, 'friendly-scanner');
});

test('Call-ID keeps every byte (latin1), empty Call-ID is null', () => {
  const m = parse(['SIP/2.0 200 OK', ALL.via, ALL.from, ALL.to, 'Call-ID: \u00e9t\u00e9', ALL.cseq, '', '']);
  // The UTF-8 bytes c3 a9 decode one char per byte.
  assert.equal(m.callId, '\u00c3\u00a9t\u00c3\u00a9');
  const e = parse(['SIP/2.0 200 OK', ALL.via, ALL.from, ALL.to, 'Call-ID:', ALL.cseq, '', '']);
  assert.equal(e.callId, null);
});
