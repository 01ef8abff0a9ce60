import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the aboutsip/pkts captures (SIPp scenarios). Times in the comments are relative
// to the capture's first SIP message; every expectation follows docs/events.md.

test('pkts_cancel.pcap: INVITE 100 180 CANCEL 200 487 ACK is one cancelled call-attempt', async () => {
  const expected: Brief[] = [
    // 127.0.0.1:5060 INVITE +0.000, 100 +0.101, 180 +2.105, CANCEL +3.108 (200 +3.109), 487 +4.111, ACK
    // → call-attempt at the 487 (+4.110670), status 487, sip.cancelled (the caller sent CANCEL); the
    // CANCEL and its 200 have no outcome of their own. user = From user of the INVITE (sipp).
    {
      action: 'call-attempt', at: '2013-03-09T22:25:13.814571Z', callId: '1-6261@127.0.1.1', status: 487,
      client: '127.0.0.1:5060', server: '127.0.0.1:5090', flags: 'cancelled', user: 'sipp',
    },
  ];
  assert.deepEqual(await briefs('pkts_cancel.pcap'), expected);
});

test('pkts_fragmented_tcp_sip.pcap: the INVITE split over 3 TCP segments gives one call-start and one call-end', async () => {
  const expected: Brief[] = [
    // 10.192.243.79:41190 → 10.108.158.224:5060 INVITE (reassembled) +0.000000, 180 +0.000541, 200 +0.000754
    // → call-start at the 200.
    {
      action: 'call-start', at: '2012-08-11T03:40:20.478416Z', callId: '1-21538@10.192.243.79', status: 200,
      client: '10.192.243.79:41190', server: '10.108.158.224:5060', user: 'sipp',
    },
    // ACK +0.001228, BYE from the caller (From tag 21538SIPpTag001) +0.003870 → call-end at the BYE,
    // 0.003870 − 0.000754 = 0.003116 s, originator caller.
    {
      action: 'call-end', at: '2012-08-11T03:40:20.481532Z', callId: '1-21538@10.192.243.79', status: 200,
      duration: '0.003116', client: '10.192.243.79:41190', server: '10.108.158.224:5060', originator: 'caller', user: 'sipp',
    },
  ];
  assert.deepEqual(await briefs('pkts_fragmented_tcp_sip.pcap'), expected);
});

test('pkts_fragmented_udp_sip.pcap: INVITE lost (one IP fragment of it captured), the dialog is still reported, partial', async () => {
  const expected: Brief[] = [
    // Only the first IPv4 fragment of the INVITE was captured: it cannot be reassembled, so there is no
    // SIP message (and no parse-error: nothing that starts like SIP reached the parser). 180 +0.000000 and
    // 200 +0.000210 from 10.108.158.224:5060 to 10.192.243.79:5060 answer an INVITE never seen
    // → call-start (partial) at the 200; client = the 200's destination, server = its sender.
    {
      action: 'call-start', at: '2012-08-11T03:39:26.856572Z', callId: '1-21520@10.192.243.79', status: 200,
      client: '10.192.243.79:5060', server: '10.108.158.224:5060', flags: 'partial', user: 'sipp',
    },
    // ACK, then BYE +0.003131 from 10.192.243.79 with the caller's From tag (21520SIPpTag001) → call-end,
    // originator caller; the start is known (the 200), so duration 0.003131 − 0.000210 = 0.002921 s;
    // still partial since the INVITE was never seen.
    {
      action: 'call-end', at: '2012-08-11T03:39:26.859493Z', callId: '1-21520@10.192.243.79', status: 200,
      duration: '0.002921', client: '10.192.243.79:5060', server: '10.108.158.224:5060', originator: 'caller',
      flags: 'partial', user: 'sipp',
    },
  ];
  assert.deepEqual(await briefs('pkts_fragmented_udp_sip.pcap'), expected);
});

