import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// hepwireshark_hep.pcap: eight HEPv3 packets over UDP 51160 → 9060 from a HEP test generator. The events
// use what HEP states about each captured message: its own timestamp (chunks 9/10, 0.1 s to 0.9 s
// before the frame time of the HEP packet) and its original addresses (192.168.1.1:5060 ↔ 192.168.1.2:5060).
// The generator turned the SIP line ends into bare LF, so the Content-Length of the two messages with a
// body (counted with CRLF) exceeds the body present. Every expectation follows docs/events.md.

test('hepwireshark_hep.pcap: SIP inside HEP3: two truncated bodies are parse-errors, OPTIONS 200 is other-ok', async () => {
  const ends = { client: '192.168.1.1:5060', server: '192.168.1.2:5060' } as const;
  const expected: Brief[] = [
    // HEP 11:19:56.000100: INVITE, Content-Length 287 but 276 body bytes: a datagram that ends before the
    // body does is an error (RFC 3261 §18.3) → parse-error sip.truncated_body.
    { action: 'parse-error', at: '2016-12-11T11:19:56.000100Z', callId: 'qgf3dm9rudi@127.0.0.1', ...ends, error: 'sip.truncated_body' },
    // HEP 11:19:56.000325 100 Trying and 11:19:57.000126 407 for that INVITE: its request was not parsed, so
    // the 407 is a challenge to a request not seen — absorbed, never retried: no event.
    // HEP 11:19:58.000127 OPTIONS (CSeq 9999, no To tag: out of dialog), 200 Alive 11:20:00.000326
    // → other-ok. (The HEP log chunk, proto 100, and the RTCP report, proto 5, are not SIP: no event.)
    { action: 'other-ok', at: '2016-12-11T11:20:00.000326Z', callId: 'qgf3dm9rudi@127.0.0.1', status: 200, ...ends, user: 'nodejs' },
    // HEP 11:20:01.000627: PUBLISH, Content-Length 450 but 429 body bytes → parse-error sip.truncated_body.
    { action: 'parse-error', at: '2016-12-11T11:20:01.000627Z', callId: 'qgf3dm9rudi@127.0.0.1', ...ends, error: 'sip.truncated_body' },
  ];
  assert.deepEqual(await briefs('hepwireshark_hep.pcap'), expected);
});
