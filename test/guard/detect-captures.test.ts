/**
 * Detection against real traffic: the lab captures (Kamailio + SIPp legitimate traffic, and the
 * attack run with SIPVicious and sipsak) and every public capture in ../shared/pcaps/public. Every
 * attacking source must be alerted with the rules named below, and nothing else may alert:
 * precision and recall over all captures are reported and must both be 1.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Counters } from '../../src/base/counters.js';
import { createGuard } from '../../src/guard/guard.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { REPO_ROOT } from '../helpers/paths.js';

const PUBLIC = join(REPO_ROOT, '..', 'shared', 'pcaps', 'public');

/**
 * Attacking sources per capture and the rules each must trigger. Why each is an attacker:
 * - lab attack (lab/README.md, network table): 127.0.0.66 runs svmap, svwar over 1000–1050
 *   (REGISTER without credentials: 40 × 401, 11 × 404) and svcrack against 1030 with a 6-word list
 *   whose last word is right (5 wrong digests, then a registration); 127.0.0.65 runs sipsak.
 * - BadUserAgent-sipvicious (MANIFEST): 26 OPTIONS with User-Agent friendly-scanner from 11 sources.
 * - SIP-212.32.250.134 (MANIFEST): one source probing 20 servers, 892 REGISTER (401/403 answers to
 *   its credentials) and 655 INVITEs to one Polish number behind 011/9011 prefixes, a few answered.
 * - SIP-3700-unauthorized-401 (MANIFEST): User-Agent sipcli/v1.8, INVITEs to a number with several
 *   dial-out prefixes.
 * - ndpi_gre_sip: the GRE-tunnelled OPTIONS carry User-Agent friendly-scanner.
 * Every other capture is ordinary traffic (calls, registrations, protocol samples): no alert.
 */
const ATTACKERS: Record<string, Record<string, string[]>> = {
  'lab/captures/attack.pcap': {
    '127.0.0.65': ['scanner-user-agent'],
    '127.0.0.66': ['auth-guessing-source', 'auth-success-after-guessing', 'extension-enumeration', 'scanner-user-agent'],
  },
  'sipattacks_BadUserAgent-sipvicious.pcap': Object.fromEntries(
    ['146.38.187.119', '167.39.178.73', '167.39.178.78', '171.217.27.156', '171.217.27.159', '207.236.89.0', '27.164.15.39', '27.53.138.51', '7.17.254.165', '7.17.254.188', '75.225.19.2'].map((ip) => [ip, ['scanner-user-agent']]),
  ),
  'sipattacks_SIP-212.32.250.134.pcap': {
    '206.55.185.163': ['auth-guessing-source', 'auth-success-after-guessing', 'fraud-prefix-iteration', 'scanner-sweep'],
  },
  'sipattacks_SIP-3700-unauthorized-401.pcap': { '40.129.198.250': ['fraud-prefix-iteration', 'scanner-user-agent'] },
  'ndpi_gre_sip.pcapng': { '212.83.179.0': ['scanner-user-agent'] },
};

async function alertsOf(file: string): Promise<Record<string, string[]>> {
  const counters = new Counters();
  const found = new Map<string, Set<string>>();
  const guard = createGuard({}, counters, {
    alert: (a) => {
      const key = a.sourceIp ?? '-';
      if (!found.has(key)) found.set(key, new Set());
      found.get(key)!.add(a.ruleName);
    },
  });
  await replayFiles([file], defaultReplayOptions, (e) => void guard.run(e), counters, {
    onMessage: (p, m) => guard.onMessage(p, m),
    onTick: (now) => void guard.tick(now),
  });
  return Object.fromEntries([...found].map(([ip, rules]) => [ip, [...rules].sort()]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
}

test('detection over the lab and public captures: every attacker found with the right rules, no alert on legitimate traffic', { skip: existsSync(PUBLIC) ? false : `${PUBLIC} missing`, timeout: 120_000 }, async (t) => {
  const files = [
    ...['attack', 'basic', 'tcp'].map((n) => `lab/captures/${n}.pcap`),
    ...readdirSync(PUBLIC).filter((f) => /\.pcap(ng)?$/.test(f)).sort(),
  ];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const rows: string[] = [];
  for (const f of files) {
    const path = f.startsWith('lab/') ? join(REPO_ROOT, f) : join(PUBLIC, f);
    const got = await alertsOf(path);
    const want = ATTACKERS[f] ?? {};
    for (const ip of Object.keys(got)) (ip in want ? tp++ : fp++);
    for (const ip of Object.keys(want)) if (!(ip in got)) fn++;
    rows.push(`${f}: ${Object.keys(want).length} attacker(s), ${Object.keys(got).length} alerted`);
    assert.deepEqual(got, Object.fromEntries(Object.entries(want).sort(([a], [b]) => (a < b ? -1 : 1))), f);
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  t.diagnostic(`detection over ${files.length} captures: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${tp} attackers found, ${fp} false, ${fn} missed)`);
  for (const r of rows) t.diagnostic(`  ${r}`);
  assert.equal(precision, 1);
  assert.equal(recall, 1);
});