test('pkts_simple_invite_scenario.pcap: INVITE 100 180 200 ACK BYE 200 is one call of 12.002851 s', async () => {
  const expected: Brief[] = [
    // 127.0.0.1:5060 → :5090 INVITE +0.000, 100 +0.102, 180 +3.105, 200 +4.106017 → call-start.
    {
      action: 'call-start', at: '2013-03-09T22:38:03.078535Z', callId: '1-6847@127.0.1.1', status: 200,
      client: '127.0.0.1:5060', server: '127.0.0.1:5090', user: 'sipp',
    },
    // ACK +4.107, BYE from the caller +16.108868 → call-end, 16.108868 − 4.106017 = 12.002851 s.
    {
      action: 'call-end', at: '2013-03-09T22:38:15.081386Z', callId: '1-6847@127.0.1.1', status: 200,
      duration: '12.002851', client: '127.0.0.1:5060', server: '127.0.0.1:5090', originator: 'caller', user: 'sipp',
    },
  ];
  assert.deepEqual(await briefs('pkts_simple_invite_scenario.pcap'), expected);
});

test('pkts_sip_rtp.pcap: INVITE 180 200 ACK, 10 s of RTP, BYE 200: one call, RTP gives no event', async () => {
  const expected: Brief[] = [
    // 127.0.0.1:5061 → :5060 INVITE +0.000000, 180 +0.000263, 200 +0.000368 → call-start.
    {
      action: 'call-start', at: '2014-06-29T20:47:31.748534Z', callId: '1-7879@127.0.0.1', status: 200,
      client: '127.0.0.1:5061', server: '127.0.0.1:5060', user: 'sipp',
    },
    // 501 RTP packets on non-SIP ports (not a SIP flow: no msg-probe); BYE from the caller +10.002366
    // → call-end, 10.002366 − 0.000368 = 10.001998 s.
    {
      action: 'call-end', at: '2014-06-29T20:47:41.750532Z', callId: '1-7879@127.0.0.1', status: 200,
      duration: '10.001998', client: '127.0.0.1:5061', server: '127.0.0.1:5060', originator: 'caller', user: 'sipp',
    },
  ];
  assert.deepEqual(await briefs('pkts_sip_rtp.pcap'), expected);
});

test('pkts_sipp.pcap: five interleaved calls, each INVITE 180 200 ACK BYE 200, in packet order', async () => {
  const c = (n: number): string => `${n}-16732@127.0.1.1`;
  const ends = { client: '127.0.0.1:5060', server: '127.0.0.1:5090' } as const;
  const start = (n: number, at: string): Brief => ({ action: 'call-start', at, callId: c(n), status: 200, ...ends, user: 'sipp' });
  const end = (n: number, at: string, duration: string): Brief => ({
    action: 'call-end', at, callId: c(n), status: 200, duration, ...ends, originator: 'caller', user: 'sipp',
  });
  const expected: Brief[] = [
    // call 1: 200 +0.000559 → call-start
    start(1, '2012-06-23T23:45:09.793013Z'),
    // call 2: 200 +0.999092 → call-start (before call 1's BYE)
    start(2, '2012-06-23T23:45:10.791546Z'),
    // call 1: BYE from the caller +1.002719 → call-end, 1.002719 − 0.000559 = 1.002160 s
    end(1, '2012-06-23T23:45:10.795173Z', '1.002160'),
    // call 3: 200 +2.000699
    start(3, '2012-06-23T23:45:11.793153Z'),
    // call 2: BYE +2.002035 → 2.002035 − 0.999092 = 1.002943 s
    end(2, '2012-06-23T23:45:11.794489Z', '1.002943'),
    // call 4: 200 +2.999032
    start(4, '2012-06-23T23:45:12.791486Z'),
    // call 3: BYE +3.002592 → 3.002592 − 2.000699 = 1.001893 s
    end(3, '2012-06-23T23:45:12.795046Z', '1.001893'),
    // call 4: BYE +3.999843 (just before call 5's INVITE +3.999964) → 3.999843 − 2.999032 = 1.000811 s
    end(4, '2012-06-23T23:45:13.792297Z', '1.000811'),
    // call 5: 200 +4.000578
    start(5, '2012-06-23T23:45:13.793032Z'),
    // call 5: BYE +5.002927 → 5.002927 − 4.000578 = 1.002349 s
    end(5, '2012-06-23T23:45:14.795381Z', '1.002349'),
  ];
  assert.deepEqual(await briefs('pkts_sipp.pcap'), expected);
});
