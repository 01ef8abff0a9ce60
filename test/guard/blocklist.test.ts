import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Counters } from '../../src/base/counters.js';
import { formatIpv6 } from '../../src/decode/ip/address.js';
import { Blocklist } from '../../src/guard/blocklist/blocklist.js';
import { CidrSet, normaliseIp, parseCidr } from '../../src/guard/blocklist/cidr.js';
import { blocklistSchema } from '../../src/guard/blocklist/options.js';
import type { BlockChange } from '../../src/guard/blocklist/types.js';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

function open(config: Record<string, unknown> = {}, counters = new Counters()): Blocklist {
  return new Blocklist(blocklistSchema.parse({ path: ':memory:', ...config }), counters);
}

function recorder(list: Blocklist): BlockChange[] {
  const seen: BlockChange[] = [];
  list.onChange((c) => seen.push(c));
  return seen;
}

const ban = (list: Blocklist, ip: string, nowMs: number, ttlS?: number) =>
  list.sight({ ip, reason: 'auth-bruteforce-source', origin: 'detector', nowMs, ...(ttlS === undefined ? {} : { ttlS }) });

test('options: defaults, durations, validated allow entries', () => {
  const o = blocklistSchema.parse({});
  assert.deepEqual(o, { enabled: true, path: 'sipsentry-blocklist.db', ttl: 604_800, maxEntries: 1_000_000, allow: [], allowUsers: [] });
  assert.equal(blocklistSchema.parse({ ttl: '7d' }).ttl, 604_800);
  assert.equal(blocklistSchema.parse({ ttl: '10m' }).ttl, 600);
  assert.deepEqual(blocklistSchema.parse({ allow: ['192.168.1.7/24', '2001:DB8::/32', '::ffff:10.0.0.1'] }).allow, ['192.168.1.0/24', '2001:db8::/32', '10.0.0.1']);
  const bad = blocklistSchema.safeParse({ allow: ['10.0.0.0/33'] });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0]!.message, /bad prefix length in "10.0.0.0\/33" \(0 to 32 for IPv4\)/);
  assert.equal(blocklistSchema.safeParse({ allow: ['pbx.example.com'] }).success, false);
  assert.equal(blocklistSchema.safeParse({ ttl: 0 }).success, false);
  assert.equal(blocklistSchema.safeParse({ maxEnties: 5 }).success, false, 'unknown keys are rejected');
});

test('addresses and prefixes: canonical text, mapped IPv4, clear errors', () => {
  assert.equal(normaliseIp('2001:DB8:0:0::1'), '2001:db8::1');
  assert.equal(normaliseIp('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(normaliseIp('::FFFF:102:304'), '1.2.3.4');
  assert.equal(normaliseIp('0:0:0:0:0:0:0:1'), '::1');
  for (const bad of ['1.2.3', '1.2.3.04', 'fe80::1%eth0', 'sip.example.com', '', ' 1.2.3.4']) {
    assert.throws(() => normaliseIp(bad), (e: unknown) => e instanceof RangeError && /not an IP address/.test(e.message), bad);
  }
  assert.equal(parseCidr('192.168.1.7/24').text, '192.168.1.0/24');
  assert.equal(parseCidr('10.0.0.1/32').text, '10.0.0.1');
  assert.equal(parseCidr('2001:db8::1/32').text, '2001:db8::/32');
  assert.equal(parseCidr('::ffff:10.0.0.0/104').text, '10.0.0.0/8');
  assert.equal(parseCidr('0.0.0.0/0').text, '0.0.0.0/0');
  assert.throws(() => parseCidr('2001:db8::/129'), /0 to 128 for IPv6/);
  assert.throws(() => parseCidr('10.0.0.0/x'), RangeError);
  assert.throws(() => parseCidr('10.0.0/8'), /not an address or CIDR/);
  const set = new CidrSet([parseCidr('10.0.0.0/8'), parseCidr('2001:db8::/32'), parseCidr('192.0.2.1')]);
  assert.ok(set.covers('10.255.0.1'));
  assert.ok(set.covers('::ffff:10.1.1.1'), 'a mapped address matches IPv4 rules');
  assert.ok(set.covers('2001:db8:ffff::1'));
  assert.ok(set.covers('192.0.2.1'));
  assert.ok(!set.covers('192.0.2.2'));
  assert.ok(!set.covers('2001:db9::1'));
  assert.ok(!new CidrSet().covers('10.0.0.1'));
});

test('IPv6 text in any spelling comes out as the decoder writes it', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 16 }), (raw, zeros) => {
      const b = Buffer.from(raw);
      b.fill(0, 0, zeros); // runs of zero groups exercise `::`
      const canonical = formatIpv6(b, 0);
      const full = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(2 * i).toString(16).toUpperCase().padStart(4, '0')).join(':');
      const expected = canonical.startsWith('::ffff:') && canonical.includes('.') ? canonical.slice(7) : canonical;
      assert.equal(normaliseIp(full), expected);
      assert.equal(normaliseIp(canonical), expected);
    }),
    { numRuns: 2000 },
  );
});

