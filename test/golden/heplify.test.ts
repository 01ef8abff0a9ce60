import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the sipcapture/heplify decoder test captures. Times in the comments are relative
// to the capture's first SIP message; every expectation follows docs/events.md.

test('heplify_ipip0.pcap: a 403 for an unseen INVITE, an unanswered INVITE, two REGISTERs with credentials refused', async () => {
  const expected: Brief[] = [
    // +0.000373 157.161.10.73:5060 → 179.43.150.26:33489 403 Forbidden, Call-ID lDfy…, CSeq 102 INVITE: no
    // INVITE with that Call-ID was captured (the INVITE at +0.000000 has another Call-ID and From tag)
    // → call-attempt 403, partial; client = the 403's destination, server = its sender; user = its From user.
    {
      action: 'call-attempt', at: '2026-03-20T14:13:12.783751Z', callId: 'lDfyXDPzYrxPTpqAz12DQ5..@179.43.150.26', status: 403,
      client: '179.43.150.26:33489', server: '157.161.10.73:5060', flags: 'partial', user: '18120614121',
    },
    // 5.148.125.101 REGISTER CSeq 1 (no credentials) → 401 +1.890: first challenge, absorbed.
    // REGISTER CSeq 2 with Authorization (username 1154, realm 157.161.10.73) → 401 +1.919193, stale=false
    // → auth-failed 401.
    {
      action: 'auth-failed', at: '2026-03-20T14:13:14.702571Z', callId: 'e5f4a617104444e4f7a54', status: 401,
      client: '5.148.125.101:5060', server: '157.161.10.73:5060', user: '1154', realm: '157.161.10.73',
    },
    // REGISTER CSeq 3, same credentials → 401 +1.950520, stale=false → auth-failed 401 again.
    {
      action: 'auth-failed', at: '2026-03-20T14:13:14.733898Z', callId: 'e5f4a617104444e4f7a54', status: 401,
      client: '5.148.125.101:5060', server: '157.161.10.73:5060', user: '1154', realm: '157.161.10.73',
    },
    // INVITE +0.000000 179.43.150.26:33489 → 157.161.10.72:5060, Call-ID 4sHr…: no reply at all within 32 s
    // → call-attempt 408 with sip.timeout at +32.000000 (fires at the end-of-replay settle).
    {
      action: 'call-attempt', at: '2026-03-20T14:13:44.783378Z', callId: '4sHr4rbxLEYDZTMZ3ulI4f..@179.43.150.26', status: 408,
      client: '179.43.150.26:33489', server: '157.161.10.72:5060', flags: 'timeout', user: '18121862248',
    },
  ];
  assert.deepEqual(await briefs('heplify_ipip0.pcap'), expected);
});

test('heplify_sip_ipv4_tcp.pcap: call over TCP hung up by the callee', async () => {
  const expected: Brief[] = [
    // 10.33.6.100:64802 → 10.33.6.101:5060 INVITE +0.000, 100 +0.040, 180 +0.059, 200 +4.343540 → call-start.
    {
      action: 'call-start', at: '2011-07-28T12:54:50.905636Z', callId: '158936656982201062716@10.33.6.100', status: 200,
      client: '10.33.6.100:64802', server: '10.33.6.101:5060', user: '101',
    },
    // ACK +4.371, BYE +6.495056 sent by 10.33.6.101 with From tag 1c342958875 (the callee's to-tag)
    // → call-end, originator callee, 6.495056 − 4.343540 = 2.151516 s.
    {
      action: 'call-end', at: '2011-07-28T12:54:53.057152Z', callId: '158936656982201062716@10.33.6.100', status: 200,
      duration: '2.151516', client: '10.33.6.100:64802', server: '10.33.6.101:5060', originator: 'callee', user: '101',
    },
  ];
  assert.deepEqual(await briefs('heplify_sip_ipv4_tcp.pcap'), expected);
});

