/**
 * Firewall enforcement: script text, a fake nft that fails (retries, resync), file mode, and —
 * as root with ip and nft — a real nftables table in a network namespace dropping an attacker's
 * datagrams while a neighbour's pass.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counters } from '../../src/base/counters.js';
import { silentLog, type Log } from '../../src/base/log.js';
import type { BlockEntry } from '../../src/guard/blocklist/types.js';
import { NftSync, nftablesSchema, SetScripts, setAddress, timeoutFor, type NftablesOptions } from '../../src/outputs/nftables.js';
import { FakeBlocklist } from '../helpers/fake-blocklist.js';
import { memoryLog } from '../helpers/memory-log.js';
import { Blocklist } from '../../src/guard/blocklist/blocklist.js';
import { blocklistSchema } from '../../src/guard/blocklist/options.js';
import { Detection } from '../../src/guard/detect/detection.js';
import { detectSchema } from '../../src/guard/detect/options.js';
import { TrackEvent } from '../../src/track/track-event.js';

const T0 = 1_700_000_000_000;

function options(o: Record<string, unknown> = {}): NftablesOptions {
  return nftablesSchema.parse({ batchMs: 20, ...o });
}

function sync(o: Record<string, unknown>, log: Log = silentLog()) {
  const counters = new Counters();
  return { s: new NftSync(options(o), { counters, log }), counters };
}

function entry(ip: string, expiresMs: number, lastSeenMs = T0): BlockEntry {
  return { ip, seq: 101, reason: 'auth-bruteforce-source', origin: 'detector', firstSeenMs: lastSeenMs, lastSeenMs, hits: 1, expiresMs };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sipsentry-nft-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function eventually(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('options and script text', () => {
  test('defaults; file mode needs a file; names are checked', () => {
    const d = nftablesSchema.parse({});
    assert.deepEqual(
      [d.mode, d.family, d.table, d.set4, d.set6, d.createTable, d.hooks, d.dryRun, d.command, d.batchMs, d.minTimeout, d.format],
      ['set', 'inet', 'sipsentry', 'blocklist4', 'blocklist6', true, ['input', 'forward'], false, ['nft'], 200, 60, 'nft'],
    );
    assert.equal(nftablesSchema.parse({ minTimeout: '5m' }).minTimeout, 300);
    assert.equal(nftablesSchema.safeParse({ mode: 'file' }).success, false);
    assert.equal(nftablesSchema.safeParse({ mode: 'file', file: '/tmp/x.nft' }).success, true);
    assert.equal(nftablesSchema.safeParse({ table: 'a b' }).success, false);
    assert.equal(nftablesSchema.safeParse({ set4: 'x;flush ruleset' }).success, false);
    assert.equal(nftablesSchema.safeParse({ Table: 'x' }).success, false);
  });

  test('addresses: canonical text, IPv4-mapped IPv6 to the IPv4 set, anything else refused', () => {
    assert.deepEqual(setAddress('192.0.2.1'), { v: 4, addr: '192.0.2.1' });
    assert.deepEqual(setAddress('2001:DB8:0:0::1'), { v: 6, addr: '2001:db8::1' });
    assert.deepEqual(setAddress('::ffff:192.0.2.7'), { v: 4, addr: '192.0.2.7' });
    assert.deepEqual(setAddress('::ffff:c000:208'), { v: 4, addr: '192.0.2.8' });
    for (const bad of ['fe80::1%eth0', '192.0.2.1 }', '10.0.0.256', 'example.com', '', '10.0.0.0/8']) assert.equal(setAddress(bad), null, bad);
  });

  test('timeouts: what is left of the ban, at least the minimum, none for a ban without end', () => {
    assert.equal(timeoutFor(T0 + 300_000, T0, 60), 300);
    assert.equal(timeoutFor(T0 + 300_001, T0, 60), 301);
    assert.equal(timeoutFor(T0 + 5_000, T0, 60), 60);
    assert.equal(timeoutFor(T0 - 5_000, T0, 60), 60);
    assert.equal(timeoutFor(Infinity, T0, 60), null);
  });

  test('changes: bare add, delete, add with timeout; removals only touch their element', () => {
    const s = new SetScripts(options());
    const text = s.nftChanges([{ v: 4, addr: '192.0.2.1', timeoutS: 300 }, { v: 6, addr: '2001:db8::1', timeoutS: null }], [{ v: 4, addr: '192.0.2.9' }]);
    assert.equal(
      text,
      [
        'add element inet sipsentry blocklist4 { 192.0.2.1, 192.0.2.9 }',
        'delete element inet sipsentry blocklist4 { 192.0.2.1, 192.0.2.9 }',
        'add element inet sipsentry blocklist4 { 192.0.2.1 timeout 300s }',
        'add element inet sipsentry blocklist6 { 2001:db8::1 }',
        'delete element inet sipsentry blocklist6 { 2001:db8::1 }',
        'add element inet sipsentry blocklist6 { 2001:db8::1 }',
        '',
      ].join('\n'),
    );
  });

  test('full script: the table replaced in one transaction, chains for the configured hooks', () => {
    const text = new SetScripts(options({ hooks: ['input'] })).nftFull([{ v: 4, addr: '192.0.2.1', timeoutS: 60 }]);
    assert.match(text, /^add table inet sipsentry\ndelete table inet sipsentry\ntable inet sipsentry \{\n/);
    assert.match(text, /set blocklist4 \{ type ipv4_addr; flags timeout; \}/);
    assert.match(text, /chain input \{\n\s+type filter hook input priority -10; policy accept;\n\s+ip saddr @blocklist4 counter drop\n\s+ip6 saddr @blocklist6 counter drop/);
    assert.doesNotMatch(text, /forward/);
    assert.match(text, /add element inet sipsentry blocklist4 \{ 192\.0\.2\.1 timeout 60s \}\n$/);
    const own = new SetScripts(options({ createTable: false, family: 'ip' })).nftFull([]);
    assert.equal(own, 'flush set ip sipsentry blocklist4\n', 'an operator-owned table: only its sets are flushed');
  });

  test('ipset file: each set filled under a temporary name and swapped in', () => {
    const text = new SetScripts(options()).ipsetFull([
      { v: 4, addr: '192.0.2.1', timeoutS: 300 },
      { v: 6, addr: '2001:db8::1', timeoutS: null },
    ]);
    assert.deepEqual(text.trimEnd().split('\n'), [
      'create blocklist4 hash:ip family inet timeout 0 maxelem 1048576 -exist',
      'create blocklist4_tmp hash:ip family inet timeout 0 maxelem 1048576 -exist',
      'flush blocklist4_tmp',
      'add blocklist4_tmp 192.0.2.1 timeout 300 -exist',
      'swap blocklist4_tmp blocklist4',
      'destroy blocklist4_tmp',
      'create blocklist6 hash:ip family inet6 timeout 0 maxelem 1048576 -exist',
      'create blocklist6_tmp hash:ip family inet6 timeout 0 maxelem 1048576 -exist',
      'flush blocklist6_tmp',
      'add blocklist6_tmp 2001:db8::1 timeout 0 -exist',
      'swap blocklist6_tmp blocklist6',
      'destroy blocklist6_tmp',
    ]);
  });
});

describe('runs of a fake nft', () => {
  test('a failing nft is counted and retried with a full resync, never thrown', async () => {
    const { s, counters } = sync({ command: ['false'] });
    const bl = new FakeBlocklist();
    bl.sight({ ip: '192.0.2.1', reason: 'r', origin: 'detector', nowMs: T0 });
    assert.equal(await s.start(bl, T0), false);
    assert.equal(counters.get('outputs.nftables.errors'), 1);
    bl.sight({ ip: '192.0.2.2', reason: 'r', origin: 'detector', nowMs: T0 });
    await eventually(() => counters.get('outputs.nftables.errors') >= 3, 'two retries (0.5 s, then 1 s)');
    assert.equal(counters.get('outputs.nftables.applied'), 0);
    await s.close();
    assert.equal(bl.listenerCount, 0, 'close() unsubscribes');
  });

  test('after failures the retry carries everything; then changes go incrementally', async () => {
    const dir = tempDir();
    const runs = join(dir, 'runs');
    // Records each script and fails the first two runs.
    const fake = `const fs=require('fs');const n=fs.existsSync(process.argv[1])?fs.readdirSync(process.argv[1]).length:0;` +
      `fs.mkdirSync(process.argv[1],{recursive:true});fs.writeFileSync(process.argv[1]+'/'+n,fs.readFileSync(0));process.exit(n<2?1:0)`;
    const { s, counters } = sync({ command: [process.execPath, '-e', fake, runs] });
    const bl = new FakeBlocklist();
    bl.sight({ ip: '192.0.2.1', reason: 'r', origin: 'detector', nowMs: T0 });
    assert.equal(await s.start(bl, T0), false);
    bl.sight({ ip: '2001:db8::5', reason: 'r', origin: 'detector', nowMs: T0 });
    await eventually(() => counters.get('outputs.nftables.applied') === 1, 'the retry that succeeds');
    const scripts = () => readdirSync(runs).sort((a, b) => Number(a) - Number(b)).map((f) => readFileSync(join(runs, f), 'utf8'));
    const third = scripts()[2]!;
    assert.match(third, /^add table inet sipsentry\n/, 'a full resync');
    assert.match(third, /add element inet sipsentry blocklist4 \{ 192\.0\.2\.1 timeout 3[56]\d\ds \}/);
    assert.match(third, /add element inet sipsentry blocklist6 \{ 2001:db8::5 timeout 3[56]\d\ds \}/, 'the change made while failing is in it');
    assert.equal(counters.get('outputs.nftables.errors'), 2);
    bl.unban('192.0.2.1', T0);
    assert.equal(await s.flush(), true);
    assert.equal(scripts()[3], 'add element inet sipsentry blocklist4 { 192.0.2.1 }\ndelete element inet sipsentry blocklist4 { 192.0.2.1 }\n');
    assert.deepEqual(
      [counters.get('outputs.nftables.applied'), counters.get('outputs.nftables.elements_added'), counters.get('outputs.nftables.elements_removed')],
      [2, 2, 1],
    );
    await s.close();
  });

  test('changes within batchMs go into one run; a later change for the same address wins', async () => {
    const dir = tempDir();
    const out = join(dir, 'scripts');
    const fake = `require('fs').appendFileSync(process.argv[1], require('fs').readFileSync(0, 'utf8') + '--\\n')`;
    const { s, counters } = sync({ command: [process.execPath, '-e', fake, out], batchMs: 100 });
    const bl = new FakeBlocklist();
    await s.start(bl, T0);
    bl.sight({ ip: '192.0.2.1', reason: 'r', origin: 'detector', nowMs: T0 });
    bl.sight({ ip: '192.0.2.2', reason: 'r', origin: 'detector', nowMs: T0 });
    bl.unban('192.0.2.2', T0);
    bl.sight({ ip: '::ffff:192.0.2.3', reason: 'r', origin: 'detector', nowMs: T0, ttlS: 10 });
    bl.sight({ ip: 'not-an-address', reason: 'r', origin: 'manual', nowMs: T0 });
    await eventually(() => counters.get('outputs.nftables.applied') === 2, 'the batch');
    const runs = readFileSync(out, 'utf8').split('--\n');
    assert.equal(runs.length, 3);
    assert.equal(
      runs[1],
      'add element inet sipsentry blocklist4 { 192.0.2.1, 192.0.2.3, 192.0.2.2 }\n' +
        'delete element inet sipsentry blocklist4 { 192.0.2.1, 192.0.2.3, 192.0.2.2 }\n' +
        'add element inet sipsentry blocklist4 { 192.0.2.1 timeout 3600s, 192.0.2.3 timeout 60s }\n',
    );
    assert.equal(counters.get('outputs.nftables.skipped'), 1);
    await s.close();
  });

  test('dry run: the script is logged, nothing is run', async () => {
    const { log, lines } = memoryLog();
    const { s, counters } = sync({ command: ['false'], dryRun: true }, log);
    const bl = new FakeBlocklist();
    bl.sight({ ip: '192.0.2.1', reason: 'r', origin: 'detector', nowMs: T0 });
    assert.equal(await s.start(bl, T0), true);
    bl.unban('192.0.2.1', T0);
    await s.close();
    assert.equal(counters.get('outputs.nftables.errors'), 0);
    assert.equal(counters.get('outputs.nftables.applied'), 0);
    const contents = lines.filter((l) => l.msg === 'nftables: dry run, nothing applied').map((l) => l.content as string);
    assert.equal(contents.length, 2);
    assert.match(contents[0]!, /add element inet sipsentry blocklist4 \{ 192\.0\.2\.1 timeout 3[56]\d\ds \}/);
    assert.equal(contents[1], 'add element inet sipsentry blocklist4 { 192.0.2.1 }\ndelete element inet sipsentry blocklist4 { 192.0.2.1 }\n');
  });

  test('file mode: the whole file rewritten atomically, debounced', async () => {
    const dir = tempDir();
    const file = join(dir, 'sub', 'blocklist.nft');
    const { s, counters } = sync({ mode: 'file', file, command: ['false'], batchMs: 50 });
    const bl = new FakeBlocklist();
    bl.put(entry('192.0.2.1', T0 + 600_000));
    assert.equal(await s.start(bl, T0), true);
    assert.match(readFileSync(file, 'utf8'), /add element inet sipsentry blocklist4 \{ 192\.0\.2\.1 timeout 600s \}/);
    for (let i = 2; i < 6; i++) bl.sight({ ip: `192.0.2.${i}`, reason: 'r', origin: 'detector', nowMs: T0 });
    bl.unban('192.0.2.1', T0);
    await eventually(() => counters.get('outputs.nftables.applied') === 2, 'one rewrite for five changes');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /add element inet sipsentry blocklist4 \{ 192\.0\.2\.2 timeout 3600s, 192\.0\.2\.3 timeout 3600s, 192\.0\.2\.4 timeout 3600s, 192\.0\.2\.5 timeout 3600s \}/);
    assert.doesNotMatch(text, /192\.0\.2\.1\b/);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['blocklist.nft'], 'no temporary file left');
    await s.close();
    assert.equal(counters.get('outputs.nftables.errors'), 0, 'the command is not used in file mode');
  });

  test('file mode: a file that cannot be written is counted and retried', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocker'), '');
    const { s, counters } = sync({ mode: 'file', file: join(dir, 'blocker', 'x.nft') });
    assert.equal(await s.start(new FakeBlocklist(), T0), false);
    await eventually(() => counters.get('outputs.nftables.errors') >= 2, 'a retry');
    await s.close();
  });
});

/** Why the namespace tests cannot run here, or null. */
function namespaceBlocker(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nftables)';
  if (spawnSync('ip', ['-V']).status !== 0) return '`ip` (iproute2) is not installed';
  if (spawnSync('nft', ['--version']).status !== 0) return '`nft` is not installed (apt-get install nftables)';
  return null;
}

