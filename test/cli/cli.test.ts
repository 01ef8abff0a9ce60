import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, sharedPcap } from '../helpers/paths.js';

const BIN = join(REPO_ROOT, 'bin', 'sipsentry.js');

function run(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'buffer', timeout: 60_000 });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

test('messages: one JSON object per SIP message with the packet view; --all adds the non-SIP payloads', () => {
  const r = run(['messages', sharedPcap('pkts_simple_invite_scenario.pcap')]);
  assert.equal(r.code, 0);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 7);
  assert.deepEqual(lines.map((l) => l.method ?? l.status), ['INVITE', 100, 180, 200, 'ACK', 'BYE', 200]);
  const first = lines[0];
  assert.equal(first.transport, 'udp');
  assert.equal(first.encap, 'eth/ipv4/udp');
  assert.equal(first.cseq, '1 INVITE');
  assert.equal(typeof first.call_id, 'string');
  assert.equal(typeof first.via_branch, 'string');
  const all = run(['messages', '--all', sharedPcap('ndpi_http_on_sip_port.pcapng')]);
  assert.equal(all.code, 0);
  assert.deepEqual(all.out.trim().split('\n').map((l) => JSON.parse(l).kind), ['non-sip', 'non-sip']);
  assert.equal(run(['messages', sharedPcap('ndpi_http_on_sip_port.pcapng')]).out, '');
});

test('replay from standard input, events as NDJSON and a summary on stderr', () => {
  const r = run(['replay', '-'], readFileSync(sharedPcap('pkts_simple_invite_scenario.pcap')));
  assert.equal(r.code, 0);
  const docs = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(docs.map((d) => d.event.action), ['call-start', 'call-end', 'stats']);
  assert.equal(docs[2].event.kind, 'metric');
  assert.equal(docs[2].sipsentry.stats.final, true);
  assert.match(r.err, /7 SIP messages/);
});

test('exit codes: 2 for usage errors, 1 when no capture can be read, 0 with a located error for a truncated one', () => {
  assert.equal(run(['replay']).code, 2);
  assert.equal(run(['no-such-command']).code, 2);
  assert.equal(run(['replay', '--settle', 'soon', sharedPcap('pkts_cancel.pcap')]).code, 2);
  assert.equal(run(['--help']).code, 0);
  assert.equal(run(['replay', '--help']).code, 0);
  const missing = run(['replay', '/nonexistent/file.pcap']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /capture\.open_failed/);
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-cli-'));
  const whole = readFileSync(sharedPcap('pkts_simple_invite_scenario.pcap'));
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, whole.subarray(0, whole.length - 100));
  const r = run(['replay', cut]);
  assert.equal(r.code, 0);
  assert.match(r.err, /cut\.pcap: capture\.truncated_record at byte \d+/);
  assert.equal(r.out.trim().split('\n').length, 3); // everything before the damage still gives its events (+ stats)
  const junk = join(dir, 'junk.pcap');
  writeFileSync(junk, 'not a capture at all');
  const j = run(['replay', junk]);
  assert.equal(j.code, 1);
  assert.match(j.err, /capture\.unknown_format/);
});

test('replay --exclude drops a type but counts it; an unknown type is a usage error', () => {
  const r = run(['replay', '--exclude', 'call-end', sharedPcap('pkts_simple_invite_scenario.pcap')]);
  assert.equal(r.code, 0);
  const docs = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(docs.map((d) => d.event.action), ['call-start', 'stats']);
  assert.equal(docs[1].sipsentry.stats.events.excluded, 1);
  assert.equal(run(['replay', '--exclude', 'call-ended', sharedPcap('pkts_cancel.pcap')]).code, 2);
});

test('template prints the index template with every documented field mapped', () => {
  const r = run(['template']);
  assert.equal(r.code, 0);
  const t = JSON.parse(r.out);
  assert.equal(t.template.mappings.properties.client.properties.ip.type, 'ip');
  assert.equal(t.template.mappings.properties.sip.properties.call_id.type, 'keyword');
});

test('replay --stats counts frames and bytes per link type and packets per transport', () => {
  const r = run(['replay', '--stats', '-o', '/dev/null', join(REPO_ROOT, 'fixtures', 'links.pcapng')]);
  assert.equal(r.code, 0);
  const stats = JSON.parse(r.err.slice(r.err.indexOf('{')));
  assert.equal(stats['capture.frames'], 10);
  assert.deepEqual(
    [stats['capture.link.ethernet'], stats['capture.link.raw'], stats['capture.link.sll'], stats['capture.link.sll2'], stats['capture.link.ipv6']],
    [1, 3, 2, 2, 2],
  );
  assert.equal(stats['decode.packets.udp'], 10);
  assert.equal(stats['sip.messages'], 10);
});

test('replay --encrypt: the worker thread (default) and inline encryption write the same output', () => {
  const capture = join(REPO_ROOT, 'lab', 'captures', 'attack.pcap');
  const env = { ...process.env, SIPSENTRY_TEST_KEY: '5'.repeat(64) };
  const replay = (extra: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'replay', '--encrypt', 'all', '--key-env', 'SIPSENTRY_TEST_KEY', '--stats', capture, ...extra], { env, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const worker = replay([]);
  assert.equal(worker.code, 0, worker.err);
  const docs = worker.out.trim().split('\n').map((l) => JSON.parse(l));
  // Events, detector alerts and the final stats document all came back from the worker.
  assert.ok(docs.some((d) => d.event.kind === 'alert'));
  assert.ok(docs.every((d) => typeof d.sip?.key_id === 'string' || d.event.kind === 'alert'));
  assert.equal(docs.at(-1).event.action, 'stats');
  assert.deepEqual(replay(['--encrypt-thread', 'inline']), worker);
  const bad = replay(['--encrypt-thread', 'elsewhere']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /worker or inline/);
});