// heplify_sip_ipv4_tcp_retrans.pcap: the UA 172.168.0.252:52795 registers over TCP through the edge proxy
// 172.168.0.228 (which forwards over UDP from :5160 to the registrar 172.168.0.227:5060, rewriting the
// Contact to sip:1001@172.168.0.228:5160 and Expires 300 → 600). Both hops share Call-ID, CSeq and tags:
// one transaction, copies on another hop.
//   CSeq 42942 no credentials → 401 on both hops (+0.000600, +0.000680): first challenge, absorbed.
//   CSeq 42943 with credentials (username 1001) → 200 on the registrar hop +0.002936 (lists only
//   228:5160;expires=600, Expires: 600), then the proxy's 200 to the UA +0.003019 (lists the UA's contact
//   with expires=60). The TCP retransmission of that 200 (frame 38) is absorbed by TCP reassembly.
const RETRANS_REG: Brief = {
  // A REGISTER 2xx is decided by the copy that reaches the UA (an edge proxy may rewrite contacts and
  // expiries on the way back): the proxy's 200 to the UA at +0.003019 → one reg-new for the UA's contact,
  // client = the original UA, server = the first hop it sent to.
  action: 'reg-new', at: '2017-10-08T03:32:56.374408Z', callId: '1c35908a84584771bcc93bd496e0a852', status: 200,
  client: '172.168.0.252:52795', server: '172.168.0.228:5060', user: '1001', contact: 'sip:1001@172.168.0.252:52795;transport=TCP;ob',
};

test('heplify_sip_ipv4_tcp_retrans.pcap: REGISTER through an edge proxy: one reg-new for the UA, the proxy hop adds nothing', async () => {
  assert.deepEqual(await briefs('heplify_sip_ipv4_tcp_retrans.pcap', ['expires']), [RETRANS_REG]);
});

// Ambiguous in docs/events.md (sip.expires = "the 2xx value when the registrar states one"): the 2xx that
// decides does not list the UA's contact at all, and the only 2xx that states an expiry for it is the
// proxy's copy to the UA (expires=60). The operator reading: the UA was granted 60 s — that is when it
// must refresh and when its binding would lapse — not the 300 s it asked for.
test('heplify_sip_ipv4_tcp_retrans.pcap: reg-new carries the expiry granted to the UA (60 s)', async () => {
  assert.deepEqual(await briefs('heplify_sip_ipv4_tcp_retrans.pcap'), [{ ...RETRANS_REG, expires: 60 }]);
});

// heplify_sip_ipv6_udp.pcap: one IPv6 call whose packet times are years apart (the capture's timestamps
// are corrupt: +0 s, +201118545 s, +201412350 s, +352132470 s, +1886911590 s, +2538987240 s). docs/events.md
// says all times are packet times, so the events follow those times literally. Every message's From is
// <sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0>: the IPv6 host lacks the brackets RFC 3261 requires, but the
// user part "9876" before the "@" is unambiguous, and user.name is the From user for calls.
test('heplify_sip_ipv6_udp.pcap: IPv6 call with corrupt timestamps: the events follow the packet times', async () => {
  const ends = { client: '[fe80::21a:a0ff:fe07:32e0]:5060', server: '[fec0::216:d3ff:fe0d:22c]:5060' } as const;
  const callId = 'c3eF6f58-363323Cd-8058EB88-10300252@fe80:0:0:0:21a:a0ff:fe07:32e0';
  const expected: Brief[] = [
    // INVITE at 2012-02-07T04:36:02.251758; the next packet (100) is six years later → no reply within 32 s
    // → call-attempt 408 timeout at INVITE + 32 s.
    { action: 'call-attempt', at: '2012-02-07T04:36:34.251758Z', callId, status: 408, ...ends, flags: 'timeout', user: '9876' },
    // The 100 (2018-06-22) comes after the attempt was stated and forgotten: a provisional alone tells nothing.
    // 200 OK 2018-06-26T08:28:32.251758 for an INVITE no longer known → call-start, partial.
    { action: 'call-start', at: '2018-06-26T08:28:32.251758Z', callId, status: 200, ...ends, flags: 'partial', user: '9876' },
    // The ACK is in 2023: the dialog was silent for the call timeout (no Session-Expires) → call-end,
    // originator timeout, at 200 + 3600 s, duration 3600 s (start known), partial like its call-start.
    {
      action: 'call-end', at: '2018-06-26T09:28:32.251758Z', callId, status: 200, duration: '3600.000000', ...ends,
      originator: 'timeout', flags: 'partial', user: '9876',
    },
    // BYE 2071-11-23T10:42:32.251758 from fe80::…:5060 for a dialog long forgotten → call-end, partial, with
    // neither start, duration, status nor originator; client = the BYE's sender.
    { action: 'call-end', at: '2071-11-23T10:42:32.251758Z', callId, ...ends, flags: 'partial', user: '9876' },
  ];
  assert.deepEqual(await briefs('heplify_sip_ipv6_udp.pcap'), expected);
});

