import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the irontec/sngrep captures. Every expectation follows docs/events.md.

test('sngrep_ipip.pcap: SIP over TCP inside IP-in-IP: INVITE 183 200, BYE from the caller', async () => {
  const ends = { client: '10.15.197.103:5090', server: '10.15.193.31:33093' } as const;
  const expected: Brief[] = [
    // 10.15.197.103:5090 INVITE → 10.15.193.31:33093 (on the TCP connection the far side opened) +0.000,
    // 183 +0.010, 200 +1.659560 → call-start; client = the INVITE's sender.
    { action: 'call-start', at: '2021-12-14T13:49:08.995124Z', callId: '1RLuVzzBClYCf2', status: 200, ...ends, user: '1bdaa608131517540000' },
    // No ACK captured; BYE +33.672115 from 10.15.197.103 with the caller's From tag (jr57na6shh) → call-end,
    // originator caller, 33.672115 − 1.659560 = 32.012555 s.
    {
      action: 'call-end', at: '2021-12-14T13:49:41.007679Z', callId: '1RLuVzzBClYCf2', status: 200, duration: '32.012555', ...ends,
      originator: 'caller', user: '1bdaa608131517540000',
    },
  ];
  assert.deepEqual(await briefs('sngrep_ipip.pcap'), expected);
});

test('sngrep_tlssaved.pcap (negative): SIP over TLS on 5061 without keys: no event', async () => {
  // 12 frames of TLS application data (record type 23) between 10.10.1.142:5071 / 10.10.1.158:2232 and
  // 10.10.9.40:5061. Encrypted SIP cannot be read; TLS records are recognised and counted, not reported
  // as msg-probe (they are the expected content of a SIP-over-TLS flow, not a probe).
  assert.deepEqual(await briefs('sngrep_tlssaved.pcap'), []);
});
