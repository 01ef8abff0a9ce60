/** Real captured messages from the shared public captures (/work/shared/pcaps/public). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import type { SipMessage } from '../../src/sip/message.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { sharedPcap } from '../helpers/paths.js';
import { udpPayloads } from './pcap-payloads.js';

function messages(name: string): SipMessage[] {
  return udpPayloads(sharedPcap(name)).map((p) => parseSipMessage(p.buf, p.start, p.end));
}

test('zeek_invalid-content-length.pcap: Content-Length: bad -> sip.bad_content_length, Call-ID readable', () => {
  const [inv, ok] = messages('zeek_invalid-content-length.pcap');
  assert.deepEqual(inv.error, { code: SipErrorCode.BadContentLength, reason: 'Content-Length is not a decimal number', offset: 216 });
  assert.equal(inv.method, 'INVITE');
  assert.equal(inv.callId, 'a84b4c76e66710@10.0.0.1');
  assert.equal(inv.contentLength, null);
  assert.equal(inv.from?.tag, '1928301774');
  assert.equal(inv.topVia?.branch, 'z9hG4bK776');
  assert.equal(inv.bodyStart, inv.end);
  assert.equal(ok.error?.code, SipErrorCode.BadContentLength);
  assert.equal(ok.status, 200);
  assert.equal(ok.to?.tag, 'abc123');
  assert.equal(ok.callId, 'a84b4c76e66710@10.0.0.1');
});

test('suricata compact form capture: v/f/t/c/l headers', () => {
  const [m] = messages('suricata_sip-compact-form_sip_compact_form.pcap');
  assert.equal(m.error, null);
  assert.equal(m.method, 'INVITE');
  assert.equal(m.callId, '105090259-446faf7a@192.168.1.2');
  assert.deepEqual(m.topVia, { protocol: 'SIP/2.0/UDP', transport: 'UDP', host: '192.168.1.2', port: 5060, branch: 'z9hG4bKnp104984053-44ce4a41192.168.1.2', received: null, rport: -1, maddr: null, ttl: null });
  assert.equal(m.from?.tag, '6433ef9');
  assert.equal(m.from?.uri, 'sip:816666@voip.brurjula.net');
  assert.equal(m.to?.uri, 'sip:97239287044@voip.brujula.net');
  assert.equal(m.contentType, 'application/sdp');
  assert.equal(m.contentLength, 272);
  assert.equal(m.bodyEnd - m.bodyStart, 272);
  assert.equal(m.expires, 120);
  assert.equal(m.userAgent, 'Nero SIPPS IP Phone Version 2.0.51.16');
});

test('suricata multi-value capture: two different To headers -> sip.duplicate_header, first kept', () => {
  const [m] = messages('suricata_sip-header-multi-value_sip_header_multi_val.pcap');
  assert.equal(m.error?.code, SipErrorCode.DuplicateHeader);
  assert.equal(m.to?.uri, 'sip:97239287044@voip.brujula.net');
  assert.deepEqual(m.headerValues('To'), ['<sip:97239287044@voip.brujula.net>', '<sip:12345@voip.brujula.net>']);
});

test('scanner capture: 25 OPTIONS from friendly-scanner, one from Zeeko', () => {
  const all = messages('sipattacks_BadUserAgent-sipvicious.pcap');
  assert.equal(all.length, 26);
  const agents = new Map<string | null, number>();
  for (const m of all) {
    assert.equal(m.error, null);
    assert.equal(m.method, 'OPTIONS');
    assert.equal(m.topVia?.rport, -1);
    agents.set(m.userAgent, (agents.get(m.userAgent) ?? 0) + 1);
  }
  assert.deepEqual([...agents], [['friendly-scanner', 25], ['Zeeko', 1]]);
});

test('401 capture: challenges and the full dialog fields of the first call', () => {
  const all = messages('sipattacks_SIP-3700-unauthorized-401.pcap');
  assert.equal(all.length, 52);
  assert.equal(all.filter((m) => m.error !== null).length, 0);
  const [inv, loop, ack] = all;
  assert.equal(inv.method, 'INVITE');
  assert.equal(inv.to?.displayName, '011972599501806');
  assert.equal(inv.userAgent, 'sipcli/v1.8');
  assert.equal(loop.status, 482);
  assert.equal(loop.reason, 'Loop Detected');
  assert.equal(loop.topVia?.received, '37.8.44.2');
  assert.equal(loop.topVia?.rport, 14803);
  assert.equal(loop.server, 'SIParator/5.0.11');
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.to?.tag, '3b09edd4068c2f491033');
  const challenged = all.filter((m) => m.status === 401);
  assert.ok(challenged.length > 0);
  for (const m of challenged) {
    assert.equal(m.challenge?.scheme, 'Digest');
    assert.equal(typeof m.challenge?.nonce, 'string');
  }
});

test('IPv6 capture: bare IPv6 with port in Via and Contact', () => {
  const all = messages('heplify_sip_ipv6_udp.pcap');
  assert.equal(all.length, 6);
  for (const m of all) assert.equal(m.error, null);
  const inv = all.find((m) => m.method === 'INVITE')!;
  assert.equal(inv.topVia?.host, 'fe80:0:0:0:21a:a0ff:fe07:32e0');
  assert.equal(inv.topVia?.port, 5060);
  assert.equal(inv.contacts[0].uri, 'sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0:5060');
});

test('large toll-fraud trace: every SIP datagram parses without error', () => {
  const sip = messages('sipattacks_SIP-212.32.250.134.pcap').filter((m) => m.error?.code !== SipErrorCode.BadStartLine);
  assert.equal(sip.length, 3648);
  assert.equal(sip.filter((m) => m.error !== null).length, 0);
  const callIds = new Set(sip.map((m) => m.callId));
  assert.equal(callIds.size, 1024);
});
