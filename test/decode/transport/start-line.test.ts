import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  findDatagramStart,
  findStreamStart,
  knownMethodSuffix,
  MAX_JUNK,
  matchStartLine,
  StartLine,
} from '../../../src/decode/sip-start-line.js';
import { bytes } from './builders.js';

function match(s: string): number {
  const b = bytes(s);
  return matchStartLine(b, 0, b.length);
}

test('request and status lines are recognised', () => {
  assert.equal(match('INVITE sip:bob@example.com SIP/2.0\r\n'), StartLine.REQUEST);
  assert.equal(match('FOO-BAR.x sip:x SIP/2.0\n'), StartLine.REQUEST); // any token method, bare LF
  assert.equal(match('SUBSCRIBE sip:x SIP/2.0\r\n'), StartLine.REQUEST); // starts with S like "SIP/"
  assert.equal(match('SIP/2.0 200 OK\r\n'), StartLine.RESPONSE);
  assert.equal(match('SIP/2.0 200\r\n'), StartLine.RESPONSE); // reason phrase missing
  assert.equal(match('sip/2.0 486 Busy Here\r\n'), StartLine.RESPONSE); // literal is case-insensitive
});

test('HTTP and SSDP are never SIP', () => {
  assert.equal(match('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), StartLine.NO);
  assert.equal(match('HTTP/1.1 200 OK\r\n'), StartLine.NO);
  assert.equal(match('NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n'), StartLine.NO);
  assert.equal(match('M-SEARCH * HTTP/1.1\r\n'), StartLine.NO);
});

test('malformed lines are not SIP', () => {
  assert.equal(match('INVITE  sip:x SIP/2.0\r\n'), StartLine.NO); // empty Request-URI
  assert.equal(match('INVITE sip:x\r\nSIP/2.0\r\n'), StartLine.NO); // version on the next line
  assert.equal(match('INVITE sip:x SIP/2.0 extra\r\n'), StartLine.NO);
  assert.equal(match('INVITE sip:x y SIP/2.0\r\n'), StartLine.NO); // SP inside the Request-URI
  assert.equal(match('INVITE sip:x SIP/2.0 \r\n'), StartLine.NO);
  assert.equal(match('SIP/2.0 20 OK\r\n'), StartLine.NO);
  assert.equal(match('SIP/2.0 2000 OK\r\n'), StartLine.NO);
  assert.equal(match('\x00\x01\x02\x03'), StartLine.NO);
  assert.equal(match('A'.repeat(65) + ' sip:x SIP/2.0\r\n'), StartLine.NO); // method longer than 64
});

test('a line cut short needs more bytes', () => {
  assert.equal(match('INV'), StartLine.NEED_MORE);
  assert.equal(match('INVITE sip:bob@exa'), StartLine.NEED_MORE);
  assert.equal(match('INVITE sip:bob@example.com SIP/2.'), StartLine.NEED_MORE);
  assert.equal(match('SIP/2.0 2'), StartLine.NEED_MORE);
  assert.equal(match('GET / HTTP/1'), StartLine.NEED_MORE); // decided at the line end
  assert.equal(match('GET / HTTP/1.1\r'), StartLine.NEED_MORE);
  assert.equal(match('GET / HTTP/1.1\r\n'), StartLine.NO);
  assert.equal(match('INVITE sip:x SIP/2.0'), StartLine.REQUEST); // a datagram cut after its version
});

test('junk glued before a known method is cut', () => {
  const b = bytes('DBREGISTER sip:1.1.1.1:5060 SIP/2.0\r\nExpires: 3600\r\n\r\n');
  assert.equal(findDatagramStart(b, 0, b.length, MAX_JUNK), 2);
  assert.equal(knownMethodSuffix(b, 0, 10), 2);
  const prack = bytes('PRACK sip:x SIP/2.0\r\n');
  assert.equal(knownMethodSuffix(prack, 0, 5), 0); // a known method that ends with ACK stays whole
  const binary = bytes('\x00\x07\xffxx INVITE sip:x SIP/2.0\r\n\r\n');
  assert.equal(findDatagramStart(binary, 0, binary.length, MAX_JUNK), 6);
  const resp = bytes('\x01\x02SIP/2.0 180 Ringing\r\n\r\n');
  assert.equal(findDatagramStart(resp, 0, resp.length, MAX_JUNK), 2);
  const far = bytes('#'.repeat(70) + 'INVITE sip:x SIP/2.0\r\n\r\n');
  assert.equal(findDatagramStart(far, 0, far.length, MAX_JUNK), -1); // junk beyond the 64-byte look
  const unknown = bytes('XYZZY sip:x SIP/2.0\r\n\r\n');
  assert.equal(findDatagramStart(unknown, 0, unknown.length, MAX_JUNK), 0); // unknown method kept
});

test('stream resynchronisation finds the next start line', () => {
  const b = bytes('garbage garbage\r\nmore junk;INVITE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n');
  assert.equal(findStreamStart(b, 0, 0, b.length), 27);
  const r = bytes('xx\r\nSIP/2.0 100 Trying\r\n');
  assert.equal(findStreamStart(r, 0, 0, r.length), 4);
  const glued = bytes('a=sendrecvBYE sip:x SIP/2.0\r\n');
  assert.equal(findStreamStart(glued, 0, 0, glued.length), 10);
  const via = bytes('Via: SIP/2.0/UDP host\r\nnothing here\r\n');
  assert.equal(findStreamStart(via, 0, 0, via.length), -1); // the Via version is not a start line
  const cut = bytes('junk\r\nSIP/2.0'); // a status line cut by the end of the bytes
  assert.equal(findStreamStart(cut, 0, 0, cut.length), 6);
});
