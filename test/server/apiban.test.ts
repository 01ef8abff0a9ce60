import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { Blocklist } from '../../src/guard/blocklist/blocklist.js';
import { blocklistSchema } from '../../src/guard/blocklist/options.js';
import type { Probe } from '../../src/pipeline/probe.js';
import { registerApiban, type ApibanOptions } from '../../src/server/apiban.js';
import { startHttpServer } from '../../src/server/http-server.js';

const KEY = 'a1b2c3d4e5';
const T0 = Date.UTC(2025, 0, 1);
const NO_NEW_BANS = { ipaddress: ['no new bans'], ID: 'none' };
const NOT_BLOCKED = { ipaddress: ['not blocked'], ID: 'none' };
const UNAUTHORIZED = { ipaddress: 'none', ID: 'unauthorized' };
const RATE_LIMITED = { ipaddress: 'rate limit exceeded', ID: 'unauthorized' };
const JSON_TYPE = 'application/json; charset=utf-8';
const ROOMY = { requests: 1000, perS: 1 };

function newList(): Blocklist {
  return new Blocklist(blocklistSchema.parse({ path: ':memory:' }), new Counters());
}

/** 600 addresses sighted one millisecond apart, in this order. */
function seed(list: Blocklist, n = 600): string[] {
  const ips: string[] = [];
  for (let i = 0; i < n; i++) {
    const ip = i % 3 === 2 ? `2001:db8::${(i + 1).toString(16)}` : `198.51.${100 + (i >> 8)}.${i & 255}`;
    list.sight({ ip, reason: 'auth-bruteforce-source', origin: 'detector', nowMs: T0 + i });
    ips.push(ip);
  }
  return ips;
}

interface Clock {
  ms: number;
}

async function server(list: Blocklist, extra: Partial<ApibanOptions> = {}, clock: Clock = { ms: T0 + 1000 }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerApiban(app, { blocklist: list, keys: [KEY], rate: ROOMY, now: () => clock.ms, ...extra });
  await app.ready();
  return app;
}

async function get(app: FastifyInstance, url: string): Promise<{ status: number; body: unknown; type: string }> {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: String(r.headers['content-type']).startsWith('application/json') ? r.json() : r.body, type: String(r.headers['content-type']) };
}

test('palner Go client: from ID 100, follow ID until "none" — all 600 once, in order', async () => {
  const list = newList();
  const ips = seed(list);
  const app = await server(list);
  const got: string[] = [];
  let id = '100';
  let requests = 0;
  for (;;) {
    const r = await get(app, `/api/${KEY}/banned/${id}`);
    requests++;
    const body = r.body as { ipaddress: string[]; ID: string };
    assert.equal(r.type, JSON_TYPE);
    if (body.ID === 'none') {
      assert.equal(r.status, 400);
      assert.deepEqual(body, NO_NEW_BANS);
      break;
    }
    assert.equal(r.status, 200);
    got.push(...body.ipaddress);
    assert.equal(body.ID, String(list.check(body.ipaddress.at(-1)!, T0)!.seq), 'ID is the seq of the last address returned');
    id = body.ID;
  }
  assert.equal(requests, 4);
  assert.deepEqual(got, ips);
  // The stored LKID keeps working: nothing newer yet, then exactly the next sighting.
  assert.deepEqual((await get(app, `/api/${KEY}/banned/${id}`)).body, NO_NEW_BANS);
  list.sight({ ip: '203.0.113.99', reason: 'scanner', origin: 'honeypot', nowMs: T0 + 5000 });
  assert.deepEqual((await get(app, `/api/${KEY}/banned/${id}`)).body, { ipaddress: ['203.0.113.99'], ID: String(T0 + 5000) });
  await app.close();
  list.close();
});

test('OpenSIPS example: loop until a batch is shorter than 250 or the status is not 200', async () => {
  const list = newList();
  const ips = seed(list);
  const app = await server(list);
  const got: string[] = [];
  const sizes: number[] = [];
  let id: string | null = null;
  for (;;) {
    const r = await get(app, id === null ? `/api/${KEY}/banned` : `/api/${KEY}/banned/${id}`);
    if (r.status !== 200) break;
    const body = r.body as { ipaddress: string[]; ID: string };
    got.push(...body.ipaddress);
    sizes.push(body.ipaddress.length);
    id = body.ID;
    if (body.ipaddress.length < 250) break;
  }
  assert.deepEqual(sizes, [250, 250, 100]);
  assert.deepEqual(got, ips);

  // Exactly 500: the third call is the 400 sentinel, which also ends the loop.
  const list500 = newList();
  seed(list500, 500);
  const app500 = await server(list500);
  const statuses: number[] = [];
  id = null;
  for (;;) {
    const r = await get(app500, id === null ? `/api/${KEY}/banned` : `/api/${KEY}/banned/${id}`);
    statuses.push(r.status);
    if (r.status !== 200) break;
    id = (r.body as { ID: string }).ID;
  }
  assert.deepEqual(statuses, [200, 200, 400]);
  await app.close();
  await app500.close();
  list.close();
  list500.close();
});

