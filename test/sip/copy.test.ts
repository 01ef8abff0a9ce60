import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { INVITE, crlf } from './samples.js';

test('copy() owns its bytes: still right after the packet buffer is overwritten', () => {
  const pkt = Buffer.concat([Buffer.from('HDR!'), INVITE]);
  const view = parseSipMessage(pkt, 4, pkt.length);
  const kept = view.copy();
  pkt.fill(0x58);
  assert.equal(kept.start, 0);
  assert.equal(kept.end, INVITE.length);
  assert.equal(kept.error, null);
  assert.equal(kept.method, 'INVITE');
  assert.equal(kept.requestUri, 'sip:bob@biloxi.example.com');
  assert.equal(kept.callId, '3848276298220188511@atlanta.example.com');
  assert.equal(kept.topVia?.branch, 'z9hG4bK74bf9');
  assert.equal(kept.from?.tag, '9fxced76sl');
  assert.equal(kept.headerCount, 13);
  assert.equal(kept.buf.toString('latin1', kept.bodyStart, kept.bodyStart + 3), 'v=0');
  assert.equal(kept.bodyEnd, INVITE.length);
});

test('copy() keeps the error and does not share cached objects', () => {
  const b = crlf(['SIP/2.0 200 OK', 'Call-ID: c', 'Content-Length: bad', '', '']);
  const m = parseSipMessage(b, 0, b.length);
  const from = m.vias;
  const c = m.copy();
  assert.deepEqual(c.error, m.error);
  assert.notEqual(c.error, m.error);
  assert.equal(c.error?.code, SipErrorCode.BadContentLength);
  assert.notEqual(c.vias, from);
  assert.equal(c.callId, 'c');
});

test('requestUri can be assigned (plain field semantics)', () => {
  const m = parseSipMessage(INVITE, 0, INVITE.length);
  m.requestUri = 'sip:changed@example.com';
  assert.equal(m.requestUri, 'sip:changed@example.com');
});
