/**
 * Alert hooks: webhook posts received by a local HTTP server (retries, timeouts, a full queue,
 * shutdown) and commands run with the message on stdin (environment, no shell, failures, timeouts,
 * concurrency).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import type { BlockChange, BlockEntry } from '../../src/guard/blocklist/types.js';
import { AlertHook, alertMessage, changeMessage, hookSchema } from '../../src/outputs/hook.js';

const T0 = Date.UTC(2024, 4, 14, 8, 0, 0);

function hook(options: Record<string, unknown>) {
  const counters = new Counters();
  return { h: new AlertHook(hookSchema.parse(options), { counters, log: silentLog() }), counters };
}

/** An alert document as the events stage writes it (trimmed). */
function alertDoc(): Record<string, unknown> {
  return {
    '@timestamp': '2024-05-14T08:00:00.000Z',
    event: { kind: 'alert', action: 'auth-bruteforce-source', category: ['intrusion_detection', 'network'], type: ['indicator'], severity: 73 },
    rule: { id: 'sipsentry.password-guessing.source', name: 'auth-bruteforce-source', category: 'password-guessing', ruleset: 'sipsentry' },
    source: { ip: '192.0.2.66', port: 5060 },
    related: { ip: ['192.0.2.66'] },
    sip: { alert: { severity: 'high', suggested_action: 'block', count: 40, occurrence: 1 } },
  };
}

function entry(ip = '192.0.2.66'): BlockEntry {
  return { ip, seq: 105, reason: 'auth-bruteforce-source', origin: 'detector', firstSeenMs: T0, lastSeenMs: T0 + 1000, hits: 2, expiresMs: T0 + 3_601_000 };
}

const ban = (ip?: string): BlockChange => ({ type: 'add', entry: entry(ip) });
const unban = (ip?: string): BlockChange => ({ type: 'remove', entry: entry(ip), why: 'expired' });

