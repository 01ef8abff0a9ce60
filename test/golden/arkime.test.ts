import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// arkime_synthetic.pcap: a synthetic mixed-protocol trace (HTTP, TLS, DNS, SCTP, WebSocket, VXLAN, …) whose
// packets are not in time order. SIP is a small part: a UDP INVITE stamped 2025-01-24T21:01:38 (frame 319)
// and, later in the file but stamped 2023-11-15, one TCP connection 10.9.16.1:5060 → 10.9.16.2:5060 with
// OPTIONS, 200, PUBLISH (frames 889–891). Every message is judged on its own packet time; the clock never
// runs back, so timers already due fire at the next step of the clock (here the end-of-replay settle).

test('arkime_synthetic.pcap: OPTIONS ok, PUBLISH and INVITE unanswered, on each message\'s own packet time', async () => {
  const edge = { client: '10.9.16.1:5060', server: '10.9.16.2:5060' } as const;
  const expected: Brief[] = [
    // OPTIONS 01:50:00.150, 200 OK 01:50:00.200 → other-ok at the 200, emitted as it is read.
    { action: 'other-ok', at: '2023-11-15T01:50:00.200000Z', callId: 'opt1@edge.test', status: 200, ...edge, user: 'watcher' },
    // PUBLISH 01:50:00.250, no reply → other-timeout 408 at PUBLISH + 32 s (due before the INVITE's timer).
    { action: 'other-timeout', at: '2023-11-15T01:50:32.250000Z', callId: 'pub1@edge.test', status: 408, ...edge, flags: 'timeout', user: 'watcher' },
    // INVITE 10.0.46.100:5060 → 10.0.46.1:5060 2025-01-24T21:01:38.000, no reply → call-attempt 408 timeout
    // at +32 s. None of the other protocols is on a SIP port (the VXLAN frames carry ICMP): no msg-probe.
    {
      action: 'call-attempt', at: '2025-01-24T21:02:10.000000Z', callId: '12345', status: 408,
      client: '10.0.46.100:5060', server: '10.0.46.1:5060', flags: 'timeout', user: 'alice',
    },
  ];
  assert.deepEqual(await briefs('arkime_synthetic.pcap'), expected);
});