test('heplify_sip_sctp.pcap: INVITE over SCTP refused with 403 (no credentials): one call-attempt', async () => {
  const expected: Brief[] = [
    // 10.249.30.11:57098 → 10.108.207.113:5060 INVITE (SIP-I body) +0.000000, 100 +0.000279, 403 "The reason
    // is nocallee" +0.001738 (sent to 10.249.30.11:5060, the caller's address), ACK +0.118. The INVITE carried
    // no credentials, so the 403 is not an auth failure → call-attempt 403 at the 403.
    {
      action: 'call-attempt', at: '2020-01-23T21:03:44.071375Z', callId: '717B2539AD2002C9152DC497@0870ffffffff', status: 403,
      client: '10.249.30.11:57098', server: '10.108.207.113:5060', user: '9171969136',
    },
  ];
  assert.deepEqual(await briefs('heplify_sip_sctp.pcap'), expected);
});

test('heplify_sip_tcp_websocket.pcap: OPTIONS ping, a WebSocket call through a proxy and the B2BUA leg it creates', async () => {
  const ws = { client: '10.243.17.55:43380', server: '10.243.0.157:8080' } as const;
  const leg = { client: '10.243.0.143:5060', server: '10.243.0.157:5060' } as const;
  const wsUser = '12675941249_Uclx8s21Ck82KTJtkFC1ltbEbcHGKjXLrsz2bdJVWGX';
  const expected: Brief[] = [
    // 10.243.0.157:5070 OPTIONS → 10.243.0.143:5060, 200 +0.000259 → other-ok (first ping of the series).
    {
      action: 'other-ok', at: '2018-11-12T19:32:41.194570Z', callId: '455c5fcd57ea6b6e-8191@0.0.0.0', status: 200,
      client: '10.243.0.157:5070', server: '10.243.0.143:5060', user: 'registrar',
    },
    // Call-ID 926ffd16…: the B2BUA 10.243.0.143 places its own leg (another Call-ID: a separate dialog)
    // through the proxy 10.243.0.157:5060 to 10.243.1.36:5090. INVITE +4.496156, 100s, 183 ×3 (each on
    // both hops), first 200 +13.357941 on the downstream hop (2xx decide at once) → call-start;
    // client = the leg's caller 10.243.0.143:5060.
    { action: 'call-start', at: '2018-11-12T19:32:54.552252Z', callId: '926ffd16-6154-1237-09ba-0270b3230128', status: 200, ...leg, user: '+12675941249' },
    // Call-ID kovf…: WebSocket client INVITE 2206 → 407 (no credentials: challenge absorbed) → ACK →
    // INVITE 2207 with Proxy-Authorization (username 12675941249_Uclx…), 100, forwarded over UDP, 180, 183,
    // first 200 +13.398678 (hop 10.243.0.143 → proxy) → call-start; client = the WebSocket client.
    { action: 'call-start', at: '2018-11-12T19:32:54.592989Z', callId: 'kovfhoptshgn59q712sr', status: 200, ...ws, user: wsUser },
    // The WebSocket client's BYE +16.734518 (caller's From tag) → call-end, 16.734518 − 13.398678 = 3.335840 s;
    // its copy on the UDP hop is absorbed.
    {
      action: 'call-end', at: '2018-11-12T19:32:57.928829Z', callId: 'kovfhoptshgn59q712sr', status: 200, duration: '3.335840', ...ws,
      originator: 'caller', user: wsUser,
    },
    // The B2BUA then hangs up its leg: BYE +16.740015 from 10.243.0.143 with the leg caller's From tag
    // → call-end, originator caller, 16.740015 − 13.357941 = 3.382074 s.
    {
      action: 'call-end', at: '2018-11-12T19:32:57.934326Z', callId: '926ffd16-6154-1237-09ba-0270b3230128', status: 200, duration: '3.382074',
      ...leg, originator: 'caller', user: '+12675941249',
    },
  ];
  assert.deepEqual(await briefs('heplify_sip_tcp_websocket.pcap'), expected);
});
