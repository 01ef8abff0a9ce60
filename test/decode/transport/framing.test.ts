import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameError, FrameStatus, SipFramer } from '../../../src/decode/sip-framing.js';
import { bytes, invite } from './builders.js';

const MAX = 65_536 + 8_192;

test('complete message: consumed = header + Content-Length', () => {
  const m = bytes(invite() + 'EXTRA');
  const f = new SipFramer(MAX);
  assert.equal(f.frame(m, 0, m.length), FrameStatus.OK);
  assert.equal(f.consumed, m.length - 5);
  assert.equal(f.contentLength, 35);
  assert.equal(f.headerLength, m.length - 5 - 35);
});

test('incomplete header, then body, resumed across calls', () => {
  const m = bytes(invite());
  const f = new SipFramer(MAX);
  assert.equal(f.frame(m, 0, 50), FrameStatus.INCOMPLETE);
  assert.equal(f.needed, 51);
  const hdr = m.indexOf('\r\n\r\n') + 4;
  assert.equal(f.frame(m, 0, hdr - 1), FrameStatus.INCOMPLETE); // cut inside the empty line
  assert.equal(f.frame(m, 0, hdr + 3), FrameStatus.INCOMPLETE);
  assert.equal(f.needed, m.length); // exact length known once the header is there
  assert.equal(f.frame(m, 0, m.length), FrameStatus.OK);
  assert.equal(f.consumed, m.length);
});

test('compact l:, bare LF line ends, missing Content-Length', () => {
  const f = new SipFramer(MAX);
  const a = bytes('OPTIONS sip:x SIP/2.0\nl :  4 \nCall-ID: 1\n\nbodyNEXT');
  assert.equal(f.frame(a, 0, a.length), FrameStatus.OK);
  assert.equal(f.contentLength, 4);
  assert.equal(a.toString('latin1', 0, f.consumed).endsWith('\n\nbody'), true);
  f.reset();
  const b = bytes('SIP/2.0 100 Trying\r\nCall-ID: 1\r\n\r\n');
  assert.equal(f.frame(b, 0, b.length), FrameStatus.OK);
  assert.equal(f.contentLength, -1);
  assert.equal(f.consumed, b.length);
  f.reset();
  const c = bytes('SIP/2.0 100 Trying\r\nContent-Language: en\r\nContent-length:2\r\n\r\nok');
  assert.equal(f.frame(c, 0, c.length), FrameStatus.OK);
  assert.equal(f.contentLength, 2);
});

test('invalid Content-Length values', () => {
  const f = new SipFramer(MAX);
  for (const v of ['bad', '-5', '12 34', '']) {
    f.reset();
    const m = bytes(`INVITE sip:x SIP/2.0\r\nContent-Length: ${v}\r\n\r\nbody`);
    assert.equal(f.frame(m, 0, m.length), FrameStatus.INVALID, v);
    assert.equal(f.error, FrameError.BAD_CONTENT_LENGTH);
    assert.equal(f.consumed, m.length - 4);
  }
  f.reset();
  const big = bytes(`INVITE sip:x SIP/2.0\r\nContent-Length: ${MAX}\r\n\r\n`);
  assert.equal(f.frame(big, 0, big.length), FrameStatus.INVALID);
  assert.equal(f.error, FrameError.TOO_LARGE);
  f.reset();
  const huge = bytes('INVITE sip:x SIP/2.0\r\nContent-Length: 99999999999999\r\n\r\n');
  assert.equal(f.frame(huge, 0, huge.length), FrameStatus.INVALID);
  assert.equal(f.error, FrameError.TOO_LARGE);
});

test('a header without end is invalid at maxMessageBytes', () => {
  const f = new SipFramer(1000);
  const m = bytes('INVITE sip:x SIP/2.0\r\n' + 'X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(40));
  assert.equal(f.frame(m, 0, 500), FrameStatus.INCOMPLETE);
  assert.equal(f.frame(m, 0, m.length), FrameStatus.INVALID);
  assert.equal(f.error, FrameError.HEADER_TOO_LARGE);
  assert.equal(f.consumed, 1000);
});

test('framing at an offset inside a larger buffer', () => {
  const m = bytes('xxxx' + invite() + 'yyyy');
  const f = new SipFramer(MAX);
  assert.equal(f.frame(m, 4, m.length - 4), FrameStatus.OK);
  assert.equal(f.consumed, m.length - 8);
});
