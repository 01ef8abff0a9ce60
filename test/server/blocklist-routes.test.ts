import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counters } from '../../src/base/counters.js';
import { Blocklist } from '../../src/guard/blocklist/blocklist.js';
import { blocklistSchema } from '../../src/guard/blocklist/options.js';
import { registerBlocklistRoutes } from '../../src/server/blocklist-routes.js';

const T0 = Date.UTC(2025, 0, 1);
const AUTH = { authorization: 'Bearer t' };

async function setup(config: Record<string, unknown> = {}): Promise<{ app: FastifyInstance; list: Blocklist; clock: { ms: number } }> {
  const list = new Blocklist(blocklistSchema.parse({ path: ':memory:', ...config }), new Counters());
  const clock = { ms: T0 };
  const app = Fastify({ logger: false });
  registerBlocklistRoutes(app, { blocklist: list, now: () => clock.ms, authorised: (req) => req.headers.authorization === AUTH.authorization });
  await app.ready();
  return { app, list, clock };
}

test('manual ban, refresh, listing with ISO times, unban', async () => {
  const { app, list, clock } = await setup();
  const added = await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: { ip: '2001:DB8::1', reason: 'seen on the honeypot', ttl: '2h' } });
  assert.equal(added.statusCode, 201);
  assert.deepEqual(added.json(), {
    ip: '2001:db8::1', seq: T0, reason: 'seen on the honeypot', origin: 'manual', hits: 1,
    firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z', expires: '2025-01-01T02:00:00.000Z',
  });
  clock.ms += 1000;
  const again = await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: { ip: '2001:db8::1' } });
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().hits, 2);
  assert.equal(again.json().reason, 'manual');
  assert.equal(again.json().expires, '2025-01-08T00:00:01.000Z', 'the configured 7 days when no ttl is given');

  const listed = await app.inject({ method: 'GET', url: '/api/v1/blocklist' });
  assert.equal(listed.statusCode, 200);
  assert.deepEqual(listed.json().entries.map((e: { ip: string }) => e.ip), ['2001:db8::1']);
  assert.equal(listed.json().next, null);

  assert.deepEqual((await app.inject({ method: 'DELETE', url: '/api/v1/blocklist/2001:db8::1', headers: AUTH })).json(), { removed: '2001:db8::1' });
  const gone = await app.inject({ method: 'DELETE', url: '/api/v1/blocklist/2001:db8::1', headers: AUTH });
  assert.equal(gone.statusCode, 404);
  assert.deepEqual(gone.json(), { error: '2001:db8::1 is not listed' });
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/blocklist/nope', headers: AUTH })).statusCode, 400);
  await app.close();
  list.close();
});

