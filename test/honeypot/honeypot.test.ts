/**
 * The honeypot on loopback against the real attack tools (sipsak, SIPVicious svmap/svwar/svcrack,
 * Debian packages) and against raw sockets for what the tools cannot show (TCP framing, floods,
 * the source table).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { parseSipMessage } from '../../src/sip/index.js';
import { Honeypot, honeypotSchema } from '../../src/honeypot/index.js';

interface Source {
  ip: string;
  port: number;
  tsUs: number;
  first: boolean;
}

interface Running {
  hp: Honeypot;
  port: number;
  counters: Counters;
  /** Owned copies of what the sink received, with the text of each unit. */
  payloads: (SipPayload & { text: string })[];
  sources: Source[];
}

async function startHoneypot(options: Record<string, unknown> = {}): Promise<Running> {
  const counters = new Counters();
  const payloads: Running['payloads'] = [];
  const sources: Source[] = [];
  const opts = honeypotSchema.parse({ listen: [{ host: '127.0.0.1', port: 0 }], ...options });
  const hp = new Honeypot(
    opts,
    counters,
    silentLog(),
    (p) => {
      const buf = Buffer.from(p.buf.subarray(p.start, p.end));
      payloads.push({ ...p, buf, start: 0, end: buf.length, encap: [...p.encap], text: buf.toString('latin1') });
    },
    (ip, port, tsUs, first) => sources.push({ ip, port, tsUs, first }),
  );
  const [addr] = await hp.start();
  return { hp, port: addr!.port, counters, payloads, sources };
}

const inbound = (r: Running) => r.payloads.filter((p) => p.dstPort === r.port);
const outbound = (r: Running) => r.payloads.filter((p) => p.srcPort === r.port);
const statusOf = (p: { text: string }) => Number(/^SIP\/2\.0 (\d{3}) /.exec(p.text)?.[1] ?? 0);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool with a hard time limit and a throw-away HOME (SIPVicious keeps sessions there). */
function run(cmd: string, args: string[], timeoutMs = 40_000): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'honeypot-tool-'));
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', cwd: home, env: { ...process.env, HOME: home } }, (err, stdout, stderr) => {
      rmSync(home, { recursive: true, force: true });
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A free UDP port on loopback for a tool's own socket (so it never takes 5060 from anyone). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const HAVE_SIPSAK = existsSync('/usr/bin/sipsak');
const HAVE_SIPVICIOUS = existsSync('/usr/bin/svmap') && existsSync('/usr/bin/svwar') && existsSync('/usr/bin/svcrack');

test('sipsak OPTIONS gets 200 with the persona; the sink sees the request and the response', { skip: !HAVE_SIPSAK && 'sipsak not installed' }, async () => {
  const r = await startHoneypot();
  try {
    const out = await run('sipsak', ['-vv', '-s', `sip:100@127.0.0.1:${r.port}`], 15_000);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /SIP\/2\.0 200 OK/);
    assert.match(out.stdout, /Server: Asterisk PBX 18\.20\.0/);
    assert.match(out.stdout, /Allow: OPTIONS, REGISTER/);

    const [req, ...moreIn] = inbound(r);
    const [res, ...moreOut] = outbound(r);
    assert.equal(moreIn.length, 0);
    assert.equal(moreOut.length, 0);
    assert.match(req!.text, /^OPTIONS sip:100@127\.0\.0\.1/);
    assert.deepEqual(
      { kind: req!.kind, transport: req!.transport, encap: req!.encap, srcIp: req!.srcIp, dstIp: req!.dstIp, dstPort: req!.dstPort, ipVersion: req!.ipVersion, hep: req!.hep },
      { kind: 'sip', transport: 'udp', encap: ['honeypot'], srcIp: '127.0.0.1', dstIp: '127.0.0.1', dstPort: r.port, ipVersion: 4, hep: null },
    );
    assert.equal(res!.kind, 'sip');
    assert.equal(res!.dstPort, req!.srcPort);
    assert.equal(statusOf(res!), 200);
    assert.ok(res!.tsUs >= req!.tsUs);
    assert.ok(Math.abs(req!.tsUs / 1000 - Date.now()) < 60_000, 'receive time is wall-clock µs');
    // The response belongs to the request's transaction.
    const m = parseSipMessage(res!.buf, 0, res!.buf.length);
    const q = parseSipMessage(req!.buf, 0, req!.buf.length);
    assert.equal(m.callId, q.callId);
    assert.equal(m.topVia?.branch, q.topVia?.branch);

    assert.deepEqual(r.sources.map((s) => [s.ip, s.port, s.first]), [['127.0.0.1', req!.srcPort, true]]);
    assert.deepEqual(r.counters.snapshot('honeypot.'), { 'honeypot.requests': 1, 'honeypot.responses': 1, 'honeypot.source_table': 1, 'honeypot.sources': 1 });
  } finally {
    await r.hp.close();
  }
});

