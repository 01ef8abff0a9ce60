/**
 * End to end against real attack tools: the lab's attack run (SIPVicious svmap, svwar and svcrack
 * from 127.0.0.66, sipsak from .65, beside legitimate SIPp phones and calls through Kamailio) with
 * `sipsentry run` capturing the namespace's loopback live and serving the APIBAN API, and a client
 * polling that API. With the scanner and enumeration rules off, the only way the attacker can be
 * listed is svcrack's password guessing: the API must list it within 2 s of the alert's threshold
 * crossing (the alert's @timestamp is the packet time of the 5th failed digest).
 * Skipped when the lab's tools are missing or when not running as root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

function skipReason(): string | false {
  for (const tool of ['kamailio', 'sipp', 'tcpdump', 'svcrack', 'sipsak', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `lab tool missing: ${tool} (see lab/README.md)`;
  }
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespace, tcpdump)';
  return false;
}

const KEY = 'lab-apiban-key';

test('live lab run "attack": svcrack → auth-guessing alert → blocklist → the APIBAN API lists the source within 2 s', { skip: skipReason(), timeout: 240_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'sipsentry-lab-attack-'));
  try {
    const cli = `node ${join(REPO_ROOT, 'bin', 'sipsentry.js')}`;
    const watch = `node ${join(REPO_ROOT, 'dist', 'test', 'lab', 'apiban-watch.js')}`;
    const probes = join(out, 'probes.txt');
    writeFileSync(probes, [
      `${cli} run --interface lo --bpf "udp port 5060 or udp portrange 5061-5090" --output ndjson:${join(out, 'live.ndjson')} --http 127.0.0.1:8099 ` +
        `-E 'apiban.keys=[${KEY}]' -E apiban.requests=100000 -E blocklist.path=${join(out, 'blocklist.db')} ` +
        `-E detect.scanner.enabled=false -E detect.enumeration.enabled=false --log-level warn`,
      `${watch} http://127.0.0.1:8099/api/${KEY}/check/127.0.0.66 http://127.0.0.1:8099/api/v1/blocklist ${join(out, 'seen.json')}`,
    ].join('\n') + '\n');
    execFileSync('bash', [join(REPO_ROOT, 'lab', 'run.sh'), 'attack', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 220_000,
      env: { ...process.env, LAB_PROBES: probes, LAB_PROBE_LINGER: '2' },
    });
    const docs = readFileSync(join(out, 'live.ndjson'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
    const alerts = docs.filter((d) => d.event?.kind === 'alert');
    const guessing = alerts.find((a) => a.event.action === 'auth-guessing-source');
    assert.ok(guessing, `no auth-guessing-source alert; alerts: ${alerts.map((a) => a.event.action).join(', ')}`);
    assert.equal(guessing.source.ip, '127.0.0.66');
    assert.equal(guessing.user.name, '1030');
    assert.equal(guessing.sip.alert.count, 5);
    // Only the attacker alerts (sipsak's own registration is authenticated; the scanner rules are off here).
    assert.deepEqual([...new Set(alerts.map((a) => a.source?.ip))].sort(), ['127.0.0.66']);
    assert.deepEqual(alerts.map((a) => a.event.action).sort(), ['auth-guessing-source', 'auth-success-after-guessing']);
    const seen = JSON.parse(readFileSync(join(out, 'seen.json'), 'utf8')) as { seenMs: number; check: { ipaddress: string[] }; entries: { entries: Array<{ ip: string; reason: string }> } };
    assert.deepEqual(seen.check.ipaddress, ['127.0.0.66']);
    // The entry names the alert that (re)listed it last: the guessing alert, or the success-after-guessing one
    // when the client polled after svcrack found the password.
    const reason = seen.entries.entries.find((e) => e.ip === '127.0.0.66')?.reason;
    assert.ok(reason === 'auth-guessing-source' || reason === 'auth-success-after-guessing', `blocklist reason ${reason}`);
    const latencyMs = seen.seenMs - Date.parse(guessing['@timestamp']);
    process.stdout.write(`# threshold crossed at ${guessing['@timestamp']}, listed by the API ${latencyMs} ms later\n`);
    assert.ok(latencyMs < 2000, `listed ${latencyMs} ms after the threshold`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
