import { test } from 'node:test';
import assert from 'node:assert/strict';
import { briefs, type Brief } from './golden.js';

// Golden events of the initconf/sip-attacks captures (the long SIP-212.32.250.134 trace has its own file).
// Every expectation follows docs/events.md.

test('sipattacks_BadUserAgent-sipvicious.pcap: 26 unanswered SIPVicious OPTIONS are 26 other-timeouts', async () => {
  // Each row is one OPTIONS sip:100@131.243.0.1 (From and To user 100, User-Agent friendly-scanner) sent
  // to 152.28.49.156:5060 from the given address, each with its own Call-ID, and never answered → one
  // other-timeout 408 per OPTIONS at its time + 32 s. The keep-alive rule only absorbs repeated
  // *successful* pings, so none is absorbed. Rows are in capture order (tshark -Y sip).
  const rows: [string, string, string][] = [
    ['2019-08-16T07:05:30.345912Z', '136061588268204605358974', '27.53.138.51:5274'], // OPTIONS 07:04:58.345912Z
    ['2019-08-16T08:37:12.474341Z', '401063525026535628314092', '7.17.254.188:5256'], // OPTIONS 08:36:40.474341Z
    ['2019-08-16T08:56:58.212262Z', '1171657931982755940303531', '167.39.178.78:5173'], // OPTIONS 08:56:26.212262Z
    ['2019-08-16T09:33:38.715963Z', '662469355940318135338175', '7.17.254.165:5136'], // OPTIONS 09:33:06.715963Z
    ['2019-08-16T10:08:26.869126Z', '1164764802161263551114735', '7.17.254.165:5135'], // OPTIONS 10:07:54.869126Z
    ['2019-08-16T10:35:38.468642Z', '1062263809594177991632974', '27.53.138.51:5084'], // OPTIONS 10:35:06.468642Z
    ['2019-08-16T10:45:03.269973Z', '333981299817993841014282', '167.39.178.73:5121'], // OPTIONS 10:44:31.269973Z
    ['2019-08-16T11:03:36.019624Z', '287088969372871597469812', '171.217.27.159:5079'], // OPTIONS 11:03:04.019624Z
    ['2019-08-16T11:44:01.330713Z', '104506460535850900098898', '7.17.254.188:5421'], // OPTIONS 11:43:29.330713Z
    ['2019-08-16T13:08:24.601097Z', '693091371876196393967965', '7.17.254.165:5129'], // OPTIONS 13:07:52.601097Z
    ['2019-08-16T13:14:04.255776Z', '128980395953954209772159', '167.39.178.73:5119'], // OPTIONS 13:13:32.255776Z
    ['2019-08-16T13:43:59.605834Z', '330432239593433336396504', '7.17.254.165:5104'], // OPTIONS 13:43:27.605834Z
    ['2019-08-16T16:08:37.166741Z', '1123865987365311430927293', '27.164.15.39:5087'], // OPTIONS 16:08:05.166741Z
    ['2019-08-16T16:10:55.564969Z', '141540135709232334766597', '167.39.178.73:5105'], // OPTIONS 16:10:23.564969Z
    ['2019-08-16T16:43:01.765294Z', '712411019041022177394191', '7.17.254.165:5123'], // OPTIONS 16:42:29.765294Z
    ['2019-08-16T17:19:53.654030Z', '112343240125831558541853', '7.17.254.165:5083'], // OPTIONS 17:19:21.654030Z
    ['2019-08-16T17:31:16.963327Z', '1080142596981331147742119', '27.53.138.51:5254'], // OPTIONS 17:30:44.963327Z
    ['2019-08-16T18:33:36.645190Z', '829389264159555523399254', '167.39.178.78:5151'], // OPTIONS 18:33:04.645190Z
    ['2019-08-16T19:07:51.092458Z', '795902227003395281180242', '7.17.254.188:5419'], // OPTIONS 19:07:19.092458Z
    ['2019-08-16T19:54:15.144093Z', '737709848203282146288343', '75.225.19.2:5963'], // OPTIONS 19:53:43.144093Z
    ['2019-08-16T20:31:49.494484Z', '1120530168278969384889858', '7.17.254.165:5157'], // OPTIONS 20:31:17.494484Z
    ['2019-08-16T20:39:51.144286Z', '588355495099723065357520', '207.236.89.0:5157'], // OPTIONS 20:39:19.144286Z
    ['2019-08-16T20:55:14.358219Z', '137664256800154663204118', '7.17.254.165:5095'], // OPTIONS 20:54:42.358219Z
    ['2019-08-16T20:59:21.923143Z', '931570933964605056379947', '27.53.138.51:5462'], // OPTIONS 20:58:49.923143Z
    ['2019-08-16T22:25:12.110461Z', '645383134844964570904824', '171.217.27.156:5082'], // OPTIONS 22:24:40.110461Z
    ['2019-08-16T22:28:55.374213Z', '521393959160131046530552', '146.38.187.119:5064'], // OPTIONS 22:28:23.374213Z
  ];
  const expected: Brief[] = rows.map(([at, callId, client]) => ({
    action: 'other-timeout', at, callId, status: 408, client, server: '152.28.49.156:5060', flags: 'timeout', user: '100',
  }));
  assert.deepEqual(await briefs('sipattacks_BadUserAgent-sipvicious.pcap'), expected);
});

