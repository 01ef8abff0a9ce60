/**
 * Runs the real-traffic lab's basic run (Kamailio + SIPp in a network namespace, about 45 s) and
 * checks that the new capture holds exactly the SIP messages the run's truth derived from the
 * proxy's and SIPp's own records, and that the expected events are the ones the scenarios define.
 * Two live probes run beside it: `sipsentry run` capturing the namespace's loopback with a BPF
 * filter, and `sipsentry run` receiving HEP from Kamailio's siptrace; both are stopped with SIGTERM
 * and must each have written exactly the truth's events.
 * Skipped when kamailio, sipp, tcpdump or tshark are missing or when not running as root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { countSipMessages } from '../../lab/src/check-counts.js';
import { checkAgainstTruth } from './truth-match.js';
import { compareNdjsonWithTruth } from './live-compare.js';

function missingTools(): string[] {
  const missing: string[] = [];
  for (const tool of ['kamailio', 'sipp', 'tcpdump', 'tshark', 'ip']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    if (r.status !== 0) missing.push(tool);
  }
  return missing;
}

function skipReason(): string | false {
  const missing = missingTools();
  if (missing.length > 0) return `lab tools missing: ${missing.join(', ')} (see lab/README.md)`;
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespace, tcpdump)';
  return false;
}

/** Events the basic run's scenarios define (lab/runs.sh legit_mix; the pending call is still pending at the end). */
const BASIC_EVENTS: Record<string, number> = {
  'auth-failed': 2,
  'call-attempt': 4,
  'call-end': 3,
  'call-start': 3,
  'other-failed': 2,
  'other-ok': 3,
  'reg-del': 2,
  'reg-expired': 1,
  'reg-new': 12,
};

test('live lab run "basic": capture counts equal the derived truth; replay, live capture and HEP each state exactly the truth events', { skip: skipReason(), timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'sipsentry-lab-test-'));
  try {
    const cli = `node ${join(REPO_ROOT, 'bin', 'sipsentry.js')}`;
    const probes = join(out, 'probes.txt');
    // The BPF keeps the lab's SIP ports and leaves out the HEP copies Kamailio sends from its SIP socket.
    writeFileSync(probes, [
      `${cli} run --interface lo --bpf "(udp port 5060 or tcp port 5060 or udp portrange 5070-5090) and not port 9060" --output ndjson:${join(out, 'live.ndjson')} --log-level warn`,
      `${cli} run --hep 127.0.0.99:9060 --output ndjson:${join(out, 'hep.ndjson')} --log-level warn`,
    ].join('\n') + '\n');
    execFileSync('bash', [join(REPO_ROOT, 'lab', 'run.sh'), 'basic', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 220_000,
      // Kamailio mirrors to the HEP probe; the probes run on 15 s past the traffic so the registration expiry (+30 s grace) falls due.
      env: { ...process.env, LAB_HEP: '127.0.0.99:9060', LAB_PROBES: probes, LAB_PROBE_LINGER: '15' },
    });
    const truth = JSON.parse(readFileSync(join(out, 'basic.truth.json'), 'utf8')) as {
      counts: { total: number; requests: Record<string, number>; responses: Record<string, number>; retransmissions: number; tshark_messages: number };
      events: { action: string }[];
      event_counts: Record<string, number>;
      expected_event_kinds: string[];
    };
    const got = countSipMessages(join(out, 'basic.pcap'));
    assert.equal(got.total, truth.counts.total);
    assert.equal(truth.counts.tshark_messages, truth.counts.total);
    assert.deepEqual(got.requests, truth.counts.requests);
    assert.deepEqual(got.responses, truth.counts.responses);
    // timer-driven retransmissions (slow callee, delayed MESSAGE answer) are in the capture
    assert.ok(truth.counts.retransmissions >= 4, `retransmissions: ${truth.counts.retransmissions}`);
    assert.deepEqual(truth.expected_event_kinds, Object.keys(BASIC_EVENTS).sort());
    assert.deepEqual(truth.event_counts, BASIC_EVENTS);
    assert.equal(truth.events.length, Object.values(BASIC_EVENTS).reduce((a, b) => a + b, 0));
    // and sipsentry, replaying what the real stacks just did, states exactly those events
    assert.deepEqual(await checkAgainstTruth(join(out, 'basic.pcap'), join(out, 'basic.truth.json')), []);
    // and so does the probe running live on the interface, and the one fed by Kamailio over HEP
    assert.deepEqual(await compareNdjsonWithTruth(join(out, 'live.ndjson'), join(out, 'basic.pcap'), join(out, 'basic.truth.json')), [], 'live capture');
    assert.deepEqual(await compareNdjsonWithTruth(join(out, 'hep.ndjson'), join(out, 'basic.pcap'), join(out, 'basic.truth.json')), [], 'HEP from Kamailio');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
