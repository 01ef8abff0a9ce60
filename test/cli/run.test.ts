/**
 * `sipsentry run` as a process: HEP received over UDP and TCP (garbage and truncated packets
 * included), SIGTERM shutdown, SIGHUP reload of exclusions, the HTTP API, and configuration errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../helpers/paths.js';
import { freePort } from '../helpers/free-port.js';
import { hep3 } from '../helpers/packet-builder.js';
import { parseKeyText } from '../../src/privacy/keys.js';

const CLI = join(REPO_ROOT, 'bin', 'sipsentry.js');

function sip(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n');
}

/** An OPTIONS transaction (request and its 200) from 10.0.0.<host> with its own Call-ID: one other-ok. */
function optionsPair(host: number, callId: string, tsSec: number, authKey?: string, userAgent?: string): Buffer[] {
  const from = `10.0.0.${host}`;
  const common = [`Via: SIP/2.0/UDP ${from}:5060;branch=z9hG4bK-${callId}`, `From: <sip:ping@${from}>;tag=f${host}`, `To: <sip:srv@10.0.0.1>`, `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0'];
  const req = sip(['OPTIONS sip:srv@10.0.0.1 SIP/2.0', ...common.slice(0, 5), ...(userAgent === undefined ? [] : [`User-Agent: ${userAgent}`]), common[5]!]);
  const res = sip(['SIP/2.0 200 OK', ...common.slice(0, 2), 'To: <sip:srv@10.0.0.1>;tag=t1', ...common.slice(3)]);
  const base = { protocol: 17, captureId: 7, ...(authKey === undefined ? {} : { authKey }) };
  return [
    hep3({ ...base, srcIp: from, dstIp: '10.0.0.1', srcPort: 5060, dstPort: 5060, tsSec, tsUsec: 0, payload: req }),
    hep3({ ...base, srcIp: '10.0.0.1', dstIp: from, srcPort: 5060, dstPort: 5060, tsSec, tsUsec: 20_000, payload: res }),
  ];
}

const children = new Set<ChildProcess>();
// A failed assertion must not leave a probe running (the test process would never end).
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function start(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function sendUdp(port: number, packets: Buffer[]): Promise<void> {
  const s = createSocket('udp4');
  for (const p of packets) await new Promise<void>((resolve, reject) => s.send(p, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  s.close();
}

async function sendTcp(port: number, data: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.end(data));
    c.on('error', reject);
    c.on('close', () => resolve());
  });
}

function docs(file: string): Array<Record<string, any>> {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

const nowSec = () => Math.floor(Date.now() / 1000);

test('run: HEP over UDP and TCP with garbage and truncated packets; survives, states the good ones, SIGTERM exits 0 with a final stats document', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-run-'));
  try {
    const port = await freePort();
    const out = join(dir, 'events.ndjson');
    const p = start(['--hep', `127.0.0.1:${port}`, '--output', `ndjson:${out}`, '-E', `spool.dir=${join(dir, 'spool')}`]);
    await waitFor('HEP listener', () => p.stderr().includes('HEP listener started'));
    const t = nowSec();
    const good = optionsPair(1, 'udp-1', t);
    // UDP: garbage, a HEP3 header whose length lies, a truncated packet, then a good transaction.
    await sendUdp(port, [Buffer.from('hello, not HEP'), Buffer.from('HEP3\x00\x10abc', 'latin1'), good[0]!.subarray(0, 30), ...good]);
    // TCP: a good transaction split at an awkward place, then a connection that sends garbage.
    const tcpGood = Buffer.concat(optionsPair(2, 'tcp-1', t));
    await sendTcp(port, tcpGood);
    await sendTcp(port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    // a connection that ends in the middle of a packet
    await sendTcp(port, optionsPair(3, 'tcp-cut', t)[0]!.subarray(0, 40));
    await sleep(500);
    assert.equal(p.child.exitCode, null, 'still running');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    const all = docs(out);
    const events = all.filter((d) => d.event.kind === 'event');
    assert.deepEqual(events.map((d) => [d.event.action, d.sip.call_id, d.client.ip]).sort(), [['other-ok', 'tcp-1', '10.0.0.2'], ['other-ok', 'udp-1', '10.0.0.1']]);
    assert.equal(events[0].sip.encap, 'hep3/ipv4/udp');
    const stats = all.at(-1)!;
    assert.equal(stats.event.action, 'stats');
    const c = stats.sipsentry.stats.counters;
    assert.ok(c.decode.hep.malformed >= 3, JSON.stringify(c.decode.hep));
    assert.equal(c.capture.hep.tcp_garbage, 1);
    assert.equal(c.capture.hep.tcp_truncated, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: SIGHUP reloads event-type exclusions, detector settings and the allowlist from the configuration file without losing state, warns about settings that need a restart; the HTTP API changes exclusions at runtime', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-run-'));
  try {
    const port = await freePort();
    const httpPort = await freePort();
    const out = join(dir, 'events.ndjson');
    const cfg = join(dir, 'sipsentry.yml');
    const write = (exclude: string[], allow: string[] = [], detect = '', hep = '') =>
      writeFileSync(
        cfg,
        `inputs:\n  hep:\n    - listen: 127.0.0.1:${port}${hep}\nevents:\n  exclude: [${exclude.join(', ')}]\noutputs:\n  ndjson: { path: ${out} }\nspool: { dir: ${join(dir, 'spool')} }\n` +
          `blocklist:\n  path: ${join(dir, 'blocklist.db')}\n  allow: [${allow.join(', ')}]\nhttp:\n  listen: 127.0.0.1:${httpPort}\n  token: test-token-0123456789\n${detect}`,
      );
    write([]);
    const p = start(['--config', cfg]);
    // The HTTP API starts before the inputs: wait for the HEP listener too, or the first packet can precede its bind.
    await waitFor('HTTP API and HEP listener', () => p.stderr().includes('HTTP API listening') && p.stderr().includes('HEP listener started'));
    const t = nowSec();
    // A prober no signature knows yet: no alert before the reload.
    await sendUdp(port, optionsPair(1, 'before-hup', t, undefined, 'acme-prober 2.1'));
    await sleep(300);
    const api = `http://127.0.0.1:${httpPort}`;
    // A wrongly blocked address, released by the allowlist of the reloaded file.
    const banned = await fetch(`${api}/api/v1/blocklist`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer test-token-0123456789' }, body: JSON.stringify({ ip: '192.0.2.77', reason: 'manual' }) });
    assert.equal(banned.status, 201, await banned.text());
    // The operator adds its signature (review only), shortens a tracker timer (reloaded), and asks for
    // bigger detector tables, a HEP buffer and another SIP port (settings only a restart applies).
    write(
      ['other-ok'], ['192.0.2.0/24'],
      'detect:\n  maxSources: 1000\n  scanner:\n    userAgents: [{ match: acme-prober, tool: acme, severity: medium }]\ntrack:\n  keepaliveWindow: 1m\ndecode:\n  sipPorts: [5060, 5070]\n',
      '\n      recvBuffer: 1MiB',
    );
    p.child.kill('SIGHUP');
    await waitFor('reload', () => p.stderr().includes('configuration reloaded'));
    assert.match(p.stderr(), /"settings":\["detect\.maxSources","inputs\.hep","decode\.sipPorts"\],"msg":"SIGHUP: these changed settings apply after a restart/);
    await sendUdp(port, optionsPair(2, 'after-hup', t + 1, undefined, 'acme-prober 2.1'));
    await sleep(300);
    const allow = (await (await fetch(`${api}/api/v1/allowlist`)).json()) as { allow: Array<{ cidr: string }> };
    assert.deepEqual(allow.allow.map((e) => e.cidr), ['192.0.2.0/24']);
    const listed = (await (await fetch(`${api}/api/v1/blocklist`)).json()) as { entries: unknown[] };
    assert.deepEqual(listed.entries, []);
    assert.deepEqual(await (await fetch(`${api}/api/v1/exclusions`)).json(), { exclude: ['other-ok'] });
    // changes need the token
    const denied = await fetch(`${api}/api/v1/exclusions`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ exclude: [] }) });
    assert.equal(denied.status, 401);
    const bad = await fetch(`${api}/api/v1/exclusions`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: 'Bearer test-token-0123456789' }, body: JSON.stringify({ exclude: ['nonsense'] }) });
    assert.equal(bad.status, 400);
    const ok = await fetch(`${api}/api/v1/exclusions`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: 'Bearer test-token-0123456789' }, body: JSON.stringify({ exclude: [] }) });
    assert.deepEqual(await ok.json(), { exclude: [] });
    await sendUdp(port, optionsPair(3, 'after-api', t + 2));
    await sleep(300);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    assert.match(metrics, /sipsentry_events_total\{disposition="excluded",type="other-ok"\} 1/);
    assert.match(metrics, /sipsentry_process_resident_memory_bytes/);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    const all = docs(out);
    const events = all.filter((d) => d.event.kind === 'event');
    assert.deepEqual(events.map((d) => d.sip.call_id), ['before-hup', 'after-api']);
    // The new signature holds from the reload on, for the prober at 10.0.0.2 only.
    const alerts = all.filter((d) => d.event.kind === 'alert');
    assert.deepEqual(alerts.map((d) => [d.rule.name, d.source.ip]), [['scanner-user-agent', '10.0.0.2']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: SIGHUP with a new key file rotates field encryption from the next event on; a key that cannot be read changes nothing', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-run-'));
  try {
    const port = await freePort();
    const out = join(dir, 'events.ndjson');
    const keyFile = join(dir, 'key');
    const hexA = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex');
    const hexB = 'b5'.repeat(32);
    const [idA, idB] = [parseKeyText(hexA, 'a').id, parseKeyText(hexB, 'b').id];
    writeFileSync(keyFile, hexA + '\n', { mode: 0o600 });
    const cfg = join(dir, 'sipsentry.yml');
    writeFileSync(cfg, `inputs:\n  hep:\n    - listen: 127.0.0.1:${port}\noutputs:\n  ndjson: { path: ${out} }\nspool: { dir: ${join(dir, 'spool')} }\nhttp: { listen: null }\nprivacy:\n  encrypt: all\n  keyFile: ${keyFile}\n`);
    const p = start(['--config', cfg]);
    await waitFor('HEP listener', () => p.stderr().includes('HEP listener started'));
    const t = nowSec();
    await sendUdp(port, optionsPair(1, 'under-key-a', t));
    await sleep(300);
    // The operator puts a new key first in the file (the old one stays to read old events).
    writeFileSync(keyFile, `${hexB}\n${hexA}\n`);
    p.child.kill('SIGHUP');
    await waitFor('rotation', () => p.stderr().includes('configuration reloaded'));
    assert.match(p.stderr(), new RegExp(`"from":"${idA}","to":"${idB}","msg":"privacy: key rotated`));
    await sendUdp(port, optionsPair(2, 'under-key-b', t + 1));
    await sleep(300);
    // A key file that cannot be read: logged, nothing changes.
    writeFileSync(keyFile, 'not a key\n');
    p.child.kill('SIGHUP');
    await waitFor('refused reload', () => p.stderr().includes('SIGHUP: configuration not reloaded'));
    await sendUdp(port, optionsPair(3, 'still-key-b', t + 2));
    await sleep(300);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    const events = docs(out).filter((d) => d.event.kind === 'event');
    assert.deepEqual(events.map((d) => String(d.sip.key_id).split('/')[0]), [idA, idB, idB]);
    // Call-IDs are ciphertext: none of the plaintext ones shows.
    assert.doesNotMatch(readFileSync(out, 'utf8'), /under-key|still-key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: HEP auth key: packets without the key are dropped and counted', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-run-'));
  try {
    const port = await freePort();
    const out = join(dir, 'events.ndjson');
    const p = start(['--hep', `127.0.0.1:${port}`, '--output', `ndjson:${out}`, '-E', 'decode.hepAuthKey=s3cret', '-E', `spool.dir=${join(dir, 'spool')}`]);
    await waitFor('HEP listener', () => p.stderr().includes('HEP listener started'));
    const t = nowSec();
    await sendUdp(port, [...optionsPair(1, 'no-key', t), ...optionsPair(2, 'wrong-key', t, 'guess'), ...optionsPair(3, 'keyed', t, 's3cret')]);
    await sleep(300);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    const all = docs(out);
    assert.deepEqual(all.filter((d) => d.event.kind === 'event').map((d) => d.sip.call_id), ['keyed']);
    assert.equal(all.at(-1)!.sipsentry.stats.counters.decode.hep.auth_failed, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: configuration mistakes are reported with key and line, exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-run-'));
  try {
    const cfg = join(dir, 'bad.yml');
    writeFileSync(cfg, 'inputs:\n  hep:\n    - listen: nowhere\ntrack:\n  callTimeout: soon\n  maxCallz: 3\noutputs:\n  mystery: {}\n');
    const r = spawnSync(process.execPath, [CLI, 'run', '--config', cfg, '-E', 'stats.interval=-5'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: inputs\\.hep\\.0\\.listen: expected HOST:PORT`));
    assert.match(r.stderr, /bad\.yml:5:\d+: track\.callTimeout: expected a duration/);
    assert.match(r.stderr, /bad\.yml:6:\d+: track\.maxCallz: unknown setting/);
    assert.match(r.stderr, /bad\.yml:8:\d+: outputs\.mystery: unknown output kind "mystery"/);
    assert.match(r.stderr, /-E stats\.interval=-5: stats\.interval: expected a duration/);
    const yaml = join(dir, 'broken.yml');
    writeFileSync(yaml, 'inputs: [unclosed\n');
    const r2 = spawnSync(process.execPath, [CLI, 'run', '--config', yaml], { encoding: 'utf8' });
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /broken\.yml:\d+:\d+: /);
    const r3 = spawnSync(process.execPath, [CLI, 'run', '--config', join(dir, 'missing.yml')], { encoding: 'utf8' });
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /cannot read the configuration/);
    const r4 = spawnSync(process.execPath, [CLI, 'run', '--interface', 'lo', '--bpf', 'udp por 5060', '--output', 'ndjson:-', '-E', `spool.dir=${join(dir, 'spool')}`], { encoding: 'utf8' });
    assert.equal(r4.status, 2, r4.stderr);
    assert.match(r4.stderr, /filter|permission|Operation not permitted/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