test('sipattacks_SIP-3700-unauthorized-401.pcap: INVITE scan: five 482, one refused digest, five 503', async () => {
  const caller = (port: number): string => `40.129.198.250:${port}`;
  const first = '157.147.97.20:5060';
  const second = '157.147.97.131:5060';
  const attempt = (at: string, callId: string, status: number, port: number, server: string): Brief => ({
    action: 'call-attempt', at, callId, status, client: caller(port), server, user: '200',
  });
  const expected: Brief[] = [
    // Five INVITEs (sipcli, From user 200) to 157.147.97.20:5060, each answered 482 Loop Detected ~24 ms
    // later, then ACK → five call-attempts 482 at the 482s (+0.024, +1.041, +1.937, +2.862, +4.225).
    attempt('2018-01-15T00:42:42.710661Z', 'e7a0adcb65b036bcce0655cc90649308', 482, 14803, first),
    attempt('2018-01-15T00:42:43.728071Z', 'ac4617e6d6beb1129c429ea64ba7c795', 482, 14817, first),
    attempt('2018-01-15T00:42:44.623585Z', '55d3749ea0d2c934df4332acf4f928d5', 482, 14817, first),
    attempt('2018-01-15T00:42:45.549063Z', 'ebbbe866932bf20bb77a3283654756a2', 482, 14803, first),
    attempt('2018-01-15T00:42:46.911925Z', 'ea9f896778fa5de7f49c552ab339ce71', 482, 14803, first),
    // +12042.52 to 157.147.97.131:5060: INVITE CSeq 1 (no credentials) → 401 (challenge, absorbed) → ACK
    // → INVITE CSeq 2 with Authorization username 200, realm 131.243.4.100 → 100, 403 Forbidden +12043.011877
    // → auth-failed 403.
    {
      action: 'auth-failed', at: '2018-01-15T04:03:25.698688Z', callId: '62ec4367844cc26307d29aea4ed9b3cd', status: 403,
      client: caller(14817), server: second, user: '200', realm: '131.243.4.100',
    },
    // Five more INVITE 401 ACK INVITE(credentials) → 503 Temporarily Unavailable: a 503 is not an
    // authentication status → call-attempt 503 each, at the 503 (+12044.424, +12046.195, +12047.368,
    // +12048.598, +12049.914).
    attempt('2018-01-15T04:03:27.110514Z', 'b9cdce47083949dc6f3595d3ad098343', 503, 14817, second),
    attempt('2018-01-15T04:03:28.881805Z', '33b315c9274a9c4fd384bff614cab79e', 503, 14622, second),
    attempt('2018-01-15T04:03:30.054354Z', '681e3f5a3ddfa5a41ae3adbd075859f1', 503, 14817, second),
    attempt('2018-01-15T04:03:31.284952Z', 'e05e576bd5c9cd31c67a6117fece86bf', 503, 14622, second),
    attempt('2018-01-15T04:03:32.600802Z', '2de8748f024b56c36b7907ff273d3e75', 503, 14803, second),
  ];
  assert.deepEqual(await briefs('sipattacks_SIP-3700-unauthorized-401.pcap'), expected);
});