const blocker = namespaceBlocker();

function run(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

describe('nftables in a network namespace', { skip: blocker ?? false }, () => {
  const suffix = randomBytes(3).toString('hex');
  const VICTIM = `sipsv-${suffix}`;
  const ATTACKER = `sipsa-${suffix}`;
  const V_MAC = '02:77:00:00:00:01';
  const A_MAC = '02:77:00:00:00:02';
  const PORT = 5060;
  const nft = ['ip', 'netns', 'exec', VICTIM, 'nft'];
  const received = new Set<string>();
  let server: ChildProcess | null = null;
  let sender: ChildProcess | null = null;
  let tokens = 0;

  const inVictim = (...args: string[]) => run('ip', 'netns', 'exec', VICTIM, ...args);

  /** Elements of a set with their timeouts (null: none). */
  function elements(set: string, table = 'sipsentry'): Map<string, number | null> {
    const doc = JSON.parse(inVictim('nft', '-j', 'list', 'set', 'inet', table, set)) as { nftables: Array<{ set?: { elem?: unknown[] } }> };
    const out = new Map<string, number | null>();
    for (const e of doc.nftables.find((x) => x.set !== undefined)!.set!.elem ?? []) {
      if (typeof e === 'string') out.set(e, null);
      else {
        const el = (e as { elem: { val: string; timeout?: number } }).elem;
        out.set(el.val, el.timeout ?? null);
      }
    }
    return out;
  }

  /** Whether a datagram from src reaches the victim: a neighbour's datagram sent after it must arrive first. */
  async function reaches(src: string, neighbour: string): Promise<boolean> {
    const dst = src.includes(':') ? 'fd77::1' : '10.77.0.1';
    const probe = `p${++tokens}`;
    const control = `c${tokens}`;
    sender!.stdin!.write(`${src} ${dst} ${PORT} ${probe}\n${neighbour} ${dst} ${PORT} ${control}\n`);
    await eventually(() => received.has(control), `the neighbour's datagram from ${neighbour}`, 5000);
    await sleep(50);
    return received.has(probe);
  }

  before(async () => {
    run('ip', 'netns', 'add', VICTIM);
    run('ip', 'netns', 'add', ATTACKER);
    run('ip', 'link', 'add', 'vv' + suffix, 'netns', VICTIM, 'type', 'veth', 'peer', 'name', 'va' + suffix, 'netns', ATTACKER);
    const side = (ns: string, dev: string, mac: string, v4: string[], v6: string[], peerMac: string, peer4: string[], peer6: string[]) => {
      run('ip', '-n', ns, 'link', 'set', dev, 'address', mac);
      run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      run('ip', '-n', ns, 'link', 'set', dev, 'up');
      for (const a of v4) run('ip', '-n', ns, 'addr', 'add', `${a}/24`, 'dev', dev);
      for (const a of v6) run('ip', '-n', ns, 'addr', 'add', `${a}/64`, 'dev', dev, 'nodad');
      // Static neighbours: a dropped ARP or neighbour solicitation must not change what the tests see.
      for (const a of [...peer4, ...peer6]) run('ip', '-n', ns, 'neigh', 'replace', a, 'lladdr', peerMac, 'dev', dev, 'nud', 'permanent');
    };
    side(VICTIM, 'vv' + suffix, V_MAC, ['10.77.0.1'], ['fd77::1'], A_MAC, ['10.77.0.2', '10.77.0.3', '10.77.0.4'], ['fd77::2', 'fd77::3']);
    side(ATTACKER, 'va' + suffix, A_MAC, ['10.77.0.2', '10.77.0.3', '10.77.0.4'], ['fd77::2', 'fd77::3'], V_MAC, ['10.77.0.1'], ['fd77::1']);

    const serverJs = `const d=require('dgram');let n=0;for(const [t,a] of [['udp4','0.0.0.0'],['udp6','::']]){` +
      `const s=d.createSocket({type:t,ipv6Only:t==='udp6'});s.on('error',(e)=>{console.error(e.message);process.exit(1)});s.on('message',(m,r)=>process.stdout.write(r.address+' '+m+'\\n'));` +
      `s.bind(${PORT},a,()=>{if(++n===2)process.stdout.write('ready\\n')})}`;
    server = spawn('ip', ['netns', 'exec', VICTIM, process.execPath, '-e', serverJs], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: server!.stdout! }).on('line', (line) => {
        if (line === 'ready') resolve();
        else received.add(line.split(' ')[1]!);
      });
    });
    const senderJs = `const d=require('dgram');require('readline').createInterface({input:process.stdin}).on('line',(l)=>{` +
      `const [src,dst,port,tok]=l.split(' ');const s=d.createSocket(src.includes(':')?'udp6':'udp4');` +
      `s.bind(0,src,()=>s.send(tok,Number(port),dst,(e)=>{if(e)console.error(e.message);s.close()}))})`;
    sender = spawn('ip', ['netns', 'exec', ATTACKER, process.execPath, '-e', senderJs], { stdio: ['pipe', 'ignore', 'inherit'] });
    server.once('exit', (code) => assert.fail(`the UDP server in ${VICTIM} exited (${code})`));
    await Promise.race([ready, sleep(5000).then(() => assert.fail('the UDP server did not start'))]);
  });

  after(() => {
    sender?.kill();
    server?.removeAllListeners('exit');
    server?.kill();
    for (const ns of [VICTIM, ATTACKER]) spawnSync('ip', ['netns', 'del', ns]);
  });

  test('bans drop the attacker, not its neighbour; an unban lets it through again', async () => {
    const { s, counters } = sync({ command: nft });
    const bl = new FakeBlocklist();
    assert.equal(await s.start(bl, T0), true);
    assert.equal(await reaches('10.77.0.2', '10.77.0.3'), true, 'before the ban');
    assert.equal(await reaches('fd77::2', 'fd77::3'), true, 'before the ban (IPv6)');

    bl.put(entry('10.77.0.2', T0 + 300_000));
    bl.put(entry('fd77::2', T0 + 900_000));
    assert.equal(await s.flush(), true);
    assert.deepEqual([...elements('blocklist4')], [['10.77.0.2', 300]]);
    assert.deepEqual([...elements('blocklist6')], [['fd77::2', 900]]);
    assert.equal(await reaches('10.77.0.2', '10.77.0.3'), false, 'banned');
    assert.equal(await reaches('fd77::2', 'fd77::3'), false, 'banned (IPv6)');

    // A refresh lengthens the kernel timeout, which `add element` alone does not do on older kernels.
    bl.put(entry('10.77.0.2', T0 + 7_200_000));
    assert.equal(await s.flush(), true);
    assert.deepEqual([...elements('blocklist4')], [['10.77.0.2', 7200]]);

    bl.unban('10.77.0.2', T0);
    bl.unban('fd77::2', T0);
    assert.equal(await s.flush(), true);
    assert.equal(elements('blocklist4').size + elements('blocklist6').size, 0);
    assert.equal(await reaches('10.77.0.2', '10.77.0.3'), true, 'after the unban');
    assert.equal(await reaches('fd77::2', 'fd77::3'), true, 'after the unban (IPv6)');
    assert.equal(counters.get('outputs.nftables.errors'), 0);
    assert.deepEqual([counters.get('outputs.nftables.elements_added'), counters.get('outputs.nftables.elements_removed')], [3, 2]);
    await s.close();
  });

  test('removing an element the kernel no longer holds, and IPv4-mapped addresses', async () => {
    const { s, counters } = sync({ command: nft });
    const bl = new FakeBlocklist();
    await s.start(bl, T0);
    bl.sight({ ip: '::ffff:10.77.0.4', reason: 'r', origin: 'detector', nowMs: T0 });
    bl.sight({ ip: '10.77.0.2', reason: 'r', origin: 'detector', nowMs: T0 });
    assert.equal(await s.flush(), true);
    assert.deepEqual([...elements('blocklist4').keys()].sort(), ['10.77.0.2', '10.77.0.4']);
    assert.equal(await reaches('10.77.0.4', '10.77.0.3'), false);
    inVictim('nft', 'delete', 'element', 'inet', 'sipsentry', 'blocklist4', '{ 10.77.0.4 }');
    bl.unban('::ffff:10.77.0.4', T0);
    bl.unban('10.77.0.2', T0);
    assert.equal(await s.flush(), true, 'the missing element does not fail the run');
    assert.equal(elements('blocklist4').size, 0, 'the other removal in the same run was applied');
    assert.equal(counters.get('outputs.nftables.errors'), 0);
    await s.close();
  });

  test('a restart resyncs to exactly the active entries', async () => {
    const bl = new FakeBlocklist();
    bl.put(entry('10.77.0.2', T0 + 600_000));
    bl.put(entry('10.77.0.4', T0 + 600_000));
    bl.put(entry('fd77::2', T0 + 600_000));
    const first = sync({ command: nft });
    assert.equal(await first.s.start(bl, T0), true);
    await first.s.close();
    // While nothing follows the list: an entry goes, a stray element appears, the table loses its forward chain.
    bl.forget('10.77.0.4');
    bl.put(entry('fd77::3', T0 + 120_000));
    inVictim('nft', 'add', 'element', 'inet', 'sipsentry', 'blocklist4', '{ 10.77.0.9 }');
    inVictim('nft', 'delete', 'chain', 'inet', 'sipsentry', 'forward');

    const second = sync({ command: nft });
    assert.equal(await second.s.start(bl, T0 + 60_000), true);
    assert.deepEqual([...elements('blocklist4')], [['10.77.0.2', 540]]);
    assert.deepEqual([...elements('blocklist6')].sort(), [['fd77::2', 540], ['fd77::3', 60]]);
    assert.match(inVictim('nft', 'list', 'chain', 'inet', 'sipsentry', 'forward'), /hook forward priority filter - 10; policy accept;/);
    assert.equal(await reaches('10.77.0.4', '10.77.0.3'), true);
    assert.equal(await reaches('10.77.0.2', '10.77.0.3'), false);
    // SIGHUP: the same rebuild on demand.
    inVictim('nft', 'flush', 'set', 'inet', 'sipsentry', 'blocklist6');
    assert.equal(await second.s.resync(T0 + 60_000), true);
    assert.equal(elements('blocklist6').size, 2);
    await second.s.close();
  });

  test('dry run changes nothing in the kernel', async () => {
    const { log, lines } = memoryLog();
    const { s } = sync({ command: nft, dryRun: true, table: 'sipsentry_dry' }, log);
    const bl = new FakeBlocklist();
    bl.put(entry('10.77.0.2', T0 + 600_000));
    assert.equal(await s.start(bl, T0), true);
    bl.unban('10.77.0.2', T0);
    await s.close();
    assert.doesNotMatch(inVictim('nft', 'list', 'tables'), /sipsentry_dry/);
    assert.equal(lines.filter((l) => l.msg === 'nftables: dry run, nothing applied').length, 2);
  });

  test('file mode: nft accepts the script, ipset the restore file', async () => {
    const dir = tempDir();
    const bl = new FakeBlocklist();
    bl.put(entry('10.77.0.2', T0 + 600_000));
    bl.put(entry('fd77::2', Infinity));
    const nftFile = join(dir, 'blocklist.nft');
    const a = sync({ mode: 'file', file: nftFile, table: 'sipsentry_file' });
    assert.equal(await a.s.start(bl, T0), true);
    await a.s.close();
    inVictim('nft', '-c', '-f', nftFile);
    inVictim('nft', '-f', nftFile);
    assert.deepEqual([...elements('blocklist4', 'sipsentry_file')], [['10.77.0.2', 600]]);
    assert.deepEqual([...elements('blocklist6', 'sipsentry_file')], [['fd77::2', null]]);
    inVictim('nft', 'delete', 'table', 'inet', 'sipsentry_file');

    const ipsetFile = join(dir, 'blocklist.ipset');
    const b = sync({ mode: 'file', file: ipsetFile, format: 'ipset' });
    assert.equal(await b.s.start(bl, T0), true);
    await b.s.close();
    for (const line of readFileSync(ipsetFile, 'utf8').trimEnd().split('\n')) {
      assert.match(line, /^(create \w+ hash:ip family inet6? timeout 0 maxelem \d+ -exist|flush \w+|add \w+ [0-9a-f.:]+ timeout \d+ -exist|swap \w+ \w+|destroy \w+)$/, line);
    }
    if (spawnSync('ipset', ['--version']).status !== 0) return; // format checked above; loading needs the ipset tool
    for (let i = 0; i < 2; i++) inVictim('ipset', 'restore', '-f', ipsetFile); // twice: it must load over itself
    const saved = inVictim('ipset', 'save');
    assert.match(saved, /add blocklist4 10\.77\.0\.2 timeout (599|600)\b/);
    assert.match(saved, /add blocklist6 fd77::2 timeout 0\b/);
    assert.doesNotMatch(saved, /_tmp/);
  });

  test('detectors → blocklist → nftables: a password guesser is dropped, its allowlisted neighbour (same behaviour) is not', async () => {
    const counters = new Counters();
    const list = new Blocklist(blocklistSchema.parse({ path: ':memory:', allow: ['10.77.0.3/32'] }), counters);
    const alerts: string[] = [];
    const d = new Detection(detectSchema.parse({}), counters, (a, allowlisted) => alerts.push(`${a.ruleName} ${a.sourceIp} ${allowlisted}`), list);
    const a = sync({ command: nft, table: 'sipsentry_detect' });
    try {
      assert.equal(await a.s.start(list, Date.now()), true);
      for (const ip of ['10.77.0.2', '10.77.0.3']) {
        for (let i = 0; i < 5; i++) {
          const e = new TrackEvent('auth-failed', Date.now() * 1000 + i);
          e.client = { ip, port: 5060 };
          e.user = '1030';
          d.onEvent(e);
        }
      }
      assert.deepEqual(alerts, ['auth-guessing-source 10.77.0.2 false', 'auth-guessing-source 10.77.0.3 true']);
      await a.s.flush();
      assert.deepEqual([...elements('blocklist4', 'sipsentry_detect').keys()], ['10.77.0.2']);
      // Only this table may drop (an earlier test's table is gone); the allowlisted source still gets through.
      spawnSync('ip', ['netns', 'exec', VICTIM, 'nft', 'delete', 'table', 'inet', 'sipsentry']);
      assert.equal(await reaches('10.77.0.2', '10.77.0.3'), false);
      assert.equal(await reaches('10.77.0.3', '10.77.0.4'), true);
    } finally {
      await a.s.close();
      list.close();
      spawnSync('ip', ['netns', 'exec', VICTIM, 'nft', 'delete', 'table', 'inet', 'sipsentry_detect']);
    }
  });
});