test('Kamailio example: one batch per tick, stored ID; a re-sighting comes back in the next batch', async () => {
  const list = newList();
  const ips = seed(list);
  const clock = { ms: T0 + 1000 };
  const app = await server(list, {}, clock);
  const htable = new Set<string>();
  let apibanctl = '100';
  const tick = async (): Promise<number> => {
    const r = await get(app, `/api/${KEY}/banned/${apibanctl}`);
    if (r.status === 200) {
      const body = r.body as { ipaddress: string[]; ID: string };
      for (const ip of body.ipaddress) htable.add(ip);
      apibanctl = body.ID;
    }
    clock.ms += 300_000;
    return r.status;
  };
  assert.deepEqual([await tick(), await tick(), await tick(), await tick()], [200, 200, 200, 400]);
  assert.equal(htable.size, 600);
  list.sight({ ip: ips[0]!, reason: 'auth-bruteforce-source', origin: 'detector', nowMs: clock.ms });
  const r = await get(app, `/api/${KEY}/banned/${apibanctl}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ipaddress: [ips[0]], ID: String(clock.ms) });
  await app.close();
  list.close();
});

test('ID ≤ 100, missing or non-numeric reads from the start; expired entries are not served', async () => {
  const list = newList();
  const ips = seed(list, 3);
  const app = await server(list);
  const all = { ipaddress: ips, ID: String(T0 + 2) };
  for (const url of [`/api/${KEY}/banned`, `/api/${KEY}/banned/0`, `/api/${KEY}/banned/100`, `/api/${KEY}/banned/abc`]) {
    assert.deepEqual((await get(app, url)).body, all, url);
  }
  assert.deepEqual((await get(app, `/api/${KEY}/banned/${T0}`)).body, { ipaddress: ips.slice(1), ID: String(T0 + 2) });
  await app.close();

  const later = await server(list, {}, { ms: T0 + 8 * 86_400_000 });
  assert.deepEqual((await get(later, `/api/${KEY}/banned/100`)), { status: 400, body: NO_NEW_BANS, type: JSON_TYPE });
  await later.close();
  list.close();
});

test('check: found, not blocked (404), malformed (400 {})', async () => {
  const list = newList();
  list.sight({ ip: '1.2.3.4', reason: 'r', origin: 'detector', nowMs: T0 });
  list.sight({ ip: '2001:db8::7', reason: 'r', origin: 'detector', nowMs: T0 + 1 });
  const app = await server(list);
  assert.deepEqual(await get(app, `/api/${KEY}/check/1.2.3.4`), { status: 200, body: { ipaddress: ['1.2.3.4'], ID: String(T0) }, type: JSON_TYPE });
  assert.deepEqual((await get(app, `/api/${KEY}/check/::ffff:1.2.3.4`)).body, { ipaddress: ['1.2.3.4'], ID: String(T0) });
  assert.deepEqual((await get(app, `/api/${KEY}/check/2001:DB8:0::7`)).body, { ipaddress: ['2001:db8::7'], ID: String(T0 + 1) });
  assert.deepEqual(await get(app, `/api/${KEY}/check/1.2.3.5`), { status: 404, body: NOT_BLOCKED, type: JSON_TYPE });
  assert.deepEqual(await get(app, `/api/${KEY}/check/sip.example.com`), { status: 400, body: {}, type: JSON_TYPE });
  assert.deepEqual(await get(app, `/api/${KEY}/check/1.2.3.256`), { status: 400, body: {}, type: JSON_TYPE });
  await app.close();
  list.close();
});

test('a bad key gets 403 with the apiban.org body on every route', async () => {
  const list = newList();
  seed(list, 3);
  const app = await server(list);
  for (const url of ['/api/wrong/banned', '/api/wrong/banned/100', '/api/wrong/check/1.2.3.4', '/ipset/wrong/list', `/api/${KEY}x/banned`]) {
    assert.deepEqual(await get(app, url), { status: 403, body: UNAUTHORIZED, type: JSON_TYPE }, url);
  }
  for (const authorization of [undefined, 'Bearer wrong', `Basic ${KEY}`]) {
    for (const url of ['/api/get', '/api/check']) {
      const r = await app.inject({ method: 'POST', url, headers: authorization === undefined ? {} : { authorization }, payload: { set: 'sip', id: '100', ipaddress: '1.2.3.4' } });
      assert.equal(r.statusCode, 403, `${url} ${authorization}`);
      assert.deepEqual(r.json(), UNAUTHORIZED);
    }
  }
  const none = await server(list, { keys: [] });
  assert.equal((await get(none, '/api//banned')).status, 403);
  assert.equal((await get(none, `/api/${KEY}/banned`)).status, 403);
  await none.close();
  await app.close();
  list.close();
});

test('rate limit: 11 requests per 120 s per key, then 429 with the apiban.org body', async () => {
  const list = newList();
  seed(list, 3);
  const clock = { ms: T0 };
  const app = await server(list, { keys: [KEY, 'other'], rate: { requests: 11, perS: 120 } }, clock);
  for (let i = 0; i < 11; i++) {
    clock.ms += 1000;
    assert.equal((await get(app, `/api/${KEY}/banned/100`)).status, 200, `request ${i + 1}`);
  }
  const r = await app.inject({ method: 'GET', url: `/api/${KEY}/check/1.2.3.4` });
  assert.equal(r.statusCode, 429);
  assert.deepEqual(r.json(), RATE_LIMITED);
  assert.ok(Number(r.headers['retry-after']) >= 1);
  const v2 = await app.inject({ method: 'POST', url: '/api/get', headers: { authorization: `Bearer ${KEY}` }, payload: { set: 'sip', id: '100' } });
  assert.equal(v2.statusCode, 429, 'v1 and v2 share the key’s budget');
  assert.equal((await get(app, '/api/other/banned')).status, 200, 'another key has its own budget');
  assert.equal((await get(app, '/api/wrong/banned')).status, 403, 'a bad key is refused before any budget');
  // One request comes back every 120/11 s.
  clock.ms += 120_000 / 11 + 1;
  assert.equal((await get(app, `/api/${KEY}/banned`)).status, 200);
  assert.equal((await get(app, `/api/${KEY}/banned`)).status, 429);
  clock.ms += 120_000;
  for (let i = 0; i < 11; i++) assert.equal((await get(app, `/api/${KEY}/banned`)).status, 200);
  assert.equal((await get(app, `/api/${KEY}/banned`)).status, 429);
  await app.close();
  list.close();
});

test('v2: POST /api/get and /api/check with a bearer key', async () => {
  const list = newList();
  const ips = seed(list, 300);
  const app = await server(list);
  const post = async (url: string, payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${KEY}`, ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    assert.equal(r.headers['content-type'], JSON_TYPE);
    return { status: r.statusCode, body: r.json() as unknown };
  };
  const first = await post('/api/get', { set: 'sip', id: '100' });
  assert.equal(first.status, 200);
  const body = first.body as { ipaddress: string[]; ID: string };
  assert.deepEqual(body.ipaddress, ips.slice(0, 250));
  assert.equal(body.ID, String(T0 + 249));
  assert.deepEqual(await post('/api/get', { set: 'all', id: body.ID }), { status: 200, body: { ipaddress: ips.slice(250), ID: String(T0 + 299) } });
  assert.deepEqual(await post('/api/get', { set: 'sip', id: String(T0 + 299) }), { status: 400, body: NO_NEW_BANS });
  assert.deepEqual(await post('/api/get', { set: 'sip', id: T0 + 298 }), { status: 200, body: { ipaddress: ips.slice(299), ID: String(T0 + 299) } }, 'a numeric id works too');
  assert.deepEqual(await post('/api/get', { set: 'http', id: '100' }), { status: 400, body: NO_NEW_BANS }, 'no HTTP dataset here');
  assert.deepEqual(await post('/api/get', { set: 'smtp', id: '100' }), { status: 400, body: {} });
  assert.deepEqual(await post('/api/get', '{"set": "sip", "id": '), { status: 400, body: {} });
  assert.equal((await post('/api/get', { set: 'sip', id: '100' }, {})).status, 200, 'a body without content type is read as JSON');
  assert.equal((await post('/api/get', { set: 'sip', id: '100' }, { 'content-type': 'text/plain' })).status, 200);

  assert.deepEqual(await post('/api/check', { set: 'sip', ipaddress: ips[5] }), { status: 200, body: { ipaddress: [ips[5]], ID: String(T0 + 5) } });
  assert.deepEqual(await post('/api/check', { set: 'sip', ipaddress: '192.0.2.1' }), { status: 404, body: NOT_BLOCKED });
  assert.deepEqual(await post('/api/check', { set: 'http', ipaddress: ips[5] }), { status: 404, body: NOT_BLOCKED });
  assert.deepEqual(await post('/api/check', { set: 'sip', ipaddress: 'pbx.example.com' }), { status: 400, body: {} });
  assert.deepEqual(await post('/api/check', { set: 'sip' }), { status: 400, body: {} });
  await app.close();
  list.close();
});