test('sipsak over TCP: framed by Content-Length, answered on the connection', { skip: !HAVE_SIPSAK && 'sipsak not installed' }, async () => {
  const r = await startHoneypot();
  try {
    const out = await run('sipsak', ['-vv', '-E', 'tcp', '-s', `sip:100@127.0.0.1:${r.port}`], 15_000);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /Via: SIP\/2\.0\/TCP [^\r\n]*;received=127\.0\.0\.1/);
    assert.deepEqual(r.payloads.map((p) => [p.transport, p.kind, p.text.split('\r\n')[0]!.split(' ')[0]]), [
      ['tcp', 'sip', 'OPTIONS'],
      ['tcp', 'sip', 'SIP/2.0'],
    ]);
    assert.equal(r.counters.get('honeypot.tcp_connections'), 1);
  } finally {
    await r.hp.close();
  }
});

test('svmap finds the device and reports the persona', { skip: !HAVE_SIPVICIOUS && 'sipvicious not installed' }, async () => {
  const r = await startHoneypot({ persona: 'freeswitch' });
  try {
    const out = await run('svmap', ['-b', '127.0.0.1', '-P', String(await freeUdpPort()), '127.0.0.1', '-p', String(r.port)]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`127\\.0\\.0\\.1:${r.port}\\s*\\|\\s*FreeSWITCH-mod_sofia/1\\.10\\.9-release~64bit`));
    assert.ok(inbound(r).length >= 1);
    assert.ok(inbound(r).every((p) => p.text.startsWith('OPTIONS ')));
    assert.ok(outbound(r).every((p) => statusOf(p) === 200));
    assert.equal(r.sources[0]?.first, true);
  } finally {
    await r.hp.close();
  }
});

