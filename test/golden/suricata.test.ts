import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the small OISF/suricata-verify SIP captures (the long Wireshark "aaa.pcap" trace,
// suricata_sip-method_sip.pcap, has its own file). Every expectation follows docs/events.md.

// suricata_sip-body-frames_public-cloudshark-sip-s0.pcap (CloudShark sip-s0): a call that stays up, a
// REGISTER 200 and a call still ringing at the end of the capture.
const S0 = 'suricata_sip-body-frames_public-cloudshark-sip-s0.pcap';
const S0_START: Brief = {
  // 200.57.7.195:5060 → 200.57.7.204:5061 INVITE +0.000, 100 +0.008, 180 +0.048, 200 +8.477925 → call-start;
  // ACK, then no BYE: still up at the end (no call-end). From <sip:200.57.7.195:55061> has no user.
  action: 'call-start', at: '2005-01-14T17:58:11.443869Z', callId: '12013223@200.57.7.195', status: 200,
  client: '200.57.7.195:5060', server: '200.57.7.204:5061',
};
const S0_REG: Brief = {
  // 200.57.7.204:5061 REGISTER (To/AoR francisco, Contact sip:francisco@200.57.7.204:5061, Expires: 1800)
  // +17.457, 200 OK +17.473413 (same Contact without an expires parameter, Expires: 20) → reg-new.
  action: 'reg-new', at: '2005-01-14T17:58:20.439357Z', callId: 'D3A26FC3974B44ECB5A96E07282903E3@bestel.com', status: 200,
  client: '200.57.7.204:5061', server: '200.57.7.195:5060', user: 'francisco', contact: 'sip:francisco@200.57.7.204:5061',
};
// INVITE 12015624 +24.666, 100, 180 +24.693, then the capture ends: "nothing final within 180 s of a
// provisional" cannot be decided within the 32 s settle window → no event (pending at the end). The
// binding (20 s + 30 s grace after +17.473) does not lapse within the settle window either (+24.693 + 32 s).

test(`${S0}: call-start and reg-new; the ringing call and the binding are still pending at the end`, async () => {
  assert.deepEqual(await briefs(S0, ['expires']), [S0_START, S0_REG]);
});

// sip.expires is "the 2xx value when the registrar states one": the 200 states Expires: 20 (its Contact has
// no expires parameter), so 20 s were granted, not the 1800 s asked for (RFC 3261 §10.2.4, §10.3 step 8).
test(`${S0}: reg-new carries the expiry the 200 grants (Expires: 20)`, async () => {
  assert.deepEqual(await briefs(S0), [S0_START, { ...S0_REG, expires: 20 }]);
});

test('suricata_sip-body-large_sip-body-large.pcap: INVITE with a 64 KB body over TCP and 100 Trying: no event within the settle window', async () => {
  // 127.0.0.1:59809 → :5060 INVITE (Content-Length 65536, reassembled from many segments), 100 Trying at
  // +0.000292, then nothing: the provisional arms the 180 s INVITE timeout, beyond the 32 s settle window
  // → no event (the transaction is reported pending).
  const g = await briefs('suricata_sip-body-large_sip-body-large.pcap');
  assert.deepEqual(g, []);
});

test('suricata_sip-compact-form_sip_compact_form.pcap: a lone INVITE in compact form times out', async () => {
  const expected: Brief[] = [
    // 1.1.1.1:5555 → 2.2.2.2:5060 INVITE with compact headers (v:, f:, t:, i:, c:, l:), From user 816666,
    // no reply → call-attempt 408 timeout at +32 s.
    {
      action: 'call-attempt', at: '2024-04-18T13:15:28.386450Z', callId: '105090259-446faf7a@192.168.1.2', status: 408,
      client: '1.1.1.1:5555', server: '2.2.2.2:5060', flags: 'timeout', user: '816666',
    },
  ];
  assert.deepEqual(await briefs('suricata_sip-compact-form_sip_compact_form.pcap'), expected);
});

test('suricata_sip-header-multi-value_sip_header_multi_val.pcap: two different To headers make the INVITE unparsable', async () => {
  const expected: Brief[] = [
    // The INVITE carries "t: <sip:97239287044@voip.brujula.net>" and "To: <sip:12345@voip.brujula.net>":
    // To is single-valued (RFC 3261 §20.39), the two values disagree, so the message cannot be parsed
    // → parse-error sip.duplicate_header (Call-ID readable); client = the sender.
    {
      action: 'parse-error', at: '2024-06-19T15:21:33.156061Z', callId: '105090259-446faf7a@192.168.1.2',
      client: '1.1.1.1:5555', server: '2.2.2.2:5060', error: 'sip.duplicate_header',
    },
  ];
  assert.deepEqual(await briefs('suricata_sip-header-multi-value_sip_header_multi_val.pcap'), expected);
});

test('suricata_sip-options-method_input.pcap: OPTIONS 200 is one other-ok', async () => {
  const expected: Brief[] = [
    // 192.168.1.10:5060 OPTIONS → 192.168.1.20:5060, 200 OK +0.000279 → other-ok (first of its series).
    {
      action: 'other-ok', at: '2026-05-30T11:46:30.686973Z', callId: '1234567890@192.168.1.10', status: 200,
      client: '192.168.1.10:5060', server: '192.168.1.20:5060', user: 'alice',
    },
  ];
  assert.deepEqual(await briefs('suricata_sip-options-method_input.pcap'), expected);
});

test('suricata_sip-pattern-matching_sip.pcap: REGISTER without credentials answered 401: absorbed challenge, no event', async () => {
  // 1.1.1.1:5555 → 2.2.2.2:5062 REGISTER CSeq 68 (no Authorization), 401 with WWW-Authenticate stale=false,
  // never retried: "a challenge never retried gives no event".
  assert.deepEqual(await briefs('suricata_sip-pattern-matching_sip.pcap'), []);
});

test('suricata_sip-tcp-pattern-matching_sip.pcap: the same REGISTER 401 over TCP: no event', async () => {
  assert.deepEqual(await briefs('suricata_sip-tcp-pattern-matching_sip.pcap'), []);
});

test('suricata_sip-sdp_sdp.pcap: INVITE 200 is a call-start; no BYE, so no call-end', async () => {
  const expected: Brief[] = [
    // 1.1.1.1:5555 → 2.2.2.2:5060 INVITE, 200 Ok +0.000233 → call-start; the call is still up at the end.
    {
      action: 'call-start', at: '2024-10-15T07:28:53.934449Z', callId: '105090259-446faf7a@192.168.1.2', status: 200,
      client: '1.1.1.1:5555', server: '2.2.2.2:5060', user: '816666',
    },
  ];
  assert.deepEqual(await briefs('suricata_sip-sdp_sdp.pcap'), expected);
});

test('suricata_sip-tcp-method_sip-tcp.pcap: REGISTER 200 over TCP is one reg-new', async () => {
  const expected: Brief[] = [
    // 127.0.0.1:58882 → :5060 REGISTER (AoR 987654, one Contact, Expires: 600), 200 +0.000194 listing that
    // Contact with expires=600 → reg-new, expires 600.
    {
      action: 'reg-new', at: '2022-02-02T18:52:14.643471Z', callId: '8OmtYUU8EdlafUh4g4jiAw..', status: 200,
      client: '127.0.0.1:58882', server: '127.0.0.1:5060', user: '987654',
      contact: 'sip:987654@192.168.43.1:48376;rinstance=be2ec98d0f43e70c;transport=tcp', expires: 600,
    },
  ];
  assert.deepEqual(await briefs('suricata_sip-tcp-method_sip-tcp.pcap'), expected);
});

test('suricata_sip-ssdp-pm_ssdp.pcap (negative): an SSDP NOTIFY on UDP 1900 is not on a SIP flow: no event', async () => {
  // 192.168.1.1:9489 → 239.255.255.250:1900 "NOTIFY * HTTP/1.1": HTTP-like, but not on a SIP port, so it
  // is neither SIP nor a msg-probe.
  assert.deepEqual(await briefs('suricata_sip-ssdp-pm_ssdp.pcap'), []);
});