test('TTL: listed for 7 days after the last sighting, then expired', () => {
  const counters = new Counters();
  const list = open({}, counters);
  const seen = recorder(list);
  assert.equal(ban(list, '203.0.113.5', T0), 'added');
  const e = list.check('203.0.113.5', T0)!;
  assert.equal(e.expiresMs, T0 + 7 * DAY_MS);
  assert.deepEqual({ ...e, seq: 0 }, {
    ip: '203.0.113.5', seq: 0, reason: 'auth-bruteforce-source', origin: 'detector',
    firstSeenMs: T0, lastSeenMs: T0, hits: 1, expiresMs: T0 + 7 * DAY_MS,
  });
  assert.notEqual(list.check('203.0.113.5', T0 + 7 * DAY_MS - 1), null);
  assert.equal(list.check('203.0.113.5', T0 + 7 * DAY_MS), null, 'gone at its expiry time');
  assert.deepEqual(list.active(T0 + 7 * DAY_MS), []);
  assert.equal(list.size, 1, 'still stored until swept');
  assert.equal(list.expire(T0 + 7 * DAY_MS - 1), 0);
  assert.equal(list.expire(T0 + 7 * DAY_MS), 1);
  assert.equal(list.size, 0);
  assert.deepEqual(seen.map((c) => [c.type, c.type === 'remove' ? c.why : '', c.entry.ip]), [
    ['add', '', '203.0.113.5'],
    ['remove', 'expired', '203.0.113.5'],
  ]);
  assert.equal(counters.get('guard.blocklist.added'), 1);
  assert.equal(counters.get('guard.blocklist.expired'), 1);
  list.close();
});

test('a re-sighting refreshes: new seq, later expiry, one more hit', () => {
  const counters = new Counters();
  const list = open({}, counters);
  const seen = recorder(list);
  ban(list, '203.0.113.5', T0);
  ban(list, '203.0.113.6', T0 + 1);
  const first = list.check('203.0.113.5', T0)!;
  list.sight({ ip: '203.0.113.5', reason: 'scanner-user-agent', origin: 'honeypot', nowMs: T0 + 3 * DAY_MS });
  const again = list.check('203.0.113.5', T0 + 3 * DAY_MS)!;
  assert.ok(again.seq > first.seq);
  assert.equal(again.hits, 2);
  assert.equal(again.firstSeenMs, T0);
  assert.equal(again.lastSeenMs, T0 + 3 * DAY_MS);
  assert.equal(again.expiresMs, T0 + 10 * DAY_MS);
  assert.equal(again.reason, 'scanner-user-agent');
  assert.equal(again.origin, 'honeypot');
  assert.notEqual(list.check('203.0.113.5', T0 + 8 * DAY_MS), null, 'still listed past the first 7 days');
  assert.deepEqual(list.active(T0 + 3 * DAY_MS).map((e) => e.ip), ['203.0.113.6', '203.0.113.5'], 'ascending seq: the refreshed one is newest');
  assert.equal(seen.at(-1)!.type, 'refresh');
  assert.equal(counters.get('guard.blocklist.refreshed'), 1);

  // A shorter TTL never cuts an entry short; a longer one extends it.
  ban(list, '203.0.113.5', T0 + 3 * DAY_MS, 60);
  assert.equal(list.check('203.0.113.5', T0 + 3 * DAY_MS)!.expiresMs, T0 + 10 * DAY_MS);
  ban(list, '203.0.113.5', T0 + 3 * DAY_MS, 30 * 86_400);
  assert.equal(list.check('203.0.113.5', T0 + 3 * DAY_MS)!.expiresMs, T0 + 33 * DAY_MS);
  list.close();
});