test('svwar finds exactly the known extensions', { skip: !HAVE_SIPVICIOUS && 'sipvicious not installed' }, async () => {
  // An enumeration is a burst: the per-source budget is raised so every probe is answered.
  const r = await startHoneypot({ persona: { name: 'asterisk', knownUsers: ['101', '105'] }, maxResponsesPerSource: 1000 });
  try {
    const out = await run('svwar', ['-b', '127.0.0.1', '-P', String(await freeUdpPort()), '-e', '100-110', '-m', 'REGISTER', '--maximumtime', '3', '127.0.0.1', '-p', String(r.port)]);
    assert.equal(out.code, 0, out.stderr);
    const found = [...out.stdout.matchAll(/^\|\s*(\d+)\s*\|\s*(\w+)\s*\|$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(found, [['101', 'reqauth'], ['105', 'reqauth']]);
    // One random user to learn the "unknown" answer, then 100..110.
    const reqs = inbound(r);
    assert.equal(reqs.length, 12);
    assert.ok(reqs.every((p) => p.text.startsWith('REGISTER ')));
    const statuses = outbound(r).map(statusOf);
    assert.equal(statuses.length, 12);
    assert.equal(statuses.filter((s) => s === 401).length, 2);
    assert.equal(statuses.filter((s) => s === 404).length, 10);
    assert.equal(r.counters.get('honeypot.requests'), 12);
    assert.equal(r.sources.length, 12);
    assert.deepEqual(r.sources.map((s) => s.first), [true, ...Array(11).fill(false)]);
  } finally {
    await r.hp.close();
  }
});

test('svcrack never cracks a password: every guess is refused', { skip: !HAVE_SIPVICIOUS && 'sipvicious not installed' }, async () => {
  const r = await startHoneypot({ persona: { name: 'asterisk', knownUsers: ['101', '105'] }, maxResponsesPerSource: 1000 });
  try {
    const out = await run('svcrack', ['-b', '127.0.0.1', '-P', String(await freeUdpPort()), '-u', '101', '-r', '1-50', '--maximumtime', '3', '127.0.0.1', '-p', String(r.port)]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /found nothing/);
    assert.doesNotMatch(out.stdout, /Password/);
    const withCredentials = inbound(r).filter((p) => /\r\nAuthorization: Digest /i.test(p.text));
    // svcrack writes `user:password` (hex, then 0x01 and a random number) as its From tag.
    const guesses = withCredentials.map((p) => Buffer.from(/\r\nFrom: [^\r]*;tag=([0-9a-f]+)/.exec(p.text)![1]!, 'hex').toString('latin1').split('\x01')[0]);
    for (let pw = 1; pw <= 50; pw++) assert.ok(guesses.includes(`101:${pw}`), `password ${pw} tried`);
    const statuses = outbound(r).map(statusOf);
    assert.ok(!statuses.includes(200), 'no request was ever accepted');
    assert.equal(statuses.filter((s) => s === 403).length, withCredentials.length);
    assert.ok(statuses.every((s) => s === 401 || s === 403));
    assert.equal(r.counters.get('honeypot.responses'), statuses.length);
  } finally {
    await r.hp.close();
  }
});

function options(i: number, port: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${i};rport\r\nFrom: <sip:flood@127.0.0.1>;tag=${i}\r\n` +
      `To: <sip:100@127.0.0.1>\r\nCall-ID: flood-${i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );
}

async function udpClient(host = '127.0.0.1'): Promise<{ sock: Socket; port: number; received: Buffer[] }> {
  const sock = createSocket('udp4');
  const received: Buffer[] = [];
  sock.on('message', (m) => received.push(m));
  await new Promise<void>((resolve) => sock.bind(0, host, () => resolve()));
  return { sock, port: sock.address().port, received };
}

const send = (sock: Socket, b: Buffer, port: number) => new Promise<void>((resolve, reject) => sock.send(b, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a flood of 1000 OPTIONS from one socket gets at most the bucket; the rest is silenced', async () => {
  const r = await startHoneypot();
  const c = await udpClient();
  try {
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) {
      await send(c.sock, options(i, c.port), r.port);
      if (i % 50 === 49) await settle(5);
    }
    const seconds = (Date.now() - t0) / 1000;
    await settle(200);
    const received = inbound(r).length;
    // Loopback with paced sends drops nothing; the check below holds for whatever arrived.
    assert.ok(received >= 990, `received ${received}`);
    const bound = Math.floor(10 + 10 * (seconds + 0.2));
    assert.ok(c.received.length <= bound, `${c.received.length} responses > ${bound}`);
    assert.ok(c.received.length >= 10);
    assert.equal(r.counters.get('honeypot.requests'), received);
    assert.equal(r.counters.get('honeypot.responses'), c.received.length);
    assert.equal(r.counters.get('honeypot.silenced'), received - c.received.length);
    assert.equal(outbound(r).length, c.received.length);
    assert.equal(r.sources.length, received);
    assert.equal(r.sources.filter((s) => s.first).length, 1);
  } finally {
    c.sock.close();
    await r.hp.close();
  }
});

test('malformed, non-SIP and keep-alive datagrams are reported but never answered', async () => {
  const r = await startHoneypot();
  const c = await udpClient();
  try {
    await send(c.sock, Buffer.from('OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nCall-ID: x\r\n\r\n'), r.port);
    await send(c.sock, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), r.port);
    await send(c.sock, Buffer.from('\r\n\r\n'), r.port);
    await send(c.sock, Buffer.alloc(4), r.port);
    await send(c.sock, Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n'), r.port);
    await settle(200);
    assert.equal(c.received.length, 0);
    assert.deepEqual(inbound(r).map((p) => p.kind), ['sip', 'non-sip', 'keepalive', 'keepalive', 'sip']);
    assert.equal(outbound(r).length, 0);
    assert.equal(r.counters.get('honeypot.malformed'), 1);
    assert.equal(r.counters.get('honeypot.non_sip'), 1);
    assert.equal(r.counters.get('honeypot.requests'), 1);
    assert.equal(r.counters.get('honeypot.responses'), 0);
    assert.equal(r.sources.length, 5);
  } finally {
    c.sock.close();
    await r.hp.close();
  }
});

test('the answer goes to the packet source, never to the address a Via names', async () => {
  const r = await startHoneypot();
  const victim = await udpClient();
  const c = await udpClient();
  try {
    const spoofed = Buffer.from(
      `OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${victim.port};branch=z9hG4bK-1\r\nFrom: <sip:a@b>;tag=1\r\n` +
        `To: <sip:100@127.0.0.1>\r\nCall-ID: reflect\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    );
    await send(c.sock, spoofed, r.port);
    await settle(200);
    assert.equal(victim.received.length, 0);
    assert.equal(c.received.length, 1);
  } finally {
    victim.sock.close();
    c.sock.close();
    await r.hp.close();
  }
});

test('TCP: messages split across chunks and pipelined, keep-alives, and a stream that is not SIP is closed', async () => {
  const r = await startHoneypot();
  try {
    const replies: Buffer[] = [];
    const s = connect(r.port, '127.0.0.1');
    s.on('data', (d) => replies.push(d));
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    const body = 'hello';
    const msg = (i: number) =>
      `MESSAGE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:${s.localPort};branch=z9hG4bK-t${i}\r\nFrom: <sip:a@b>;tag=${i}\r\n` +
      `To: <sip:100@127.0.0.1>\r\nCall-ID: tcp-${i}\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const one = msg(1);
    s.write(one.slice(0, 40));
    await settle(50);
    s.write(one.slice(40) + '\r\n\r\n' + msg(2));
    await settle(200);
    const text = Buffer.concat(replies).toString('latin1');
    assert.equal(text.match(/^SIP\/2\.0 407 /gm)?.length, 2);
    assert.deepEqual(inbound(r).map((p) => p.kind), ['sip', 'keepalive', 'sip']);
    assert.ok(inbound(r)[0]!.text.endsWith('\r\n\r\nhello'));

    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    assert.equal(r.counters.get('honeypot.tcp_not_sip'), 1);
    assert.equal(inbound(r).at(-1)!.kind, 'non-sip');
  } finally {
    await r.hp.close();
  }
});

test('TCP: an endless header section ends the connection at maxMessageBytes', async () => {
  const r = await startHoneypot({ maxMessageBytes: 2048 });
  try {
    const s = connect(r.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.on('error', () => {});
    s.write('OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n');
    for (let i = 0; i < 100; i++) s.write(`X-Filler-${i}: ${'x'.repeat(40)}\r\n`);
    await closed;
    assert.equal(r.counters.get('honeypot.malformed'), 1);
    assert.equal(inbound(r).length, 0);
  } finally {
    await r.hp.close();
  }
});

test('source table: first contact per IP, least recently seen forgotten when full', async () => {
  const r = await startHoneypot({ maxSources: 2 });
  const clients = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((h) => udpClient(h)));
  const [a, b, c] = clients as [Awaited<ReturnType<typeof udpClient>>, Awaited<ReturnType<typeof udpClient>>, Awaited<ReturnType<typeof udpClient>>];
  try {
    for (const [i, cl] of [a, b, a, c, b].entries()) {
      await send(cl.sock, options(i, cl.port), r.port);
      await settle(30);
    }
    assert.deepEqual(r.sources.map((s) => [s.ip, s.first]), [
      ['127.0.0.2', true],
      ['127.0.0.3', true],
      ['127.0.0.2', false],
      ['127.0.0.4', true], // evicts 127.0.0.3, the least recently seen
      ['127.0.0.3', true],
    ]);
    assert.equal(r.counters.get('honeypot.sources'), 4);
    assert.equal(r.counters.get('honeypot.sources_evicted'), 2);
    assert.equal(r.counters.get('honeypot.source_table'), 2);
  } finally {
    for (const cl of clients) cl.sock.close();
    await r.hp.close();
  }
});

test('options: defaults, port 0 only in object form, strict keys', () => {
  const d = honeypotSchema.parse({});
  assert.deepEqual(d.listen, [{ host: '0.0.0.0', port: 5060 }]);
  assert.equal(d.tcp, true);
  assert.equal(d.maxResponsesPerSource, 10);
  assert.equal(d.persona.userAgent, 'Asterisk PBX 18.20.0');
  assert.deepEqual(honeypotSchema.parse({ listen: ['127.0.0.1:5070', '[::1]:5070'] }).listen, [{ host: '127.0.0.1', port: 5070 }, { host: '::1', port: 5070 }]);
  assert.equal(honeypotSchema.safeParse({ listen: ['127.0.0.1:0'] }).success, false);
  assert.equal(honeypotSchema.safeParse({ maxResponsePerSource: 5 }).success, false);
  assert.equal(honeypotSchema.parse({ idleTimeout: '5m', maxMessageBytes: '8KiB' }).idleTimeout, 300);
});
