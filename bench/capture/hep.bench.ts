/**
 * HEP ingestion: a `sipsentry run --hep` process on loopback fed by a load generator of our own (a
 * second process) with HEP3-wrapped SIP (REGISTER/200 pairs, distinct Call-IDs). TCP has
 * back-pressure, so its figure is the sustained rate of the whole path (receive → decode → parse
 * → track → guard → output); UDP shows what arrives when the sender does not wait, and that what
 * the kernel drops is counted (capture.hep.udp_kernel_drops): processed + counted = sent.
 * Rates come from the probe's own counters (/metrics), time from first to last packet processed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'bin', 'sipsentry.js');
const MESSAGES = Number(process.env.HEP_BENCH_MESSAGES ?? 200_000);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The generator, run as its own process: builds HEP3 packets and sends them as fast as the transport lets it. */
const GENERATOR = `
const net = require('node:net'), dgram = require('node:dgram');
const [transport, port, n] = process.argv.slice(1); const N = Number(n);
function chunk(type, value) { const b = Buffer.alloc(6 + value.length); b.writeUInt16BE(0, 0); b.writeUInt16BE(type, 2); b.writeUInt16BE(6 + value.length, 4); value.copy(b, 6); return b; }
function u16(v) { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; }
function u32(v) { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; }
function ip(a) { return Buffer.from(a.split('.').map(Number)); }
function hep(src, dst, sp, dp, sec, usec, payload) {
  const body = Buffer.concat([chunk(1, Buffer.from([2])), chunk(2, Buffer.from([17])), chunk(3, ip(src)), chunk(4, ip(dst)), chunk(7, u16(sp)), chunk(8, u16(dp)), chunk(9, u32(sec)), chunk(10, u32(usec)), chunk(11, Buffer.from([1])), chunk(12, u32(1)), chunk(15, payload)]);
  const h = Buffer.alloc(6); h.write('HEP3', 0, 'latin1'); h.writeUInt16BE(6 + body.length, 4); return Buffer.concat([h, body]);
}
const t0 = Math.floor(Date.now() / 1000);
function packet(i) {
  const pair = i >> 1, host = '10.' + ((pair >> 16) & 255) + '.' + ((pair >> 8) & 255) + '.' + (pair & 255);
  const cid = 'bench-' + pair + '@' + host;
  const common = 'Via: SIP/2.0/UDP ' + host + ':5060;branch=z9hG4bK' + pair + '\\r\\nFrom: <sip:' + pair + '@example.com>;tag=f' + pair + '\\r\\nTo: <sip:' + pair + '@example.com>' + ((i & 1) ? ';tag=t' + pair : '') + '\\r\\nCall-ID: ' + cid + '\\r\\nCSeq: 1 REGISTER\\r\\nContact: <sip:' + pair + '@' + host + ':5060>;expires=3600\\r\\nContent-Length: 0\\r\\n\\r\\n';
  const sip = (i & 1) ? 'SIP/2.0 200 OK\\r\\n' + common : 'REGISTER sip:example.com SIP/2.0\\r\\n' + common;
  const usec = (pair * 37) % 1000000;
  return (i & 1) ? hep('192.0.2.1', host, 5060, 5060, t0 + (pair / 5000 | 0), usec + 1 < 1e6 ? usec + 1 : usec, Buffer.from(sip)) : hep(host, '192.0.2.1', 5060, 5060, t0 + (pair / 5000 | 0), usec, Buffer.from(sip));
}
if (transport === 'tcp') {
  const s = net.connect(Number(port), '127.0.0.1', () => {
    let i = 0;
    const pump = () => { while (i < N) { const ok = s.write(packet(i++)); if (!ok) { s.once('drain', pump); return; } } s.end(); };
    pump();
  });
} else {
  const s = dgram.createSocket('udp4'); let i = 0;
  const pump = () => { let k = 0; while (i < N && k++ < 200) s.send(packet(i++), Number(port), '127.0.0.1'); if (i < N) setImmediate(pump); else setTimeout(() => s.close(), 200); };
  pump();
}
`;

async function metric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

async function run(transport: 'tcp' | 'udp'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sipsentry-hep-bench-'));
  const port = await freePort();
  const httpPort = await freePort();
  const probe = spawn(process.execPath, [CLI, 'run', '--hep', `127.0.0.1:${port}`, '--http', `127.0.0.1:${httpPort}`, '--output', `ndjson:${join(dir, 'events.ndjson')}`, '-E', `spool.dir=${join(dir, 'spool')}`, '-E', 'stats.interval=0', '--log-level', 'warn'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      try {
        await metric(httpPort, 'sipsentry_sip_messages_total');
        break;
      } catch {
        await sleep(100);
      }
    }
    const gen = spawn(process.execPath, ['-e', GENERATOR, transport, String(port), String(MESSAGES)], { stdio: 'inherit' });
    const start = performance.now();
    let seen = 0;
    let last = -1;
    let lastChange = performance.now();
    let done = performance.now();
    // Poll until every message is processed (TCP) or the count stops moving (UDP drops).
    while (seen < MESSAGES && performance.now() - lastChange < 3000) {
      await sleep(50);
      seen = await metric(httpPort, 'sipsentry_sip_messages_total');
      if (seen !== last) {
        last = seen;
        lastChange = performance.now();
        done = lastChange;
      }
    }
    await new Promise((resolve) => (gen.exitCode !== null ? resolve(null) : gen.on('exit', resolve)));
    const seconds = (done - start) / 1000;
    const line = `HEP over ${transport.toUpperCase()}: ${seen.toLocaleString('en')} of ${MESSAGES.toLocaleString('en')} SIP messages processed in ${seconds.toFixed(2)} s = ${Math.round(seen / seconds).toLocaleString('en')} msg/s (receive → decode → track → NDJSON)`;
    if (transport === 'tcp') return line;
    // The listener reads the kernel's drop count every 2 s; the loop above waited 3 s of quiet.
    const dropped = await metric(httpPort, 'sipsentry_capture_hep_udp_kernel_drops_total');
    return `${line}; dropped by the kernel and counted: ${dropped.toLocaleString('en')}; processed + counted = ${(seen + dropped).toLocaleString('en')}`;
  } finally {
    probe.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const t of ['tcp', 'udp'] as const) console.log(await run(t));
