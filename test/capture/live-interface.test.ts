/**
 * Live capture on real interfaces in a network namespace made for the test: two interfaces at
 * once, SIP sent over them is stated, and an interface that disappears and comes back is reopened
 * (logged) while the probe keeps running. Needs root and iproute2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'bin', 'sipsentry.js');

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network namespace)';
  if (spawnSync('sh', ['-c', 'command -v ip'], { stdio: 'ignore' }).status !== 0) return 'iproute2 missing';
  return false;
}

test('live capture: two interfaces at once, and an interface that goes away and comes back is reopened', { skip: skipReason(), timeout: 90_000 }, async () => {
  const ns = `sipsentry-live-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-live-'));
  const peer = `${ns}-peer`;
  const nsx = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...args], { stdio: 'ignore' });
  const peerx = (...args: string[]) => execFileSync('ip', ['netns', 'exec', peer, ...args], { stdio: 'ignore' });
  // veth pairs between the probe's namespace and a sender's: what the sender sends crosses the captured end.
  const makeLink = (n: number) => {
    nsx('ip', 'link', 'add', `cap${n}`, 'type', 'veth', 'peer', 'name', `snd${n}`, 'netns', peer);
    peerx('ip', 'addr', 'add', `10.9.${n}.1/24`, 'dev', `snd${n}`);
    nsx('ip', 'addr', 'add', `10.9.${n}.2/24`, 'dev', `cap${n}`);
    peerx('ip', 'link', 'set', `snd${n}`, 'up');
    nsx('ip', 'link', 'set', `cap${n}`, 'up');
  };
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['netns', 'add', peer]);
  let probe: ReturnType<typeof spawn> | null = null;
  try {
    nsx('ip', 'link', 'set', 'lo', 'up');
    makeLink(1);
    makeLink(2);
    const out = join(dir, 'events.ndjson');
    probe = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'run', '-i', 'cap1', '-i', 'cap2', '--bpf', 'udp port 5060', '--output', `ndjson:${out}`, '-E', `spool.dir=${join(dir, 'spool')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    probe.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => probe!.on('exit', resolve));
    const waitLog = async (what: RegExp, ms = 20_000) => {
      const until = Date.now() + ms;
      while (!what.test(log)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${log}`);
        await sleep(100);
      }
    };
    await waitLog(/"interface":"cap2".*"msg":"capturing"|"msg":"capturing".*cap2/);
    await waitLog(/"msg":"running"/);
    // An OPTIONS and its 200 on each link (sent with a Node UDP socket bound to the sender end).
    const send = (n: number, tag: string) => {
      const script = `
        const d = require('node:dgram').createSocket('udp4');
        const h = (first, to) => first + '\\r\\nVia: SIP/2.0/UDP 10.9.${n}.1:5060;branch=z9hG4bK${tag}\\r\\nFrom: <sip:${tag}@10.9.${n}.1>;tag=a\\r\\nTo: <sip:b@10.9.${n}.2>' + to + '\\r\\nCall-ID: ${tag}\\r\\nCSeq: 1 OPTIONS\\r\\nContent-Length: 0\\r\\n\\r\\n';
        d.bind(5060, '10.9.${n}.1', () => {
          d.send(h('OPTIONS sip:b@10.9.${n}.2 SIP/2.0', ''), 5060, '10.9.${n}.2', () =>
            d.send(h('SIP/2.0 200 OK', ';tag=b'), 5060, '10.9.${n}.2', () => d.close()));
        });`;
      peerx(process.execPath, '-e', script);
    };
    send(1, 'on-cap1');
    send(2, 'on-cap2');
    await sleep(500);
    // cap1 goes away: the probe notices, logs, retries with back-off, and carries on with cap2.
    nsx('ip', 'link', 'del', 'cap1');
    await waitLog(/"interface":"cap1".*capture lost; retrying/);
    send(2, 'cap2-while-cap1-down');
    await sleep(1500);
    makeLink(1);
    await waitLog(/"interface":"cap1".*"msg":"capture resumed"/, 30_000);
    send(1, 'cap1-after-return');
    await sleep(1000);
    probe.kill('SIGTERM');
    assert.equal(await exited, 0, log);
    const docs = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    const ids = docs.filter((d) => d.event.kind === 'event').map((d) => `${d.event.action} ${d.sip.call_id}`).sort();
    assert.deepEqual(ids, ['other-ok cap1-after-return', 'other-ok cap2-while-cap1-down', 'other-ok on-cap1', 'other-ok on-cap2']);
    const live = docs.at(-1).sipsentry.stats.counters.capture.live;
    assert.equal(live.cap1.opened, 2);
    assert.equal(live.cap1.failures, 1);
    assert.equal(live.cap2.opened, 1);
  } finally {
    if (probe !== null && probe.exitCode === null) probe.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['netns', 'del', peer]);
    rmSync(dir, { recursive: true, force: true });
  }
});