test('ipset list: one active address per line, plain text', async () => {
  const list = newList();
  const ips = seed(list, 5);
  list.unban(ips[1]!, T0 + 10);
  const app = await server(list);
  const r = await app.inject({ method: 'GET', url: `/ipset/${KEY}/list` });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(r.body, [ips[0], ips[2], ips[3], ips[4]].join('\n') + '\n');
  await app.close();
  const empty = await server(newList());
  assert.equal((await empty.inject({ method: 'GET', url: `/ipset/${KEY}/list` })).body, '');
  await empty.close();
  list.close();
});

test('off loopback: APIBAN routes need only their key; /api/v1 keeps the API token', async () => {
  const list = newList();
  seed(list, 3);
  const probe = {} as Probe;
  const app = await startHttpServer({ host: '0.0.0.0', port: 0, token: 'api-token' }, probe, () => ({}), silentLog(), {
    blocklist: list,
    apiban: { keys: [KEY, 'v1'], rate: ROOMY },
    now: () => T0 + 1000,
  });
  try {
    assert.equal((await app.inject({ method: 'GET', url: `/api/${KEY}/banned` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: `/api/${KEY}/check/192.0.2.1` })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: `/ipset/${KEY}/list` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/api/get', headers: { authorization: `Bearer ${KEY}` }, payload: { set: 'sip', id: '100' } })).statusCode, 200);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/nope/banned' })).json(), UNAUTHORIZED);

    const noToken = await app.inject({ method: 'POST', url: '/api/v1/blocklist', payload: { ip: '192.0.2.1' } });
    assert.equal(noToken.statusCode, 401);
    assert.deepEqual(noToken.json(), { error: 'missing or wrong bearer token' });
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/blocklist' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/banned' })).statusCode, 401, 'a key named v1 does not open /api/v1');
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 401);
    const withToken = await app.inject({ method: 'POST', url: '/api/v1/blocklist', headers: { authorization: 'Bearer api-token' }, payload: { ip: '192.0.2.1' } });
    assert.equal(withToken.statusCode, 201);
    assert.equal((await app.inject({ method: 'GET', url: `/api/${KEY}/check/192.0.2.1` })).statusCode, 200);
  } finally {
    await app.close();
    list.close();
  }
});

