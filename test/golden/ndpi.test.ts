import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the ntop/nDPI captures. Every expectation follows docs/events.md.

test('ndpi_gre_sip.pcapng: SIP in GRE/PPP over 802.1Q: a scanner OPTIONS, two calls, three cancelled calls', async () => {
  const pbx = '192.168.103.40:5060'; // the Aastra PBX side
  const peer = '192.168.10.210:5060';
  const expected: Brief[] = [
    // +0.000 OPTIONS from friendly-scanner 212.83.179.0:5097 to 192.200.144.148:5060, never answered
    // → other-timeout 408 at +32 s (fired when the next packet, 5.4 h later, moves the clock).
    {
      action: 'other-timeout', at: '2017-01-03T22:17:21.469240Z', callId: '141335499045307758303004', status: 408,
      client: '212.83.179.0:5097', server: '192.200.144.148:5060', flags: 'timeout', user: '100',
    },
    // Call AI1737…: 192.168.103.40 INVITE +19539.451, 100, 180, 200 +19544.939366 → call-start.
    { action: 'call-start', at: '2017-01-04T03:42:34.408606Z', callId: 'AI1737AB5491ADC392@192.168.103.40', status: 200, client: pbx, server: peer, user: '281' },
    // ACK, BYE from the caller +19581.350514 → call-end, 19581.350514 − 19544.939366 = 36.411148 s.
    {
      action: 'call-end', at: '2017-01-04T03:43:10.819754Z', callId: 'AI1737AB5491ADC392@192.168.103.40', status: 200,
      duration: '36.411148', client: pbx, server: peer, originator: 'caller', user: '281',
    },
    // Call AI4F61… from 192.168.10.210: INVITE +21650.177, 100, 180, CANCEL +21668.448, 487 +21668.595583,
    // 200 (CANCEL), ACK → call-attempt 487, cancelled.
    {
      action: 'call-attempt', at: '2017-01-04T04:17:58.064823Z', callId: 'AI4F610BFAF71F5BE0@192.168.10.210', status: 487,
      client: peer, server: pbx, flags: 'cancelled', user: '22150270',
    },
    // Call AI8435… from the PBX: INVITE, 100, 180, CANCEL +28728.713, 487 +28728.889483 → call-attempt 487, cancelled.
    {
      action: 'call-attempt', at: '2017-01-04T06:15:38.358723Z', callId: 'AI8435DD52A4ABA390@192.168.103.40', status: 487,
      client: pbx, server: peer, flags: 'cancelled', user: '281',
    },
    // Call AI27E8… from 192.168.10.210: INVITE, 100, 180, CANCEL +32611.488, 487 +32611.658634 → call-attempt 487, cancelled.
    {
      action: 'call-attempt', at: '2017-01-04T07:20:21.127874Z', callId: 'AI27E8D88D54CE0A7B@192.168.10.210', status: 487,
      client: peer, server: pbx, flags: 'cancelled', user: '22465699',
    },
    // Call AI3B1F… from the PBX: INVITE +32815.741, 100, 180, 200 +32821.290131 → call-start.
    { action: 'call-start', at: '2017-01-04T07:23:50.759371Z', callId: 'AI3B1F578CA7F5E2AA@192.168.103.40', status: 200, client: pbx, server: peer, user: '281' },
    // ACK, BYE from the caller +32902.879816 → call-end, 32902.879816 − 32821.290131 = 81.589685 s.
    {
      action: 'call-end', at: '2017-01-04T07:25:12.349056Z', callId: 'AI3B1F578CA7F5E2AA@192.168.103.40', status: 200,
      duration: '81.589685', client: pbx, server: peer, originator: 'caller', user: '281',
    },
  ];
  assert.deepEqual(await briefs('ndpi_gre_sip.pcapng'), expected);
});

test('ndpi_http_on_sip_port.pcapng (negative): HTTP on TCP 5060 gives one msg-probe per payload and nothing else', async () => {
  const expected: Brief[] = [
    // 82.178.111.221:5060 → 45.58.148.2:8888 "GET /star-123456/index.m3u8…" (223 bytes): not SIP, not a
    // keep-alive, on a SIP port → msg-probe; client = the payload's sender.
    { action: 'msg-probe', at: '2021-04-18T11:06:56.398438Z', client: '82.178.111.221:5060', server: '45.58.148.2:8888' },
    // 45.58.148.2:8888 → 82.178.111.221:5060 "HTTP/1.1 403 Forbidden…" (1360 bytes) → msg-probe.
    { action: 'msg-probe', at: '2021-04-18T11:06:56.532140Z', client: '45.58.148.2:8888', server: '82.178.111.221:5060' },
  ];
  assert.deepEqual(await briefs('ndpi_http_on_sip_port.pcapng'), expected);
});