async function eventually(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sipsentry-hook-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

interface Received {
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

/** An HTTP server answering each post with `answer(n)` (n counts from 0): a status, or 'hang' for no answer. */
async function receiver(answer: (n: number) => number | 'hang' = () => 200) {
  const posts: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (s: string) => (text += s));
    req.on('end', () => {
      const a = answer(posts.length);
      posts.push({ body: JSON.parse(text) as Record<string, unknown>, headers: req.headers });
      if (a === 'hang') hanging.push(res);
      else res.writeHead(a).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/hook`, posts, release: () => hanging.splice(0).forEach((r) => r.writeHead(200).end()) };
}

describe('options and messages', () => {
  test('webhook, exec or both; defaults', () => {
    assert.equal(hookSchema.safeParse({}).success, false);
    assert.equal(hookSchema.safeParse({ webhook: { url: 'ftp://x/' } }).success, false);
    assert.equal(hookSchema.safeParse({ exec: { command: [] } }).success, false);
    assert.equal(hookSchema.safeParse({ webhook: { url: 'http://x/', bogus: 1 } }).success, false);
    const o = hookSchema.parse({ webhook: { url: 'https://sbc.example/api/ban' }, exec: { command: ['/usr/local/bin/blackhole'] } });
    assert.deepEqual(o.webhook, { url: 'https://sbc.example/api/ban', headers: {}, timeout: 5, events: ['alert', 'ban', 'unban'], queueSize: 1000, retries: 3 });
    assert.deepEqual(o.exec, { command: ['/usr/local/bin/blackhole'], timeout: 10, maxConcurrent: 2, events: ['alert', 'ban', 'unban'], queueSize: 1000 });
    assert.equal(hookSchema.parse({ exec: { command: ['x'], timeout: '2m' } }).exec!.timeout, 120);
  });

  test('alert: the ECS document with type alert; ban and unban: the entry', () => {
    const a = alertMessage(alertDoc());
    assert.deepEqual([a.type, a.ip, a.rule], ['alert', '192.0.2.66', 'auth-bruteforce-source']);
    const body = JSON.parse(a.json) as Record<string, any>;
    assert.equal(body.type, 'alert');
    assert.equal(body.event.kind, 'alert');
    assert.equal(body.source.ip, '192.0.2.66');
    const b = changeMessage(ban());
    assert.deepEqual(JSON.parse(b.json), {
      type: 'ban', ip: '192.0.2.66', change: 'add', reason: 'auth-bruteforce-source', origin: 'detector', seq: 105, hits: 2,
      first_seen: '2024-05-14T08:00:00.000Z', last_seen: '2024-05-14T08:00:01.000Z', expires: '2024-05-14T09:00:01.000Z',
    });
    assert.equal(JSON.parse(changeMessage({ type: 'refresh', entry: { ...entry(), expiresMs: Infinity } }).json).expires, null);
    const u = changeMessage(unban());
    assert.deepEqual([u.type, u.ip, u.rule, JSON.parse(u.json).why], ['unban', '192.0.2.66', 'auth-bruteforce-source', 'expired']);
  });
});

describe('webhook', () => {
  test('posts alerts, bans and unbans in order, with the configured headers', async () => {
    const r = await receiver();
    const { h, counters } = hook({ webhook: { url: r.url, headers: { authorization: 'Bearer s3cret' } } });
    h.alert(alertDoc());
    h.change(ban());
    h.change(unban());
    await h.close();
    assert.deepEqual(r.posts.map((p) => p.body.type), ['alert', 'ban', 'unban']);
    assert.equal(r.posts[0]!.headers.authorization, 'Bearer s3cret');
    assert.equal(r.posts[0]!.headers['content-type'], 'application/json');
    assert.equal(counters.get('outputs.hook.webhook.sent'), 3);
  });

  test('only the configured events', async () => {
    const r = await receiver();
    const { h } = hook({ webhook: { url: r.url, events: ['ban'] } });
    h.alert(alertDoc());
    h.change(ban());
    h.change(unban());
    await h.close();
    assert.deepEqual(r.posts.map((p) => p.body.type), ['ban']);
  });

  test('a 500 is retried after a back-off; a 400 is not', async () => {
    const r = await receiver((n) => (n === 0 ? 500 : n === 2 ? 400 : 200));
    const { h, counters } = hook({ webhook: { url: r.url } });
    const t = Date.now();
    h.change(ban());
    await eventually(() => counters.get('outputs.hook.webhook.sent') === 1, 'the retry');
    assert.ok(Date.now() - t >= 450, 'after about 0.5 s');
    h.change(unban());
    await h.close();
    assert.equal(r.posts.length, 3);
    assert.deepEqual(r.posts[0]!.body, r.posts[1]!.body, 'the same message again');
    assert.deepEqual(
      [counters.get('outputs.hook.webhook.errors'), counters.get('outputs.hook.webhook.retries'), counters.get('outputs.hook.webhook.failed')],
      [2, 1, 1],
    );
  });

  test('gives up after the configured retries', async () => {
    const r = await receiver(() => 503);
    const { h, counters } = hook({ webhook: { url: r.url, retries: 1 } });
    h.change(ban());
    await eventually(() => counters.get('outputs.hook.webhook.failed') === 1, 'giving up');
    assert.equal(r.posts.length, 2);
    await h.close();
  });

  test('a receiver that does not answer times out and the post is retried', async () => {
    const r = await receiver((n) => (n === 0 ? 'hang' : 200));
    const { h, counters } = hook({ webhook: { url: r.url, timeout: 0.2 } });
    h.change(ban());
    await eventually(() => counters.get('outputs.hook.webhook.sent') === 1, 'the retry after the timeout');
    assert.equal(counters.get('outputs.hook.webhook.errors'), 1);
    assert.equal(r.posts.length, 2);
    await h.close();
  });

  test('an unreachable receiver is retried, then given up', async () => {
    const { h, counters } = hook({ webhook: { url: 'http://127.0.0.1:1/hook', retries: 1 } });
    h.change(ban());
    await eventually(() => counters.get('outputs.hook.webhook.failed') === 1, 'giving up');
    assert.equal(counters.get('outputs.hook.webhook.errors'), 2);
    await h.close();
  });

  test('a full queue drops and counts; close() gives up after its timeout', async () => {
    const r = await receiver(() => 'hang');
    const { h, counters } = hook({ webhook: { url: r.url, queueSize: 2, timeout: 60 } });
    for (let i = 0; i < 5; i++) h.change(ban(`192.0.2.${i}`));
    assert.equal(counters.get('outputs.hook.dropped'), 3);
    await eventually(() => r.posts.length === 1, 'the first post');
    const t = Date.now();
    await h.close(300);
    assert.ok(Date.now() - t < 2000, 'close() kept to its timeout');
    assert.equal(counters.get('outputs.hook.dropped'), 5, 'the two queued are dropped at shutdown');
    assert.equal(counters.get('outputs.hook.webhook.sent'), 0);
    h.change(ban());
    assert.equal(counters.get('outputs.hook.dropped'), 5, 'nothing is taken after close()');
  });

  test('close() waits for the queue to drain', async () => {
    const r = await receiver((n) => (n < 2 ? 'hang' : 200));
    const { h, counters } = hook({ webhook: { url: r.url, timeout: 0.2 } });
    for (let i = 0; i < 3; i++) h.change(ban(`192.0.2.${i}`));
    // Two timeouts and back-offs take about 2 s; the margin is for a loaded CI machine.
    await h.close(20_000);
    assert.equal(counters.get('outputs.hook.webhook.sent'), 3);
    assert.equal(counters.get('outputs.hook.dropped'), 0);
  });
});

describe('exec', () => {
  /** A command that appends {argv, stdin, env} as one JSON line to the file given as its first argument. */
  function recorder(dir: string): string {
    const script = join(dir, 'record.cjs');
    writeFileSync(
      script,
      `const fs = require('fs');
const stdin = fs.readFileSync(0, 'utf8');
const env = { event: process.env.SIPSENTRY_EVENT, ip: process.env.SIPSENTRY_IP, rule: process.env.SIPSENTRY_RULE };
fs.appendFileSync(process.argv[2], JSON.stringify({ argv: process.argv.slice(3), stdin, env }) + '\\n');
process.exit(Number(process.env.EXIT_CODE ?? 0));
`,
    );
    return script;
  }

  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>) : []);

  test('the message on stdin, event, address and rule in the environment, arguments never through a shell', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const canary = join(dir, 'canary');
    const tricky = `$(touch ${canary}); echo \`touch ${canary}\` | true`;
    const { h, counters } = hook({ exec: { command: [process.execPath, recorder(dir), out, tricky], maxConcurrent: 1 } });
    h.alert(alertDoc());
    h.change(ban('2001:db8::66'));
    h.change(unban('2001:db8::66'));
    await h.close();
    const got = lines(out);
    assert.deepEqual(got.map((l) => l.env), [
      { event: 'alert', ip: '192.0.2.66', rule: 'auth-bruteforce-source' },
      { event: 'ban', ip: '2001:db8::66', rule: 'auth-bruteforce-source' },
      { event: 'unban', ip: '2001:db8::66', rule: 'auth-bruteforce-source' },
    ]);
    assert.equal(JSON.parse(got[1]!.stdin).type, 'ban');
    assert.equal(JSON.parse(got[0]!.stdin).rule.id, 'sipsentry.password-guessing.source');
    assert.deepEqual(got[0]!.argv, [tricky]);
    assert.equal(existsSync(canary), false, 'no shell saw the argument');
    assert.deepEqual([counters.get('outputs.hook.exec.runs'), counters.get('outputs.hook.exec.errors')], [3, 0]);
  });

  test('a non-zero exit and a missing program are counted', async () => {
    const dir = tempDir();
    process.env.EXIT_CODE = '3';
    try {
      const { h, counters } = hook({ exec: { command: [process.execPath, recorder(dir), join(dir, 'out')] } });
      h.change(ban());
      await h.close();
      assert.equal(counters.get('outputs.hook.exec.errors'), 1);
    } finally {
      delete process.env.EXIT_CODE;
    }
    const { h, counters } = hook({ exec: { command: [join(dir, 'no-such-program')] } });
    h.change(ban());
    await h.close();
    assert.deepEqual([counters.get('outputs.hook.exec.runs'), counters.get('outputs.hook.exec.errors')], [1, 1]);
  });

  test('a command past its timeout is killed, with what it started; one ignoring SIGTERM gets SIGKILL', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'grandchild.pid');
    // Starts a grandchild in the same process group, then waits forever.
    const stubborn = `const { spawn } = require('child_process');
const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
process.on('SIGTERM', () => {});
setInterval(() => {}, 1000);`;
    const { h, counters } = hook({ exec: { command: [process.execPath, '-e', stubborn], timeout: 0.3 } });
    const t = Date.now();
    h.change(ban());
    await eventually(() => counters.get('outputs.hook.exec.errors') === 1, 'the kill', 5000);
    const took = Date.now() - t;
    assert.ok(took >= 1200 && took < 8000, `SIGTERM at 0.3 s, SIGKILL 1 s later (${took} ms)`);
    assert.equal(counters.get('outputs.hook.exec.timeouts'), 1);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !alive(grandchild), 'the grandchild gone too', 2000);
    await h.close();
  });

  test('at most maxConcurrent at once; the queue bound counts drops', async () => {
    const dir = tempDir();
    const slow = `const fs = require('fs'), d = process.argv[1];
fs.writeFileSync(d + '/run-' + process.pid, '');
const now = fs.readdirSync(d).filter((f) => f.startsWith('run-')).length;
fs.appendFileSync(d + '/seen', now + '\\n');
setTimeout(() => fs.rmSync(d + '/run-' + process.pid), 150);`;
    const { h, counters } = hook({ exec: { command: [process.execPath, '-e', slow, dir], maxConcurrent: 2, queueSize: 4 } });
    for (let i = 0; i < 8; i++) h.change(ban(`192.0.2.${i}`));
    // Two start at once; four wait; two do not fit.
    assert.equal(counters.get('outputs.hook.dropped'), 2);
    await h.close(10_000);
    const seen = readFileSync(join(dir, 'seen'), 'utf8').trimEnd().split('\n').map(Number);
    assert.equal(seen.length, 6);
    assert.ok(Math.max(...seen) <= 2, `never more than two at once (${seen})`);
    assert.equal(counters.get('outputs.hook.exec.runs'), 6);
  });

  test('close() after its timeout kills the running command and drops the queue', async () => {
    const { h, counters } = hook({ exec: { command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], maxConcurrent: 1, timeout: 60 } });
    h.change(ban('192.0.2.1'));
    h.change(ban('192.0.2.2'));
    const t = Date.now();
    await h.close(200);
    assert.ok(Date.now() - t < 2000);
    assert.equal(counters.get('outputs.hook.dropped'), 1);
    assert.equal(counters.get('outputs.hook.exec.errors'), 1);
  });
});

/** A process that exists and is not a zombie (a container's init may not reap reparented ones). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