test('on loopback without a token: changes are refused with 403, APIBAN still served', async () => {
  const list = newList();
  const app = await startHttpServer({ host: '127.0.0.1', port: 0, token: null }, {} as Probe, () => ({}), silentLog(), {
    blocklist: list,
    apiban: { keys: [KEY] },
  });
  try {
    const r = await app.inject({ method: 'POST', url: '/api/v1/blocklist', payload: { ip: '192.0.2.1' } });
    assert.equal(r.statusCode, 403);
    assert.deepEqual(r.json(), { error: 'changes need an API token (http.token)' });
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/blocklist' })).statusCode, 200);
    assert.deepEqual((await app.inject({ method: 'GET', url: `/api/${KEY}/banned` })).json(), NO_NEW_BANS);
  } finally {
    await app.close();
    list.close();
  }
});

test('readiness: /readyz answers 503 until the inputs are receiving, then 200; /healthz answers all along', async () => {
  let ready = false;
  const app = await startHttpServer({ host: '127.0.0.1', port: 0, token: null }, {} as Probe, () => ({}), silentLog(), { ready: () => ready });
  try {
    const get = async (url: string) => {
      const r = await app.inject({ method: 'GET', url });
      return [r.statusCode, r.json()];
    };
    assert.deepEqual(await get('/readyz'), [503, { status: 'starting' }]);
    assert.deepEqual(await get('/healthz'), [200, { status: 'ok' }]);
    ready = true;
    assert.deepEqual(await get('/readyz'), [200, { status: 'ready' }]);
  } finally {
    await app.close();
  }
});