test('keyset pages: after + limit, next cursor until the last page', async () => {
  const { app, list } = await setup();
  for (let i = 0; i < 5; i++) list.sight({ ip: `192.0.2.${i + 1}`, reason: 'r', origin: 'detector', nowMs: T0 + i });
  const seen: string[] = [];
  let after = 0;
  let pages = 0;
  for (;;) {
    const r = await app.inject({ method: 'GET', url: `/api/v1/blocklist?after=${after}&limit=2` });
    assert.equal(r.statusCode, 200);
    const page = r.json() as { entries: { ip: string }[]; next: number | null };
    pages++;
    seen.push(...page.entries.map((e) => e.ip));
    if (page.next === null) break;
    after = page.next;
  }
  assert.deepEqual(seen, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5']);
  assert.equal(pages, 3);
  for (const q of ['limit=0', 'limit=10001', 'after=-1', 'after=x', 'sort=ip']) {
    const r = await app.inject({ method: 'GET', url: `/api/v1/blocklist?${q}` });
    assert.equal(r.statusCode, 400, q);
    assert.equal(typeof r.json().error, 'string');
  }
  await app.close();
  list.close();
});

test('bad bodies get 400 with a message; changes need authorisation', async () => {
  const { app, list } = await setup();
  const bad = async (payload: unknown) => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: payload as object });
    assert.equal(r.statusCode, 400, JSON.stringify(payload));
    return r.json().error as string;
  };
  assert.match(await bad({ ip: 'sip.example.com' }), /^ip: not an IP address: "sip.example.com"$/);
  assert.match(await bad({}), /^ip: /);
  assert.match(await bad({ ip: '192.0.2.1', ttl: 'soon' }), /^ttl: expected a duration/);
  assert.match(await bad({ ip: '192.0.2.1', ttl: 0 }), /^ttl: /);
  assert.match(await bad({ ip: '192.0.2.1', until: 5 }), /until/);
  for (const [method, url, payload] of [
    ['POST', '/api/v1/blocklist', { ip: '192.0.2.1' }],
    ['DELETE', '/api/v1/blocklist/192.0.2.1', undefined],
    ['POST', '/api/v1/allowlist', { cidr: '10.0.0.0/8' }],
    ['DELETE', '/api/v1/allowlist/10.0.0.0%2F8', undefined],
  ] as const) {
    const r = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
    assert.equal(r.statusCode, 401, `${method} ${url}`);
    assert.deepEqual(r.json(), { error: 'missing or wrong bearer token' });
  }
  assert.equal(list.size, 0);
  await app.close();
  list.close();
});

test('allowlist: add (normalised), list, ban refused with 409, remove by encoded CIDR', async () => {
  const { app, list } = await setup({ allow: ['10.0.0.0/8'] });
  list.sight({ ip: '192.0.2.7', reason: 'r', origin: 'detector', nowMs: T0 });
  const added = await app.inject({ method: 'POST', url: '/api/v1/allowlist', headers: AUTH, payload: { cidr: '192.0.2.9/24', note: 'office' } });
  assert.equal(added.statusCode, 201);
  assert.deepEqual(added.json(), { cidr: '192.0.2.0/24', note: 'office' });
  assert.equal(list.check('192.0.2.7', T0), null, 'the covered ban is gone');
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/allowlist' })).json(), {
    allow: [{ cidr: '10.0.0.0/8', note: 'configuration' }, { cidr: '192.0.2.0/24', note: 'office' }],
  });
  const refused = await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: { ip: '192.0.2.7' } });
  assert.equal(refused.statusCode, 409);
  assert.deepEqual(refused.json(), { error: '192.0.2.7 is on the allowlist: remove it there first' });

  const badCidr = await app.inject({ method: 'POST', url: '/api/v1/allowlist', headers: AUTH, payload: { cidr: '192.0.2.0/33' } });
  assert.equal(badCidr.statusCode, 400);
  assert.match(badCidr.json().error, /^cidr: bad prefix length/);

  assert.deepEqual((await app.inject({ method: 'DELETE', url: '/api/v1/allowlist/192.0.2.0%2F24', headers: AUTH })).json(), { removed: '192.0.2.0/24' });
  const missing = await app.inject({ method: 'DELETE', url: '/api/v1/allowlist/192.0.2.0%2F24', headers: AUTH });
  assert.equal(missing.statusCode, 404);
  const fromConfig = await app.inject({ method: 'DELETE', url: '/api/v1/allowlist/10.0.0.0%2F8', headers: AUTH });
  assert.equal(fromConfig.statusCode, 409);
  assert.match(fromConfig.json().error, /comes from the configuration/);
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: { ip: '192.0.2.7' } })).statusCode, 201);
  await app.close();
  list.close();
});

test('a full blocklist answers 503', async () => {
  const { app, list } = await setup({ maxEntries: 1 });
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: { ip: '192.0.2.1' } })).statusCode, 201);
  const full = await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: AUTH, payload: { ip: '192.0.2.2' } });
  assert.equal(full.statusCode, 503);
  assert.deepEqual(full.json(), { error: 'the blocklist is full (blocklist.maxEntries)' });
  await app.close();
  list.close();
});
