import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { crlf } from './samples.js';

const HEAD = [
  'MESSAGE sip:user2@domain.com SIP/2.0',
  'Via: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse',
  'From: sip:user1@domain.com;tag=49583',
  'To: sip:user2@domain.com',
  'Call-ID: asd88asd77a@1.2.3.4',
  'CSeq: 1 MESSAGE',
];

function parse(b: Buffer) {
  return parseSipMessage(b, 0, b.length);
}
const body = (m: ReturnType<typeof parse>) => m.buf.toString('utf8', m.bodyStart, m.bodyEnd);

test('Content-Length equal to the body', () => {
  const b = crlf([...HEAD, 'Content-Type: text/plain', 'Content-Length: 18', '', 'Watson, come here.']);
  const m = parse(b);
  assert.equal(m.error, null);
  assert.equal(m.contentLength, 18);
  assert.equal(m.contentType, 'text/plain');
  assert.equal(body(m), 'Watson, come here.');
  assert.equal(m.bodyEnd, b.length);
  assert.equal(m.body().toString(), 'Watson, come here.');
});

test('no Content-Length: the body runs to the end (UDP)', () => {
  const b = crlf([...HEAD, 'Content-Type: text/plain', '', 'to the end\r\n']);
  const m = parse(b);
  assert.equal(m.error, null);
  assert.equal(m.contentLength, null);
  assert.equal(body(m), 'to the end\r\n');
});

test('Content-Length smaller than the bytes present: the body is cut there', () => {
  const m = parse(crlf([...HEAD, 'l: 5', '', 'hello, and then the next message']));
  assert.equal(m.error, null);
  assert.equal(body(m), 'hello');
});

test('Content-Length larger than the bytes present -> sip.truncated_body, headers still indexed', () => {
  const b = crlf([...HEAD, 'Content-Length: 500', '', 'only this']);
  const m = parse(b);
  assert.deepEqual(m.error, { code: SipErrorCode.TruncatedBody, reason: 'Content-Length 500 but 9 body bytes present', offset: b.length });
  assert.equal(body(m), 'only this');
  assert.equal(m.contentLength, 500);
  assert.equal(m.callId, 'asd88asd77a@1.2.3.4');
});

test('Content-Length not a number -> sip.bad_content_length; negative and overlarge too (RFC 4475 ncl, scalar02)', () => {
  for (const v of ['bad', '-999', '12a', '', '18446744073709551617', '+5', '1 2']) {
    const b = crlf([...HEAD, `Content-Length: ${v}`, '', 'xyz']);
    const m = parse(b);
    assert.equal(m.error?.code, SipErrorCode.BadContentLength, v);
    assert.equal(m.contentLength, null, v);
    assert.equal(body(m), 'xyz', v);
    assert.equal(m.callId, 'asd88asd77a@1.2.3.4', v);
  }
});

test('Content-Length with leading zeros and surrounding white space is valid', () => {
  const m = parse(crlf([...HEAD, 'Content-Length:    0003   ', '', 'abcdef']));
  assert.equal(m.error, null);
  assert.equal(m.contentLength, 3);
  assert.equal(body(m), 'abc');
});

test('repeated Content-Length: same value ok, different values -> sip.bad_content_length', () => {
  const same = parse(crlf([...HEAD, 'Content-Length: 3', 'l: 3', '', 'abc']));
  assert.equal(same.error, null);
  assert.equal(same.contentLength, 3);
  const diff = parse(crlf([...HEAD, 'Content-Length: 3', 'l: 4', '', 'abcd']));
  assert.equal(diff.error?.code, SipErrorCode.BadContentLength);
  assert.equal(diff.error?.reason, 'Content-Length repeated with different values');
  assert.equal(diff.contentLength, null);
  assert.equal(body(diff), 'abcd');
});

test('64 KiB body', () => {
  const payload = Buffer.alloc(65536, 0x61);
  const b = Buffer.concat([crlf([...HEAD, 'Content-Type: application/octet-stream', `Content-Length: ${payload.length}`, '', '']), payload]);
  const m = parse(b);
  assert.equal(m.error, null);
  assert.equal(m.contentLength, 65536);
  assert.equal(m.bodyEnd - m.bodyStart, 65536);
  assert.equal(m.bodyEnd, b.length);
  assert.equal(m.callId, 'asd88asd77a@1.2.3.4');
});

test('64 KiB binary body without LF and no Content-Length', () => {
  const payload = Buffer.alloc(65536, 0x00);
  const b = Buffer.concat([crlf([...HEAD, '', '']), payload]);
  const m = parse(b);
  assert.equal(m.error, null);
  assert.equal(m.bodyEnd - m.bodyStart, 65536);
});

test('SDP body kept raw; contentMediaType lower-cases and drops params', () => {
  const sdp = 'v=0\r\no=bob 2890844527 2890844527 IN IP4 192.0.2.4\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n';
  const m = parse(crlf(['SIP/2.0 200 OK', ...HEAD.slice(1), 'Content-Type: Application/SDP; charset=utf-8', `Content-Length: ${sdp.length}`, '', sdp]));
  assert.equal(m.error, null);
  assert.equal(body(m), sdp);
  assert.equal(m.contentType, 'Application/SDP; charset=utf-8');
  assert.equal(m.contentMediaType, 'application/sdp');
});

test('multipart body tolerated (RFC 4475 §3.1.1.11 style)', () => {
  const mp = [
    '--unique-boundary-1',
    'Content-Type: application/sdp',
    '',
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.1',
    '',
    '--unique-boundary-1',
    'Content-Type: image/gif',
    'Content-Transfer-Encoding: binary',
    '',
    'GIF89a\u0001',
    '--unique-boundary-1--',
    '',
  ].join('\r\n');
  const m = parse(crlf(['INVITE sip:bob@biloxi.com SIP/2.0', ...HEAD.slice(1, 5), 'CSeq: 1 INVITE', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=unique-boundary-1', `Content-Length: ${Buffer.byteLength(mp)}`, '', mp]));
  assert.equal(m.error, null);
  assert.equal(m.contentMediaType, 'multipart/mixed');
  assert.equal(body(m), mp);
  assert.equal(m.headerCount, 8);
});

test('header section without the empty line -> sip.missing_header_end, headers indexed, empty body', () => {
  const b = crlf([...HEAD, 'Content-Length: 0']);
  const m = parse(b);
  assert.deepEqual(m.error, { code: SipErrorCode.MissingHeaderEnd, reason: 'no empty line ends the header section', offset: b.length });
  assert.equal(m.headerCount, 6);
  assert.equal(m.contentLength, 0);
  assert.equal(m.bodyStart, b.length);
  assert.equal(m.bodyEnd, b.length);
  assert.equal(m.callId, 'asd88asd77a@1.2.3.4');
});

test('header section ended by LF LF and by CR LF LF', () => {
  const a = parse(Buffer.from(HEAD.join('\n') + '\nContent-Length: 2\n\nok'));
  assert.equal(a.error, null);
  assert.equal(body(a), 'ok');
  const b = parse(Buffer.from(HEAD.join('\r\n') + '\r\nContent-Length: 2\r\n\nok'));
  assert.equal(b.error, null);
  assert.equal(body(b), 'ok');
});
