/**
 * The operator views of the HTTP API against a real `sipsentry run --stay` on a lab capture:
 * event search (filters, cursor pages, both orders), aggregates, tracker tables, call flows and
 * their pcap, auth and the loopback guards; then the same with every encryption group on, where no
 * plaintext address, user, host or Call-ID of the capture may appear in any answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { fromMessages, Plaintexts, search, strings } from '../helpers/plaintexts.js';
import { CLI, eventually, startStayServer, type StayServer } from '../helpers/stay-server.js';

const CAPTURE = join(REPO_ROOT, 'lab', 'captures', 'basic.pcap');

type Doc = Record<string, any>;

/** What `sipsentry replay` states for the capture: the reference for every count below. */
function replayDocs(): Doc[] {
  const r = spawnSync(process.execPath, [CLI, 'replay', '--no-detect', CAPTURE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Doc).filter((d) => d.event.kind === 'event');
}

/** Every page of a query, following `next`. */
async function allPages(s: StayServer, query: string): Promise<Doc[]> {
  const out: Doc[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const r = await s.api(`/api/v1/events?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    assert.equal(r.status, 200, await r.clone().text());
    const page = (await r.json()) as { events: Doc[]; next: string | null };
    out.push(...page.events);
    if (page.next === null) return out;
    cursor = page.next;
  }
  throw new Error('pagination does not end');
}

const count = (docs: Doc[], pred: (d: Doc) => boolean): number => docs.filter(pred).length;

describe('HTTP views over a replayed lab capture', { timeout: 120_000 }, () => {
  let s: StayServer;
  let expected: Doc[];
  before(async () => {
    expected = replayDocs();
    s = await startStayServer(CAPTURE, ['-E', 'apiban.keys=[views-apiban-key]']);
    await eventually(async () => {
      const r = await (await s.api('/api/v1/events?limit=1000')).json();
      return (r as { events: Doc[] }).events.length === expected.length ? true : undefined;
    }, 'the store to hold every event');
  });
  after(async () => s?.stop());

  it('info says what is there', async () => {
    const info = (await (await s.api('/api/v1/info')).json()) as Doc;
    assert.deepEqual({ ...info, nowMs: 0 }, { version: '0.1.0', live: false, nowMs: 0, encryption: null, store: true, callFlows: true, blocklist: true, tokenConfigured: true });
  });

  it('pages through every event in both orders, small pages, no duplicates', async () => {
    const desc = await allPages(s, 'limit=7');
    const asc = await allPages(s, 'limit=5&order=asc');
    assert.equal(desc.length, expected.length);
    assert.deepEqual(asc.map((d) => JSON.stringify(d)), desc.map((d) => JSON.stringify(d)).reverse());
    const ts = asc.map((d) => Date.parse(d['@timestamp']));
    assert.ok(ts.every((t, i) => i === 0 || t >= ts[i - 1]!), 'oldest first');
    const byAction = (docs: Doc[]) => docs.map((d) => d.event.action).sort();
    assert.deepEqual(byAction(asc), byAction(expected));
  });

  it('filters: action, CIDR, user, Call-ID, text, time range; they combine', async () => {
    const starts = await allPages(s, 'action=call-start,call-end');
    assert.equal(starts.length, count(expected, (d) => ['call-start', 'call-end'].includes(d.event.action)));
    assert.ok(starts.length > 0);

    const net = await allPages(s, 'ip=127.0.0.16/30');
    const inNet = (ip: string | undefined) => ip !== undefined && /^127\.0\.0\.(1[6-9])$/.test(ip);
    assert.equal(net.length, count(expected, (d) => inNet(d.client?.ip)));
    assert.ok(net.length > 0 && net.every((d) => inNet(d.client.ip)));

    const user = expected.find((d) => d.event.action === 'auth-failed')!.user.name as string;
    const byUser = await allPages(s, `user=${encodeURIComponent(user)}`);
    assert.ok(byUser.length > 0 && byUser.some((d) => d.event.action === 'auth-failed'));

    const callId = expected.find((d) => d.event.action === 'call-end')!.sip.call_id as string;
    const byCall = await allPages(s, `call_id=${encodeURIComponent(callId)}`);
    assert.deepEqual(byCall.map((d) => d.event.action).sort(), expected.filter((d) => d.sip.call_id === callId).map((d) => d.event.action).sort());

    const text = await allPages(s, 'text=PROXY%20AUTHENTICATION');
    assert.equal(text.length, count(expected, (d) => JSON.stringify(d).toLowerCase().includes('proxy authentication')));

    const mid = Date.parse(expected[Math.floor(expected.length / 2)]!['@timestamp']);
    const late = await allPages(s, `from=${new Date(mid).toISOString()}`);
    const early = await allPages(s, `to=${mid}`);
    assert.equal(late.length + early.length, expected.length, 'from is inclusive, to exclusive');
    assert.equal(late.length, count(expected, (d) => Date.parse(d['@timestamp']) >= mid));

    const both = await allPages(s, `action=reg-new&ip=127.0.0.0/8&from=${mid}`);
    assert.equal(both.length, count(expected, (d) => d.event.action === 'reg-new' && Date.parse(d['@timestamp']) >= mid));
  });

  it('bad queries are 400 with the reason', async () => {
    for (const q of ['limit=0', 'limit=5000', 'ip=not-an-ip', 'from=yesterday', 'cursor=garbage', 'kind=nope', 'bogus=1']) {
      const r = await s.api(`/api/v1/events?${q}`);
      assert.equal(r.status, 400, q);
      assert.match(((await r.json()) as { error: string }).error, /\w/);
    }
  });

  it('summary and rates agree with the replay', async () => {
    const sum = (await (await s.api('/api/v1/summary')).json()) as { byAction: { action: string; count: number }[]; topSources: { ip: string; count: number }[]; topUsers: unknown[] };
    const want = new Map<string, number>();
    for (const d of expected) want.set(d.event.action, (want.get(d.event.action) ?? 0) + 1);
    assert.deepEqual(new Map(sum.byAction.map((a) => [a.action, a.count])), want);
    assert.ok(sum.topSources.length > 0 && sum.topUsers.length > 0);
    const rates = (await (await s.api('/api/v1/rates')).json()) as { intervalS: number; points: { t: number; messages: number; events: number }[] };
    assert.equal(rates.intervalS, 10);
    // Each message in the interval of its own packet time, exactly as `sipsentry messages` stamps it.
    const perInterval = new Map<number, number>();
    for (const line of spawnSync(process.execPath, [CLI, 'messages', CAPTURE], { encoding: 'utf8' }).stdout.trim().split('\n')) {
      const t = Math.floor((JSON.parse(line) as { ts_us: number }).ts_us / 10_000_000) * 10_000;
      perInterval.set(t, (perInterval.get(t) ?? 0) + 1);
    }
    assert.deepEqual(rates.points.filter((p) => p.messages > 0).map((p) => [p.t, p.messages]), [...perInterval]);
    assert.equal(rates.points.reduce((a, p) => a + p.messages, 0), 220, 'every message of the capture');
    assert.equal(rates.points.reduce((a, p) => a + p.events, 0), expected.length);
    const first = Date.parse(expected[0]!['@timestamp']);
    assert.ok(rates.points[0]!.t <= first && first < rates.points[0]!.t + 20_000, 'charted on packet time');
  });

  it('registrations and calls come from the tracker', async () => {
    const regs = (await (await s.api('/api/v1/registrations')).json()) as { bindings: Doc[]; total: number };
    // The replay summary: 9 bindings still alive at the end (sip:1001 … sip:1039).
    assert.equal(regs.total, 9);
    assert.ok(regs.bindings.some((b) => b.aor === 'sip:1001@127.0.0.10' && b.contact === 'sip:1001@127.0.0.21:5060'));
    const calls = (await (await s.api('/api/v1/calls')).json()) as { calls: Doc[]; total: number };
    // One INVITE is still ringing at the end (no final reply yet): an early dialog.
    assert.deepEqual(calls.calls.map((c) => [c.callId, c.state]), [['1-17408@127.0.0.20', 'early']]);
  });

  it('call flow: every copy of every message in order, proxy legs as separate hops, retransmissions marked', async () => {
    // The lab's call through the proxy whose callee answered late: the proxy resent its INVITE twice.
    const callId = '1-17280@127.0.0.17';
    assert.ok(expected.some((d) => d.event.action === 'call-end' && d.sip.call_id === callId));
    const r = await s.api(`/api/v1/calls/${encodeURIComponent(callId)}/flow`);
    assert.equal(r.status, 200);
    const flow = (await r.json()) as { parties: string[]; messages: Doc[]; pcap: boolean; truncated: boolean };
    const msgs = spawnSync(process.execPath, [CLI, 'messages', CAPTURE], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l) as Doc).filter((m) => m.call_id === callId);
    assert.equal(flow.messages.length, msgs.length, 'as many arrows as messages captured');
    assert.deepEqual(flow.messages.map((m) => m.label.split(' ')[0]), msgs.map((m) => m.method ?? m.start_line.split(' ')[1]));
    assert.equal(flow.truncated, false);
    assert.equal(flow.pcap, true);
    assert.deepEqual(flow.parties, ['127.0.0.17:5060', '127.0.0.10:5060', '127.0.0.24:5060'], 'caller, proxy, callee');
    const retrans = flow.messages.filter((m) => m.retransmission);
    assert.deepEqual(retrans.map((m) => [m.label, m.src.ip, m.dst.ip]), [['INVITE', '127.0.0.10', '127.0.0.24'], ['INVITE', '127.0.0.10', '127.0.0.24']]);
    // Timer A: the copies follow the original by about T1 (500 ms), then 2·T1.
    const original = flow.messages.find((m) => m.label === 'INVITE' && m.dst.ip === '127.0.0.24' && !m.retransmission)!;
    const gaps = [retrans[0]!.offsetMs - original.offsetMs, retrans[1]!.offsetMs - retrans[0]!.offsetMs];
    assert.ok(gaps[0]! > 400 && gaps[0]! < 600 && gaps[1]! > 900 && gaps[1]! < 1100, `gaps ${gaps}`);
    assert.ok(flow.messages.every((m) => typeof m.text === 'string' && m.text.startsWith(m.method ?? 'SIP/2.0')));
    assert.deepEqual(flow.messages.map((m) => m.offsetMs >= 0), flow.messages.map(() => true));

    // The pcap of the flow reads back as the same messages, with sipsentry and with tshark.
    const pcap = await s.api(`/api/v1/calls/${encodeURIComponent(callId)}/pcap`);
    assert.equal(pcap.status, 200);
    assert.equal(pcap.headers.get('content-type'), 'application/vnd.tcpdump.pcap');
    const file = join(s.dir, 'flow.pcap');
    writeFileSync(file, Buffer.from(await pcap.arrayBuffer()));
    const back = spawnSync(process.execPath, [CLI, 'messages', file], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l) as Doc);
    assert.equal(back.length, flow.messages.length);
    const tshark = spawnSync('tshark', ['-r', file, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], { encoding: 'utf8' });
    if (tshark.status === 0) assert.deepEqual(tshark.stdout.trim().split('\n'), flow.messages.map(() => callId));

    assert.equal((await s.api('/api/v1/calls/no-such-call/flow')).status, 404);
  });

  it('auth: reads open on loopback, changes need the token; DNS rebinding and CORS closed', async () => {
    assert.equal((await s.api('/api/v1/exclusions', { method: 'PUT', body: JSON.stringify({ exclude: ['other-ok'] }), headers: { 'content-type': 'application/json' } })).status, 401);
    const put = await s.api('/api/v1/exclusions', { method: 'PUT', auth: true, body: JSON.stringify({ exclude: ['other-ok'] }), headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await put.json(), { exclude: ['other-ok'] });
    assert.equal((await s.api('/api/v1/blocklist', { method: 'POST', body: JSON.stringify({ ip: '192.0.2.7' }), headers: { 'content-type': 'application/json' } })).status, 401);
    const ban = await s.api('/api/v1/blocklist', { method: 'POST', auth: true, body: JSON.stringify({ ip: '192.0.2.7', reason: 'test' }), headers: { 'content-type': 'application/json' } });
    assert.equal(ban.status, 201);
    assert.equal((await s.api('/api/v1/blocklist/192.0.2.7', { method: 'DELETE' })).status, 401);
    assert.equal((await s.api('/api/v1/blocklist/192.0.2.7', { method: 'DELETE', auth: true })).status, 200);

    // fetch() will not send a foreign Host header; node:http will, as a rebound browser would.
    const rebound = await new Promise<number>((res, rej) => {
      request(s.base + '/api/v1/info', { headers: { host: 'attacker.example:8080' } }, (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      }).on('error', rej).end();
    });
    assert.equal(rebound, 421);
    const cors = await s.api('/api/v1/info', { headers: { origin: 'http://attacker.example' } });
    assert.equal(cors.headers.get('access-control-allow-origin'), null);
    const pre = await s.api('/api/v1/blocklist', { method: 'OPTIONS', headers: { origin: 'http://attacker.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
  });

  it('docs/openapi.yaml: every documented route exists', async () => {
    const spec = parse(readFileSync(join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const params: Record<string, string> = { callId: encodeURIComponent('1-17280@127.0.0.17'), ip: '192.0.2.200', cidr: encodeURIComponent('198.51.100.0/24'), key: 'views-apiban-key', id: '100' };
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{(\w+)\}/g, (_m, k: string) => params[k]!);
        if (url.endsWith('/stream')) continue; // never ends; tested in process
        const r = await s.api(url, { method: method.toUpperCase(), redirect: 'manual', ...(method === 'get' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
        const body = await r.text();
        if (r.status === 404 && body.includes('"Route ')) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(Object.keys(spec.paths).length >= 25);
  });

  it('configuration is shown with secrets masked', async () => {
    const cfg = (await (await s.api('/api/v1/config')).json()) as Doc;
    assert.equal(cfg.http.token, '********');
    assert.deepEqual(cfg.apiban.keys, ['********']);
    assert.ok(!JSON.stringify(cfg).includes('views-test-token'));
  });
});

describe('HTTP views with every encryption group on: no plaintext anywhere', { timeout: 120_000 }, () => {
  let s: StayServer;
  before(async () => {
    const dir = join(REPO_ROOT, 'test-artifacts');
    spawnSync('mkdir', ['-p', dir]);
    const keyFile = join(dir, 'views-test.key');
    writeFileSync(keyFile, Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex') + '\n', { mode: 0o600 });
    s = await startStayServer(CAPTURE, ['-E', 'privacy.encrypt=all', '-E', `privacy.keyFile=${keyFile}`]);
    await eventually(async () => (((await (await s.api('/api/v1/events?limit=1000')).json()) as { events: Doc[] }).events.length >= 30 ? true : undefined), 'events');
  });
  after(async () => s?.stop());

  it('every answer is ciphertext; ban and unban by ciphertext work; no pcap', async () => {
    const pt = new Plaintexts();
    await fromMessages(CAPTURE, pt);
    assert.ok(pt.values.size > 20);
    const answers: Array<[string, unknown]> = [];
    const get = async (path: string, init?: RequestInit & { auth?: boolean }): Promise<any> => {
      const r = await s.api(path, init);
      const body = r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text();
      answers.push([path, body]);
      return body;
    };
    const info = await get('/api/v1/info');
    assert.deepEqual(info.encryption.groups, ['ips', 'uris', 'call_id', 'user', 'user_agent']);
    const events = (await get('/api/v1/events?limit=1000')).events as Doc[];
    await get('/api/v1/events?kind=alert');
    await get('/api/v1/events?kind=metric');
    await get('/api/v1/summary');
    await get('/api/v1/rates');
    await get('/api/v1/stats');
    await get('/api/v1/config');
    const calls = await get('/api/v1/calls');
    assert.equal(calls.total, 1);
    const regs = await get('/api/v1/registrations');
    assert.equal(regs.total, 9);
    await get('/api/v1/ratelimits');

    // A flow looked up by the ciphertext Call-ID the events carry; the messages' text withheld.
    const end = events.find((d) => d.event.action === 'call-end')!;
    const flow = await get(`/api/v1/calls/${encodeURIComponent(end.sip.call_id)}/flow`);
    assert.ok(flow.messages.length >= 10);
    assert.ok(flow.messages.every((m: Doc) => m.text === null));
    assert.equal(flow.pcap, false);
    assert.equal((await s.api(`/api/v1/calls/${encodeURIComponent(end.sip.call_id)}/pcap`)).status, 403);

    // Ban the (ciphertext) client address of an event; the list shows it as such; unban by it.
    const ip = end.client.ip as string;
    const ban = await get('/api/v1/blocklist', { method: 'POST', auth: true, body: JSON.stringify({ ip, reason: 'from the UI' }), headers: { 'content-type': 'application/json' } });
    assert.equal(ban.ip, ip);
    const list = await get('/api/v1/blocklist');
    assert.deepEqual(list.entries.map((e: Doc) => e.ip), [ip]);
    // Networks are ciphertext both ways too (prefix-preserving: a /16 stays a /16).
    const allow = await get('/api/v1/allowlist', { method: 'POST', auth: true, body: JSON.stringify({ cidr: '10.1.0.0/16' }), headers: { 'content-type': 'application/json' } });
    assert.equal(allow.cidr, '10.1.0.0/16');
    assert.ok((await get('/api/v1/allowlist')).allow.some((e: Doc) => e.cidr === '10.1.0.0/16'));
    assert.deepEqual(await get(`/api/v1/blocklist/${encodeURIComponent(ip)}`, { method: 'DELETE', auth: true }), { removed: ip });

    const leaves: Array<[string, string]> = [];
    for (const [path, body] of answers) strings(body, path, leaves, true);
    const hits = search(leaves, pt);
    assert.deepEqual(hits, []);
  });
});