test('a sighting after expiry (not yet swept) lists the address anew', () => {
  const list = open({ ttl: '1h' });
  const seen = recorder(list);
  ban(list, '198.51.100.1', T0);
  ban(list, '198.51.100.1', T0 + 2 * 3_600_000);
  const e = list.check('198.51.100.1', T0 + 2 * 3_600_000)!;
  assert.equal(e.hits, 1);
  assert.equal(e.firstSeenMs, T0 + 2 * 3_600_000);
  assert.deepEqual(seen.map((c) => c.type + (c.type === 'remove' ? `:${c.why}` : '')), ['add', 'remove:expired', 'add']);
  assert.equal(list.size, 1);
  list.close();
});

test('seq: above 100, strictly increasing, timestamp-like', () => {
  const list = open();
  ban(list, '192.0.2.1', 0);
  ban(list, '192.0.2.2', 0);
  ban(list, '192.0.2.3', T0);
  ban(list, '192.0.2.4', T0);
  ban(list, '192.0.2.5', T0 - 5000);
  const seqs = list.active(0).map((e) => e.seq);
  assert.deepEqual(seqs, [101, 102, T0, T0 + 1, T0 + 2]);
  assert.deepEqual(list.since(102, 2, T0).map((e) => e.ip), ['192.0.2.3', '192.0.2.4']);
  assert.deepEqual(list.since(0, 0, T0), []);
  list.close();
});

