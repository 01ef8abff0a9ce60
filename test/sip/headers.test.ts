import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { HeaderId, headerIdOf, HEADER_NAMES } from '../../src/sip/header-names.js';
import { MAX_HEADERS } from '../../src/sip/header-index.js';
import { crlf } from './samples.js';

function parse(b: Buffer) {
  return parseSipMessage(b, 0, b.length);
}

const BASE = [
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.com',
  'CSeq: 314159 INVITE',
];

test('header index: count, ids, names and values in order', () => {
  const m = parse(crlf(['INVITE sip:bob@biloxi.com SIP/2.0', ...BASE, 'X-Custom-Thing: some value', 'Max-Forwards: 70', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.headerCount, 7);
  const ids = Array.from({ length: m.headerCount }, (_, i) => m.headerId(i));
  assert.deepEqual(ids, [HeaderId.Via, HeaderId.To, HeaderId.From, HeaderId.CallId, HeaderId.CSeq, HeaderId.Unknown, HeaderId.MaxForwards]);
  assert.equal(m.headerName(5), 'X-Custom-Thing');
  assert.equal(m.headerValue(5), 'some value');
  assert.equal(m.headerName(0), 'Via');
  assert.equal(m.headerValue(4), '314159 INVITE');
  assert.equal(m.headerId(7), -1);
  assert.equal(m.headerName(-1), '');
  assert.equal(m.headerValue(99), '');
  assert.equal(m.maxForwards, 70);
});

test('compact forms map to the full names (RFC 3261 §7.3.3 and extensions)', () => {
  const m = parse(
    crlf([
      'INVITE sip:bob@biloxi.com SIP/2.0',
      'v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKa',
      't: <sip:bob@biloxi.com>',
      'f: <sip:alice@atlanta.com>;tag=1',
      'i: compact@atlanta.com',
      'CSeq: 1 INVITE',
      'm: <sip:alice@pc33.atlanta.com>',
      'c: application/sdp',
      'e: gzip',
      's: lunch',
      'k: 100rel',
      'o: presence',
      'r: <sip:carol@chicago.com>',
      'u: refer',
      'x: 90',
      'b: <sip:referrer@atlanta.com>',
      'y: abc',
      'a: *;audio',
      'j: *;video',
      'd: proxy',
      'n: <https://atlanta.com/cert>',
      'l: 0',
      '',
      '',
    ]),
  );
  assert.equal(m.error, null);
  assert.equal(m.callId, 'compact@atlanta.com');
  assert.equal(m.topVia?.branch, 'z9hG4bKa');
  assert.equal(m.from?.tag, '1');
  assert.equal(m.to?.uri, 'sip:bob@biloxi.com');
  assert.equal(m.contacts[0].uri, 'sip:alice@pc33.atlanta.com');
  assert.equal(m.contentType, 'application/sdp');
  assert.equal(m.contentLength, 0);
  assert.equal(m.sessionExpires, 90);
  assert.equal(m.header('Content-Encoding'), 'gzip');
  assert.equal(m.header('subject'), 'lunch');
  assert.equal(m.header('Supported'), '100rel');
  assert.equal(m.header('Event'), 'presence');
  assert.equal(m.header('Refer-To'), '<sip:carol@chicago.com>');
  assert.equal(m.header('Allow-Events'), 'refer');
  assert.equal(m.header('Referred-By'), '<sip:referrer@atlanta.com>');
  assert.equal(m.header('Identity'), 'abc');
  assert.equal(m.header('Accept-Contact'), '*;audio');
  assert.equal(m.header('Reject-Contact'), '*;video');
  assert.equal(m.header('Request-Disposition'), 'proxy');
  assert.equal(m.header('Identity-Info'), '<https://atlanta.com/cert>');
  // Asking by the compact name finds full-name lines too.
  assert.equal(m.header('I'), 'compact@atlanta.com');
});

test('header names are case-insensitive; white space around the colon is allowed', () => {
  const m = parse(
    crlf([
      'INVITE sip:bob@biloxi.com SIP/2.0',
      'VIA   :SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKb',
      'to:<sip:bob@biloxi.com>',
      'fROM \t:  <sip:alice@atlanta.com>;tag=x  ',
      'CaLl-Id\t: ci-1',
      'cseq: 9 INVITE',
      'user-AGENT:   Phone/1.0   ',
      '', '',
    ]),
  );
  assert.equal(m.error, null);
  assert.equal(m.callId, 'ci-1');
  assert.equal(m.topVia?.host, 'pc33.atlanta.com');
  assert.equal(m.from?.tag, 'x');
  assert.equal(m.userAgent, 'Phone/1.0');
  assert.equal(m.header('USER-agent'), 'Phone/1.0');
  assert.equal(m.headerName(3), 'CaLl-Id');
  assert.deepEqual(m.cseq, { num: 9, method: 'INVITE' });
});

test('folded values (RFC 3261 §7.3.1) are unfolded when decoded', () => {
  const m = parse(
    crlf([
      'INVITE sip:bob@biloxi.com SIP/2.0',
      'Via: SIP/2.0/UDP pc33.atlanta.com',
      '   ;branch=z9hG4bKfold',
      'To: Bob',
      '\t<sip:bob@biloxi.com>',
      'From: <sip:alice@atlanta.com>;tag=1',
      'Call-ID: fold@x',
      'CSeq: 1',
      ' INVITE',
      'Subject: I know you\'re there,',
      '         pull up the phone!',
      'X-Empty-First:',
      '  late value',
      '', '',
    ]),
  );
  assert.equal(m.error, null);
  assert.equal(m.headerCount, 7);
  assert.equal(m.header('Subject'), "I know you're there, pull up the phone!");
  assert.equal(m.header('Via'), 'SIP/2.0/UDP pc33.atlanta.com ;branch=z9hG4bKfold');
  assert.equal(m.topVia?.branch, 'z9hG4bKfold');
  assert.equal(m.to?.displayName, 'Bob');
  assert.equal(m.to?.uri, 'sip:bob@biloxi.com');
  assert.deepEqual(m.cseq, { num: 1, method: 'INVITE' });
  assert.equal(m.header('x-empty-first'), 'late value');
});

test('continuation line before any header -> sip.bad_header_line', () => {
  const m = parse(crlf(['INVITE sip:bob@biloxi.com SIP/2.0', ' stray', ...BASE, '', '']));
  assert.deepEqual(m.error, { code: SipErrorCode.BadHeaderLine, reason: 'continuation line before any header', offset: 35 });
  assert.equal(m.headerCount, 5);
  assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.com');
});

test('repeated headers and headerValues (raw values, comma lists not split)', () => {
  const m = parse(
    crlf([
      'SIP/2.0 200 OK',
      ...BASE,
      'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      'Record-Route: <sip:p3.example.com;lr>',
      'X-Dup: a',
      'x-dup: b',
      '', '',
    ]),
  );
  assert.deepEqual(m.headerValues('Record-Route'), ['<sip:p1.example.com;lr>, <sip:p2.example.com;lr>', '<sip:p3.example.com;lr>']);
  assert.equal(m.header('record-route'), '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>');
  assert.deepEqual(m.headerValues('X-DUP'), ['a', 'b']);
  assert.deepEqual(m.headerValues('Route'), []);
  assert.equal(m.header('Route'), null);
  assert.equal(m.header('X-Unknown'), null);
});

test('empty header value is indexed as an empty string', () => {
  const m = parse(crlf(['SIP/2.0 200 OK', ...BASE, 'Subject:', 'Organization:   ', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.header('Subject'), '');
  assert.equal(m.header('Organization'), '');
});

test('lines without a colon or with a non-token name -> sip.bad_header_line, line skipped', () => {
  const m = parse(crlf(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'This is not a header', 'Max Forwards: 70', 'To: <sip:b@x>', 'From: <sip:a@x>;tag=1', 'Call-ID: c', 'CSeq: 1 INVITE', '', '']));
  assert.deepEqual(m.error, { code: SipErrorCode.BadHeaderLine, reason: 'header line without a token name and colon', offset: 52 });
  assert.equal(m.headerCount, 5);
  assert.equal(m.callId, 'c');
  assert.equal(m.header('Max'), null);
});

test('more than MAX_HEADERS lines -> sip.too_many_headers; later lines not indexed, body still found', () => {
  const extra = Array.from({ length: MAX_HEADERS + 10 }, (_, i) => `X-H${i}: ${i}`);
  const m = parse(crlf(['SIP/2.0 200 OK', ...BASE, ...extra, 'Content-Length: 3', '', 'abc']));
  assert.equal(m.error?.code, SipErrorCode.TooManyHeaders);
  assert.equal(m.headerCount, MAX_HEADERS);
  assert.equal(m.contentLength, null);
  assert.equal(m.buf.toString('latin1', m.bodyStart, m.bodyEnd), 'abc');
  assert.equal(m.header('X-H250'), '250');
  assert.equal(m.header('X-H251'), null);
});

test('name table: ids by string, canonical names', () => {
  assert.equal(headerIdOf('CALL-ID'), HeaderId.CallId);
  assert.equal(headerIdOf('i'), HeaderId.CallId);
  assert.equal(headerIdOf('www-authenticate'), HeaderId.WwwAuthenticate);
  assert.equal(headerIdOf('X-Whatever'), HeaderId.Unknown);
  assert.equal(HEADER_NAMES[HeaderId.PAssertedIdentity], 'P-Asserted-Identity');
  assert.equal(HEADER_NAMES[HeaderId.Unknown], '');
});

test('every known full and compact name is recognised in a message, any case', () => {
  for (let id = 1; id < HEADER_NAMES.length; id++) {
    const name = HEADER_NAMES[id];
    for (const spelled of [name, name.toUpperCase(), name.toLowerCase()]) {
      const m = parse(crlf(['SIP/2.0 200 OK', `${spelled}: v${id}`, '', '']));
      assert.equal(m.headerId(0), id, spelled);
      assert.equal(m.header(name), `v${id}`, spelled);
    }
  }
});

test('names that only resemble known ones are unknown', () => {
  const m = parse(crlf(['SIP/2.0 200 OK', 'Call-IDs: 1', 'Vias: 2', 'CSeq_: 3', 'call_id: 4', 'Tox: 5', 'Fro: 6', '', '']));
  assert.deepEqual(Array.from({ length: 6 }, (_, i) => m.headerId(i)), [0, 0, 0, 0, 0, 0]);
  assert.equal(m.callId, null);
  assert.equal(m.header('call-ids'), '1');
  assert.equal(m.error?.code, SipErrorCode.MissingMandatory);
});
