import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the zeek/zeek malformed-SIP captures. Every expectation follows docs/events.md.

test('zeek_invalid-content-length.pcap: INVITE and 200 with "Content-Length: bad" are two parse-errors, no call', async () => {
  const expected: Brief[] = [
    // 10.0.0.1:5060 → 10.0.0.2:5060 INVITE with "Content-Length: bad": the header's value is not a number
    // (RFC 3261 §20.14: 1*DIGIT), so the message cannot be parsed → parse-error sip.bad_content_length;
    // the Call-ID is readable.
    {
      action: 'parse-error', at: '2026-06-15T10:44:33.766727Z', callId: 'a84b4c76e66710@10.0.0.1',
      client: '10.0.0.1:5060', server: '10.0.0.2:5060', error: 'sip.bad_content_length',
    },
    // The 200 OK (+0.000830) has the same defect → parse-error; its status line is readable (status 200).
    // Neither message reaches the tracker, so there is no call-start.
    {
      action: 'parse-error', at: '2026-06-15T10:44:33.767557Z', callId: 'a84b4c76e66710@10.0.0.1', status: 200,
      client: '10.0.0.2:5060', server: '10.0.0.1:5060', error: 'sip.bad_content_length',
    },
  ];
  assert.deepEqual(await briefs('zeek_invalid-content-length.pcap'), expected);
});

test('zeek_sip-junk-before-request.pcap: a zero-byte keep-alive, then a REGISTER after junk that lacks every mandatory header', async () => {
  const expected: Brief[] = [
    // First datagram 1.1.1.1:31000 → 1.1.1.2:5060: four zero bytes — a NAT keep-alive (short all-zero
    // payload), not a probe: no event.
    // Second datagram: "DB" then "REGISTER sip:1.1.1.1:5060 SIP/2.0", "Expires: 3600": the junk before the
    // start line is skipped, but Call-ID, CSeq, From, To and Via are missing → parse-error
    // sip.missing_mandatory, without a Call-ID (none to read).
    { action: 'parse-error', at: '2021-04-14T22:00:12.376318Z', client: '1.1.1.1:31000', server: '1.1.1.2:5060', error: 'sip.missing_mandatory' },
  ];
  assert.deepEqual(await briefs('zeek_sip-junk-before-request.pcap'), expected);
});
