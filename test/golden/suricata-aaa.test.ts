import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// suricata_sip-method_sip.pcap is the Wireshark sample "aaa.pcap": a Nero SIPPS phone at 192.168.1.2:5060
// registering with sip.cybercity.dk (212.242.33.35:5060) under several identities and placing calls, over
// 26 minutes. Times in the comments are relative to the first SIP message (REGISTER CSeq 68). Every
// 401/407 carries stale=false. Every expectation follows docs/events.md.

const UA = '192.168.1.2:5060';
const REGISTRAR = '212.242.33.35:5060';
const REALM = 'sip.cybercity.dk';
const REG1 = '578222729-4665d775@578222732-4665d772';
const REG2 = '29858147-465b0752@29858051-465b07b2';

test('suricata_sip-method_sip.pcap (aaa.pcap): registrations, refused credentials and two failed calls', async () => {
  const authFailed = (at: string, callId: string, status: number, user: string): Brief => ({
    action: 'auth-failed', at, callId, status, client: UA, server: REGISTRAR, user, realm: REALM,
  });
  const expected: Brief[] = [
    // REGISTER 68 (voi18063, no credentials) → 401 +0.137: first challenge, absorbed.
    // REGISTER 69 with Authorization username voi18063 → 100, 403 "Wrong password" +17.611552 → auth-failed 403.
    authFailed('2005-07-04T09:33:10.455801Z', REG1, 403, 'voi18063'),
    // REGISTER 70 (no credentials) → 401 +107.486: absorbed. REGISTER 71 with credentials (voi18063) →
    // 401 "nonce has changed" +124.776871 with stale=false → auth-failed 401 (only stale=true re-challenges
    // are exempt, and the phone does not retry with the new nonce).
    authFailed('2005-07-04T09:34:57.621120Z', REG1, 401, 'voi18063'),
    // REGISTER 72 (voi18062, no credentials) → 401: absorbed. REGISTER 73 with credentials (voi18062) →
    // 401 "nonce has changed" +292.300912, stale=false → auth-failed 401.
    authFailed('2005-07-04T09:37:45.145161Z', REG1, 401, 'voi18062'),
    // REGISTER 74 (no credentials) → 401: absorbed. REGISTER 75 with credentials → 100, 200 +383.562669
    // listing <sip:voi18062@192.168.1.2:5060;line=aca6b97ca3f5e51a>;expires=1200 → reg-new (AoR voi18062,
    // a contact not registered before), expires 1200.
    {
      action: 'reg-new', at: '2005-07-04T09:39:16.406918Z', callId: REG1, status: 200, client: UA, server: REGISTRAR,
      user: 'voi18062', contact: 'sip:voi18062@192.168.1.2:5060;line=aca6b97ca3f5e51a', expires: 1200,
    },
    // INVITE 105090259… to 200.68.120.81:5060 +476.345 (two retransmissions absorbed), 100 +478.561, the
    // caller CANCELs +510.5 (retransmitted, absorbed), the server answers the INVITE 408 Request Timeout
    // +513.117549 → call-attempt 408 with sip.cancelled (the caller sent CANCEL); a 408 sent by the server
    // is not a probe timeout (no sip.timeout). The CANCEL's own 408 (+543.4) has no outcome of its own.
    {
      action: 'call-attempt', at: '2005-07-04T09:41:25.961798Z', callId: '105090259-446faf7a@192.168.1.2', status: 408,
      client: UA, server: '200.68.120.81:5060', flags: 'cancelled', user: '816666',
    },
    // INVITE 85216695… (3 copies: retransmissions) → 407 +662.604: absorbed. INVITE CSeq 2 with
    // Proxy-Authorization (voi18062) → 403 "Wrong password or domain" +695.283927 → auth-failed 403 (an
    // authentication failure of a call attempt: one auth-failed, no call-attempt).
    authFailed('2005-07-04T09:44:28.128176Z', '85216695-42dcdb1d@192.168.1.2', 403, 'voi18062'),
    // REGISTER 76 (no credentials, expires=0) → 401: absorbed. REGISTER 77 with credentials (voi18062,
    // expires=0) → 401 "nonce has changed" +900.832163 → auth-failed 401; no unregistration happened, so no reg-del.
    authFailed('2005-07-04T09:47:53.676412Z', REG1, 401, 'voi18062'),
    // REGISTER 78 (AoR 35104723, no credentials) → 401: absorbed. REGISTER 79 with credentials (username
    // voi18062) → 401 "nonce has changed" +936.755547 → auth-failed 401, user = the digest username.
    authFailed('2005-07-04T09:48:29.599796Z', REG1, 401, 'voi18062'),
    // New Call-ID 29858147…: REGISTER 1 (no credentials) → 401: absorbed. REGISTER 2 with credentials
    // (voi18062) → 100, 200 +1241.505458 listing <sip:35104723@192.168.1.2:5060;line=7d36558f31367051>;
    // expires=1200 → reg-new for AoR 35104723 (user = digest username voi18062), expires 1200.
    {
      action: 'reg-new', at: '2005-07-04T09:53:34.349707Z', callId: REG2, status: 200, client: UA, server: REGISTRAR,
      user: 'voi18062', contact: 'sip:35104723@192.168.1.2:5060;line=7d36558f31367051', expires: 1200,
    },
    // REGISTER 3 (no credentials) → 401 +1258.696: absorbed (the retry with credentials comes as CSeq 4).
    // (INVITE 24487391… CSeq 1 → 407 +1275.839: absorbed.)
    // REGISTER 4 with credentials → 401 "nonce has changed" +1292.960547 → auth-failed 401.
    authFailed('2005-07-04T09:54:25.804796Z', REG2, 401, 'voi18062'),
    // INVITE 24487391… CSeq 2 with Proxy-Authorization (voi18062) → 100, 403 +1327.212494 → auth-failed 403.
    authFailed('2005-07-04T09:55:00.056743Z', '24487391-449bf2a0@192.168.1.2', 403, 'voi18062'),
    // INVITE 11894297… CSeq 1 → 407 +1393.757: absorbed. CSeq 2 with credentials (voi18062) → 100,
    // 183 +1411.446, 480 +1411.488374 → call-attempt 480 (not an auth status); user = digest username.
    {
      action: 'call-attempt', at: '2005-07-04T09:56:24.332623Z', callId: '11894297-4432a9f8@192.168.1.2', status: 480,
      client: UA, server: REGISTRAR, user: 'voi18062',
    },
    // REGISTER 5 (no credentials) → 401: absorbed. REGISTER 6 with credentials → 200 +1446.037583 for the
    // same AoR and contact as REGISTER 2: a refresh, no event.
    // Both bindings (1200 s) are still valid when the replay ends (last SIP message + 32 s): no reg-expired.
    // The 21 five-space UDP datagrams the phone sends to 212.242.33.35:5060 are NAT keep-alives (blank
    // payloads): no msg-probe.
  ];
  assert.deepEqual(await briefs('suricata_sip-method_sip.pcap'), expected);
});