test('seq keeps rising across a reopen of the file, even when the list emptied and the clock went back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-blocklist-'));
  try {
    const path = join(dir, 'sub', 'blocklist.db');
    let list = open({ path });
    for (let i = 1; i <= 5; i++) ban(list, `192.0.2.${i}`, T0 + i);
    list.allow('198.51.100.0/24', 'carrier', T0);
    const highest = Math.max(...list.active(T0).map((e) => e.seq));
    list.close();

    list = open({ path });
    assert.equal(list.size, 5, 'entries persist');
    assert.deepEqual(list.allowlist(), [{ cidr: '198.51.100.0/24', note: 'carrier' }], 'runtime allow entries persist');
    assert.equal(list.sight({ ip: '198.51.100.9', reason: 'x', origin: 'detector', nowMs: T0 }), 'allowed');
    for (let i = 1; i <= 5; i++) assert.equal(list.unban(`192.0.2.${i}`, T0), true);
    list.close();

    list = open({ path });
    assert.equal(list.size, 0);
    ban(list, '192.0.2.9', 1000);
    assert.ok(list.check('192.0.2.9', 1000)!.seq > highest, 'seq after reopen exceeds every seq handed out before');
    list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('maxEntries: a new address is refused when full; refreshes still work; expiry frees room', () => {
  const counters = new Counters();
  const list = open({ maxEntries: 2, ttl: 3600 }, counters);
  assert.equal(ban(list, '192.0.2.1', T0), 'added');
  assert.equal(ban(list, '192.0.2.2', T0), 'added');
  assert.equal(ban(list, '192.0.2.3', T0), 'full', 'refused: not listed');
  assert.equal(list.check('192.0.2.3', T0), null);
  assert.equal(counters.get('guard.blocklist.full'), 1);
  assert.equal(ban(list, '192.0.2.1', T0 + 1000), 'refreshed');
  assert.equal(list.size, 2);
  // Past the expiry of 192.0.2.2 (192.0.2.1 was refreshed later): the full store sweeps first.
  assert.equal(ban(list, '192.0.2.3', T0 + 3_600_500), 'added');
  assert.deepEqual(list.active(T0 + 3_600_500).map((e) => e.ip), ['192.0.2.1', '192.0.2.3']);
  assert.equal(counters.get('guard.blocklist.full'), 1);
  list.close();
});

test('allowlist from the configuration wins for IPv4, mapped and IPv6 addresses', () => {
  const counters = new Counters();
  const list = open({ allow: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.10'] }, counters);
  const seen = recorder(list);
  assert.equal(ban(list, '10.1.2.3', T0), 'allowed');
  assert.equal(ban(list, '::ffff:10.1.2.3', T0), 'allowed');
  assert.equal(ban(list, '2001:DB8::5', T0), 'allowed');
  assert.equal(ban(list, '192.0.2.10', T0), 'allowed');
  assert.equal(ban(list, '192.0.2.11', T0), 'added');
  assert.equal(ban(list, '2001:db9::5', T0), 'added');
  assert.equal(counters.get('guard.blocklist.allowed'), 4);
  assert.equal(list.size, 2);
  assert.deepEqual(seen.map((c) => c.entry.ip), ['192.0.2.11', '2001:db9::5']);
  assert.ok(list.isAllowed('::ffff:10.9.9.9'));
  assert.ok(!list.isAllowed('11.0.0.1'));
  assert.deepEqual(list.allowlist(), [
    { cidr: '10.0.0.0/8', note: 'configuration' },
    { cidr: '2001:db8::/32', note: 'configuration' },
    { cidr: '192.0.2.10', note: 'configuration' },
  ]);
  assert.equal(list.disallow('10.0.0.0/8'), false, 'configuration entries stay');
  assert.equal(ban(list, '10.1.2.3', T0), 'allowed');
  list.close();
});

test('allowing a prefix after a ban removes what it covers (v4 and v6); disallow lists again', () => {
  const counters = new Counters();
  const list = open({}, counters);
  const seen = recorder(list);
  ban(list, '192.0.2.7', T0);
  ban(list, '192.0.2.8', T0);
  ban(list, '198.51.100.1', T0);
  ban(list, '2001:db8:1::7', T0);
  ban(list, '2001:db9::7', T0);
  list.allow('192.0.2.0/24', 'lab', T0 + 1);
  list.allow('2001:DB8::/32', 'office', T0 + 1);
  assert.deepEqual(
    seen.filter((c) => c.type === 'remove').map((c) => [c.entry.ip, c.type === 'remove' ? c.why : '']),
    [['192.0.2.7', 'allowed'], ['192.0.2.8', 'allowed'], ['2001:db8:1::7', 'allowed']],
  );
  assert.deepEqual(list.active(T0 + 1).map((e) => e.ip), ['198.51.100.1', '2001:db9::7']);
  assert.equal(counters.get('guard.blocklist.removed'), 3);
  assert.equal(ban(list, '192.0.2.7', T0 + 2), 'allowed');
  assert.deepEqual(list.allowlist(), [{ cidr: '192.0.2.0/24', note: 'lab' }, { cidr: '2001:db8::/32', note: 'office' }]);
  assert.deepEqual(list.gauges(), { 'guard.blocklist.entries': 2, 'guard.blocklist.allow': 2 });
  assert.equal(list.disallow('192.0.2.0/24'), true);
  assert.equal(list.disallow('192.0.2.0/24'), false);
  assert.equal(ban(list, '192.0.2.7', T0 + 3), 'added');
  assert.ok(list.isAllowed('2001:db8::1'));
  assert.throws(() => list.allow('192.0.2.0/40', '', T0), RangeError);
  list.close();
});

test('a new configuration allow entry drops stored entries it covers at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-blocklist-'));
  try {
    const path = join(dir, 'blocklist.db');
    let list = open({ path });
    ban(list, '192.0.2.7', T0);
    ban(list, '198.51.100.7', T0);
    list.close();
    const counters = new Counters();
    list = open({ path, allow: ['192.0.2.0/24'] }, counters);
    assert.deepEqual(list.active(T0).map((e) => e.ip), ['198.51.100.7']);
    assert.equal(counters.get('guard.blocklist.removed'), 1);
    list.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unban: emits unbanned, false when not listed', () => {
  const counters = new Counters();
  const list = open({}, counters);
  const seen = recorder(list);
  ban(list, '2001:DB8::1', T0);
  assert.equal(list.unban('2001:db8:0::1', T0 + 1), true);
  assert.equal(list.unban('2001:db8::1', T0 + 1), false);
  assert.deepEqual(seen.map((c) => c.type + (c.type === 'remove' ? `:${c.why}` : '')), ['add', 'remove:unbanned']);
  assert.equal(counters.get('guard.blocklist.removed'), 1);
  list.close();
});

test('a throwing listener neither breaks the store nor the other listeners', () => {
  const counters = new Counters();
  const list = open({}, counters);
  list.onChange(() => {
    throw new Error('firewall down');
  });
  const seen = recorder(list);
  assert.equal(ban(list, '192.0.2.1', T0), 'added');
  assert.equal(ban(list, '192.0.2.1', T0 + 1), 'refreshed');
  assert.equal(seen.length, 2);
  assert.equal(counters.get('guard.blocklist.listener_errors'), 2);
  assert.equal(list.check('192.0.2.1', T0 + 1)!.hits, 2);
  const off = list.onChange(() => seen.push({ type: 'add', entry: list.check('192.0.2.1', T0)! }));
  off();
  list.unban('192.0.2.1', T0 + 2);
  assert.equal(seen.length, 3);
  list.close();
});

test('invalid addresses are rejected with a RangeError', () => {
  const list = open();
  assert.throws(() => ban(list, 'not-an-ip', T0), RangeError);
  assert.throws(() => ban(list, '300.1.1.1', T0), RangeError);
  assert.throws(() => list.check('1.2.3', T0), RangeError);
  assert.throws(() => list.unban('', T0), RangeError);
  assert.throws(() => list.isAllowed('::g'), RangeError);
  assert.throws(() => ban(list, '192.0.2.1', T0, 0), /TTL must be a positive number/);
  assert.throws(() => ban(list, '192.0.2.1', Number.NaN), RangeError);
  assert.equal(list.size, 0);
  list.close();
});

test('allowed users', () => {
  const list = open({ allowUsers: ['monitoring', '1000'] });
  assert.ok(list.isAllowedUser('monitoring'));
  assert.ok(list.isAllowedUser('1000'));
  assert.ok(!list.isAllowedUser('Monitoring'), 'SIP user parts compare case-sensitively');
  list.close();
});

test('the configured allowlist reloaded: new prefixes release what they cover, runtime entries stay, users replaced', () => {
  const counters = new Counters();
  const list = open({ allow: ['10.0.0.0/8'], allowUsers: ['monitoring'] }, counters);
  const seen = recorder(list);
  ban(list, '192.0.2.7', T0);
  ban(list, '192.0.2.8', T0, 60); // expires before the reload
  ban(list, '198.51.100.1', T0);
  list.allow('203.0.113.0/24', 'added at runtime', T0);
  seen.length = 0;
  list.setConfigured(['192.0.2.0/24'], ['probe'], T0 + 120_000);
  assert.deepEqual(seen.map((c) => [c.type, c.entry.ip, c.type === 'remove' ? c.why : null]), [
    ['remove', '192.0.2.7', 'allowed'],
    ['remove', '192.0.2.8', 'expired'],
  ]);
  assert.ok(list.check('198.51.100.1', T0 + 120_000) !== null);
  assert.ok(list.isAllowed('192.0.2.200'));
  assert.ok(!list.isAllowed('10.1.2.3'), 'the old configured prefix is gone');
  assert.ok(list.isAllowed('203.0.113.9'), 'runtime entries stay');
  assert.deepEqual(list.allowlist().map((e) => e.cidr).sort(), ['192.0.2.0/24', '203.0.113.0/24']);
  assert.ok(list.isAllowedUser('probe') && !list.isAllowedUser('monitoring'));
  assert.equal(ban(list, '192.0.2.9', T0 + 130_000), 'allowed');
  assert.throws(() => list.setConfigured(['10.0.0.0/33'], [], T0), RangeError);
  list.close();
});
