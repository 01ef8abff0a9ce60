/**
 * `sipsentry honeypot` end to end: real tools (sipsak, SIPVicious svmap and svcrack) talk to it on
 * loopback; it answers as its persona, never lets svcrack in, writes events and one alert per
 * source, and the APIBAN API it serves lists the source. Skipped without the tools.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../helpers/paths.js';
import { freePort } from '../helpers/free-port.js';

const CLI = join(REPO_ROOT, 'bin', 'sipsentry.js');
const missing = ['sipsak', 'svmap', 'svcrack'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);

test('honeypot: answers sipsak and svmap as Asterisk, never lets svcrack in, alerts once per source and feeds the APIBAN API', { skip: missing.length > 0 ? `missing: ${missing.join(', ')}` : false, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-honeypot-'));
  const [sipPort, httpPort] = [await freePort(), await freePort()];
  const out = join(dir, 'events.ndjson');
  const child = spawn(process.execPath, [CLI, 'honeypot', '--listen', `127.0.0.1:${sipPort}`, '--http', `127.0.0.1:${httpPort}`, '-o', `ndjson:${out}`,
    '-E', 'apiban.keys=[honeypot-test-key]', '-E', `blocklist.path=${join(dir, 'bl.db')}`, '-E', 'inputs.honeypot.0.maxResponsesPerSource=1000', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  try {
    const api = (path: string) => fetch(`http://127.0.0.1:${httpPort}${path}`);
    // Ready: the honeypot socket is bound (the API itself answers before that).
    for (let i = 0; i < 100; i++) {
      if ((await api('/readyz').catch(() => null))?.ok) break;
      await sleep(100);
    }
    assert.equal((await api('/api/honeypot-test-key/check/127.0.0.1')).status, 404);
    const home = mkdtempSync(join(dir, 'home-'));
    const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOME: home } });
    const sak = run('sipsak', ['-v', '-s', `sip:100@127.0.0.1:${sipPort}`]);
    assert.match(sak.stdout + sak.stderr, /200 OK/);
    const map = run('svmap', ['-p', String(sipPort), '127.0.0.1']);
    assert.match(map.stdout + map.stderr, /Asterisk PBX/);
    const crack = run('svcrack', ['-p', String(sipPort), '-u', '100', '-r', '1-20', '127.0.0.1']);
    assert.doesNotMatch(crack.stdout + crack.stderr, /\|\s*100\s*\|\s*\d+/, 'svcrack must find no password');
    await sleep(500);
    const check = await api('/api/honeypot-test-key/check/127.0.0.1');
    assert.equal(check.status, 200);
    assert.deepEqual(((await check.json()) as { ipaddress: string[] }).ipaddress, ['127.0.0.1']);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const docs = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
    const alerts = docs.filter((d) => d.event?.kind === 'alert');
    const contact = alerts.filter((a) => a.event.action === 'honeypot-contact');
    assert.ok(contact.length >= 1 && contact.length <= 4, `honeypot-contact alerts: ${contact.length} (re-alerts only when contacts double, once a minute)`);
    assert.equal(contact[0].source.ip, '127.0.0.1');
    assert.equal(contact[0].rule.category, 'honeypot');
    // The tools are recognised too, and svcrack's guesses are failed authentications, never a registration.
    assert.ok(alerts.some((a) => a.event.action === 'scanner-user-agent'));
    assert.ok(docs.some((d) => d.event?.action === 'auth-failed'));
    assert.ok(!docs.some((d) => d.event?.action === 'reg-new'), 'no registration may ever succeed');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
