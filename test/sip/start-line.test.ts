import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { SipLeniency } from '../../src/sip/leniency.js';
import { crlf } from './samples.js';

const HEADERS = [
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.com',
];

function parse(b: Buffer) {
  return parseSipMessage(b, 0, b.length);
}

test('request line: method, Request-URI, no status', () => {
  const m = parse(crlf(['INVITE sip:bob@biloxi.com SIP/2.0', ...HEADERS, 'CSeq: 314159 INVITE', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.isRequest, true);
  assert.equal(m.method, 'INVITE');
  assert.equal(m.requestUri, 'sip:bob@biloxi.com');
  assert.equal(m.status, 0);
  assert.equal(m.reason, '');
  assert.equal(m.leniencies, 0);
});

test('status line: code and reason phrase with spaces', () => {
  const m = parse(crlf(['SIP/2.0 487 Request Terminated', ...HEADERS, 'CSeq: 1 INVITE', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.isRequest, false);
  assert.equal(m.method, '');
  assert.equal(m.requestUri, '');
  assert.equal(m.status, 487);
  assert.equal(m.reason, 'Request Terminated');
});

test('status line without reason phrase (with and without the SP)', () => {
  const a = parse(crlf(['SIP/2.0 100 ', ...HEADERS, 'CSeq: 1 INVITE', '', '']));
  assert.equal(a.error, null);
  assert.equal(a.status, 100);
  assert.equal(a.reason, '');
  const b = parse(crlf(['SIP/2.0 180', ...HEADERS, 'CSeq: 1 INVITE', '', '']));
  assert.equal(b.error, null);
  assert.equal(b.status, 180);
  assert.equal(b.reason, '');
  assert.equal(b.leniencies, SipLeniency.MissingReasonSpace);
});

test('unusual but valid reason phrase and extension method are kept as written', () => {
  const r = parse(crlf(['SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое', ...HEADERS, 'CSeq: 1 INVITE', '', '']));
  assert.equal(r.error, null);
  assert.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  const q = parse(crlf(['!interesting-Method0123456789_*+`.%indeed\'~ sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn\'t-it)@example.com SIP/2.0', ...HEADERS, 'CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed\'~', '', '']));
  assert.equal(q.error, null);
  assert.equal(q.method, "!interesting-Method0123456789_*+`.%indeed'~");
  assert.equal(q.requestUri, "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
  assert.deepEqual(q.cseq, { num: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
});

test('common methods are shared strings; CSeq method is too', () => {
  const a = parse(crlf(['REGISTER sip:r.example.com SIP/2.0', ...HEADERS, 'CSeq: 2 REGISTER', '', '']));
  const b = parse(crlf(['REGISTER sip:r.example.com SIP/2.0', ...HEADERS, 'CSeq: 3 REGISTER', '', '']));
  assert.equal(a.method, 'REGISTER');
  assert.equal(a.method, b.method);
  assert.equal(a.cseq?.method, 'REGISTER');
});

test('LF-only line endings are tolerated and recorded', () => {
  const text = ['OPTIONS sip:carol@chicago.com SIP/2.0', ...HEADERS, 'CSeq: 63104 OPTIONS', 'Content-Length: 0', '', ''].join('\n');
  const m = parse(Buffer.from(text));
  assert.equal(m.error, null);
  assert.equal(m.method, 'OPTIONS');
  assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.com');
  assert.equal(m.contentLength, 0);
  assert.equal(m.bodyStart, text.length);
  assert.equal(m.bodyEnd, text.length);
  assert.equal(m.leniencies, SipLeniency.LfLineEnding);
});

test('CRLFs before the start line are skipped (RFC 3261 §7.5)', () => {
  const b = Buffer.concat([Buffer.from('\r\n\r\n'), crlf(['BYE sip:bob@192.0.2.4 SIP/2.0', ...HEADERS, 'CSeq: 2 BYE', '', ''])]);
  const m = parse(b);
  assert.equal(m.error, null);
  assert.equal(m.method, 'BYE');
  assert.equal(m.leniencies, SipLeniency.LeadingCrlf);
});

test('extra white space between start-line elements is tolerated and recorded', () => {
  const m = parse(crlf(['INVITE  sip:bob@biloxi.com \t SIP/2.0 ', ...HEADERS, 'CSeq: 1 INVITE', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.requestUri, 'sip:bob@biloxi.com');
  assert.equal(m.leniencies, SipLeniency.StartLineSpacing);
});

test('SIP-Version other than SIP/2.0 -> sip.bad_version, fields kept', () => {
  const m = parse(crlf(['OPTIONS sip:t.watson@example.org SIP/7.0', ...HEADERS, 'CSeq: 1 OPTIONS', '', '']));
  assert.deepEqual(m.error, { code: SipErrorCode.BadVersion, reason: 'SIP-Version is not SIP/2.0', offset: 33 });
  assert.equal(m.method, 'OPTIONS');
  assert.equal(m.requestUri, 'sip:t.watson@example.org');
  assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.com');
  const r = parse(crlf(['SIP/1.0 200 OK', ...HEADERS, 'CSeq: 1 OPTIONS', '', '']));
  assert.equal(r.error?.code, SipErrorCode.BadVersion);
  assert.equal(r.error?.offset, 0);
  assert.equal(r.status, 200);
});

test('version is case-insensitive (RFC 3261 §7.1)', () => {
  const m = parse(crlf(['INVITE sip:bob@biloxi.com sip/2.0', ...HEADERS, 'CSeq: 1 INVITE', '', '']));
  assert.equal(m.error, null);
});

test('bad status codes -> sip.bad_status_code', () => {
  for (const [line, status] of [
    ['SIP/2.0 99 Too Low', 0],
    ['SIP/2.0 700 Too High', 700],
    ['SIP/2.0 2000 Four Digits', 0],
    ['SIP/2.0 20x Letters', 0],
    ['SIP/2.0 200OK', 200],
    ['SIP/2.0', 0],
  ] as const) {
    const m = parse(crlf([line, ...HEADERS, 'CSeq: 1 INVITE', '', '']));
    assert.equal(m.error?.code, SipErrorCode.BadStatusCode, line);
    assert.equal(m.status, status, line);
    assert.equal(m.isRequest, false, line);
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.com', line);
  }
});

test('malformed request lines -> sip.bad_start_line with offsets', () => {
  const cases: Array<[string, number, string]> = [
    // RFC 4475 §3.1.2.11 (lwsruri): white space inside the Request-URI.
    ['INVITE sip:user@example.com; lr SIP/2.0', 32, 'INVITE'],
    ['INVITE', 6, 'INVITE'],
    ['INVITE sip:bob@biloxi.com', 25, 'INVITE'],
    ['<html> sip:x SIP/2.0', 0, ''],
  ];
  for (const [line, offset, method] of cases) {
    const m = parse(crlf([line, ...HEADERS, 'CSeq: 1 INVITE', '', '']));
    assert.equal(m.error?.code, SipErrorCode.BadStartLine, line);
    assert.equal(m.error?.offset, offset, line);
    assert.equal(m.method, method, line);
    assert.equal(m.isRequest, true, line);
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.com', line);
  }
});

test('empty input -> sip.empty', () => {
  for (const s of ['', '\r\n\r\n', '   ']) {
    const b = Buffer.from(s);
    const m = parse(b);
    assert.equal(m.error?.code, SipErrorCode.Empty, JSON.stringify(s));
    assert.equal(m.headerCount, 0);
    assert.equal(m.bodyStart, b.length);
    assert.equal(m.bodyEnd, b.length);
  }
});

test('a view inside a larger buffer: offsets are absolute, error offsets relative', () => {
  const msg = crlf(['SIP/2.0 200 OK', ...HEADERS, 'CSeq: 1 INVITE', 'Content-Length: 4', '', 'abcdXXXX']);
  const big = Buffer.concat([Buffer.from('JUNKJUNK'), msg, Buffer.from('TRAILER')]);
  const m = parseSipMessage(big, 8, 8 + msg.length);
  assert.equal(m.error, null);
  assert.equal(m.start, 8);
  assert.equal(m.end, 8 + msg.length);
  assert.equal(big.toString('latin1', m.bodyStart, m.bodyEnd), 'abcd');
  assert.equal(m.reason, 'OK');
  const bad = parseSipMessage(big, 8, 8 + 30);
  assert.equal(bad.error?.code, SipErrorCode.MissingHeaderEnd);
  assert.equal(bad.error?.offset, 30);
});

test('out-of-range arguments are clamped, never thrown', () => {
  const b = crlf(['SIP/2.0 200 OK', ...HEADERS, 'CSeq: 1 INVITE', '', '']);
  const m1 = parseSipMessage(b, -5, 1e9);
  assert.equal(m1.start, 0);
  assert.equal(m1.end, b.length);
  assert.equal(m1.error, null);
  const m2 = parseSipMessage(b, 10, 5);
  assert.equal(m2.start, 10);
  assert.equal(m2.end, 10);
  assert.equal(m2.error?.code, SipErrorCode.Empty);
  const m3 = parseSipMessage(b, NaN, 3.5);
  assert.equal(m3.start, 0);
  assert.equal(m3.end, 0);
  assert.equal(m3.error?.code, SipErrorCode.Empty);
});
