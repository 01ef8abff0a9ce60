import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the seladb/PcapPlusPlus packet examples: isolated requests and responses, most of them
// without the other half of their transaction. Every expectation follows docs/events.md.

test('pcpp_sip_non_default_port.pcap: an unanswered INVITE and a 200 for another, unseen INVITE (odd ports)', async () => {
  const expected: Brief[] = [
    // +1.429274 200 OK 192.168.20.68:57586 → 192.168.21.83:52380, Call-ID 0c1fb1c5…, CSeq 108656438 INVITE:
    // the INVITE it answers was not captured → call-start, partial; client = the 200's destination.
    // Nothing follows, so the call is still alive at the end (no call-end).
    {
      action: 'call-start', at: '2025-12-22T16:21:02.787319Z', callId: '0c1fb1c5-59f5-123f-1ab0-005056a58049', status: 200,
      client: '192.168.21.83:52380', server: '192.168.20.68:57586', flags: 'partial', user: '1005',
    },
    // +0.000000 INVITE 192.168.20.68:53309 → 192.168.21.83:52380, Call-ID 0c3bab2c…: no reply within 32 s
    // → call-attempt 408 timeout at +32 s.
    {
      action: 'call-attempt', at: '2025-12-22T16:21:33.358045Z', callId: '0c3bab2cebe34ec997a80daa4346b393', status: 408,
      client: '192.168.20.68:53309', server: '192.168.21.83:52380', flags: 'timeout', user: '1005',
    },
  ];
  assert.deepEqual(await briefs('pcpp_sip_non_default_port.pcap'), expected);
});

test('pcpp_sip_not_sdp.pcap: a lone PUBLISH times out', async () => {
  const expected: Brief[] = [
    // PUBLISH (PIDF body) 172.16.98.1:42952 → 172.16.98.101:5060, no reply → other-timeout 408 at +32 s.
    {
      action: 'other-timeout', at: '2016-05-17T08:04:32.336117Z', callId: 'ZGM3MGRjZWQyMjg0MjRlMjdmZTM4YWZlODIzOGZjZDc.', status: 408,
      client: '172.16.98.1:42952', server: '172.16.98.101:5060', flags: 'timeout', user: 'telephone1',
    },
  ];
  assert.deepEqual(await briefs('pcpp_sip_not_sdp.pcap'), expected);
});

test('pcpp_sip_reqs.pcap: INVITE times out, orphan CANCEL says nothing, malformed ACK and BYE are parse-errors', async () => {
  const expected: Brief[] = [
    // 2005: INVITE 200.57.7.195:5060 → 200.57.7.204:5061, no reply → call-attempt 408 timeout at +32 s
    // (fired when the next packet, six years later, moves the clock). From <sip:200.57.7.195:55061> has no user.
    {
      action: 'call-attempt', at: '2005-01-14T17:58:34.965944Z', callId: '12013223@200.57.7.195', status: 408,
      client: '200.57.7.195:5060', server: '200.57.7.204:5061', flags: 'timeout',
    },
    // 2011-04-27T08:14:29 CANCEL (PPPoE) for an INVITE never seen: a CANCEL has no outcome of its own and
    // is not one of the other-* methods → nothing, not even when it gets no reply.
    // 2011-04-27T08:15:30 ACK (PPPoE) 213.192.59.75:5060 → 178.45.73.241:5060: the datagram ends after
    // "P-hint: rr-enforced\r\n" without the empty line that ends the header section → parse-error
    // (sip.missing_header_end), Call-ID readable; client = the packet's sender.
    {
      action: 'parse-error', at: '2011-04-27T08:15:30.817140Z', callId: '2091060b-146f-e011-809a-0019cb53db77@admind-desktop',
      client: '213.192.59.75:5060', server: '178.45.73.241:5060', error: 'sip.missing_header_end',
    },
    // 2016 BYE 10.0.2.15:5060 → 10.0.2.20:5060 cut in the middle of "Content-Lengt" (tshark: Malformed
    // Packet) → parse-error (sip.bad_header_line).
    {
      action: 'parse-error', at: '2016-11-27T14:08:39.610514Z', callId: '1-4247@10.0.2.20',
      client: '10.0.2.15:5060', server: '10.0.2.20:5060', error: 'sip.bad_header_line',
    },
  ];
  assert.deepEqual(await briefs('pcpp_sip_reqs.pcap'), expected);
});

test('pcpp_sip_resp.pcap: seven responses without their requests', async () => {
  const expected: Brief[] = [
    // 2005: 100, 180, 200 OK (+8.470036) from 200.57.7.204:5061 to 200.57.7.195:5060 for INVITE 12013223
    // (not captured) → call-start, partial, at the 200; From <sip:200.57.7.195:55061> has no user.
    {
      action: 'call-start', at: '2005-01-14T17:58:11.443869Z', callId: '12013223@200.57.7.195', status: 200,
      client: '200.57.7.195:5060', server: '200.57.7.204:5061', flags: 'partial',
    },
    // Nothing else in that dialog (no Session-Expires) → silent for the call timeout → call-end, originator
    // timeout, at 200 + 3600 s (fired by the next packet, in 2014), duration 3600 s, partial.
    {
      action: 'call-end', at: '2005-01-14T18:58:11.443869Z', callId: '12013223@200.57.7.195', status: 200,
      duration: '3600.000000', client: '200.57.7.195:5060', server: '200.57.7.204:5061', originator: 'timeout', flags: 'partial',
    },
    // 2014: 401 to REGISTER CSeq 1 (Call-IDs 434981653 over UDP, 198676278 over TCP): a digest challenge to a
    // first REGISTER whose request was not seen — the routine challenge, absorbed (never retried here).
    // 504 Server Timeout to REGISTER 93803593 (request not seen) → other-failed 504, partial (non-auth
    // REGISTER failure); client = the 504's destination.
    {
      action: 'other-failed', at: '2014-10-10T18:42:29.181371Z', callId: '93803593', status: 504,
      client: '10.3.160.214:5060', server: '10.129.34.51:5060', flags: 'partial', user: 'user103',
    },
    // 503 Service Unavailable to REGISTER 1831883062 → other-failed 503, partial.
    {
      action: 'other-failed', at: '2014-10-10T18:42:29.724840Z', callId: '1831883062', status: 503,
      client: '10.3.160.214:5060', server: '10.129.34.51:5060', flags: 'partial', user: 'user155',
    },
  ];
  assert.deepEqual(await briefs('pcpp_sip_resp.pcap'), expected);
});
