import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sip from '../../src/sip/index.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { OPTIONS } from './samples.js';

test('index re-exports the public API', () => {
  assert.deepEqual(Object.keys(sip).sort(), ['HEADER_NAMES', 'HeaderId', 'MAX_HEADERS', 'SipErrorCode', 'SipLeniency', 'SipMessage', 'headerIdOf', 'parseSipMessage', 'parseSipPayload', 'parseUri']);
});

test('parseSipPayload parses the payload view', () => {
  const buf = Buffer.concat([Buffer.from('0123456789'), OPTIONS]);
  const payload: SipPayload = {
    tsUs: 1,
    ipVersion: 4,
    srcIp: '198.51.100.7',
    srcPort: 5061,
    dstIp: '192.0.2.10',
    dstPort: 5060,
    transport: 'udp',
    encap: ['eth', 'ipv4', 'udp'],
    kind: 'sip',
    buf,
    start: 10,
    end: buf.length,
    skipped: 0,
    hep: null,
  };
  const m = sip.parseSipPayload(payload);
  assert.equal(m.error, null);
  assert.equal(m.start, 10);
  assert.equal(m.method, 'OPTIONS');
  assert.equal(m.userAgent, 'friendly-scanner');
  assert.equal(m.from?.displayName, 'sipvicious');
});
