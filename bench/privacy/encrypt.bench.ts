/**
 * Cost of field encryption:
 *  1. the replay of the benchmark capture (decode → track → NDJSON file) with every group on,
 *     against the same replay without encryption (target: at most 30 % slower);
 *  2. each cipher on values never seen before (the cache cannot help), and the cache hit.
 * Run: node dist/bench/privacy/encrypt.bench.js   (uses bench/out/load.pcap, generated if missing;
 * BENCH_MESSAGES sets its size as for bench/run.js). Results also go to bench/out/privacy.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventToJson } from '../../src/events/ndjson.js';
import { LineSink } from '../../src/pipeline/line-sink.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { FieldCiphers } from '../../src/privacy/ciphers.js';
import { MasterKey } from '../../src/privacy/keys.js';
import { createEncryptor } from '../../src/privacy/processor.js';
import type { TrackEvent } from '../../src/track/track-event.js';
import { generateCapture } from '../gen-capture.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, '..', '..', '..', 'bench', 'out');
mkdirSync(out, { recursive: true });
const capture = join(out, 'load.pcap');
if (!existsSync(capture)) await generateCapture(capture, { messages: Number(process.env.BENCH_MESSAGES ?? 400_000) });

/** A fixed key for the benchmark only. */
const key = new MasterKey(Buffer.alloc(32, 0x42), 'benchmark key');

async function replay(encrypt: boolean): Promise<{ msgs: number; events: number; seconds: number; encryptSeconds: number }> {
  const enc = encrypt ? createEncryptor({ groups: ['ips', 'uris', 'call_id', 'user', 'user_agent'], key }) : null;
  const sink = new LineSink(join(out, encrypt ? 'events-encrypted.ndjson' : 'events-plain.ndjson'));
  let events = 0;
  let encryptMs = 0;
  // The same write as `sipsentry replay`: the fast serialiser, encryption just before it. The time
  // inside the encryptor is summed too: unlike the difference of two runs, it does not move with
  // the machine's load between them.
  const onEvent = enc
    ? (e: TrackEvent): void => {
        events++;
        const t0 = performance.now();
        enc(e);
        encryptMs += performance.now() - t0;
        sink.write(eventToJson(e));
      }
    : (e: TrackEvent): void => {
        events++;
        sink.write(eventToJson(e));
      };
  const t = performance.now();
  const r = await replayFiles([capture], defaultReplayOptions, onEvent);
  await sink.close();
  return { msgs: r.counters.get('sip.messages'), events, seconds: (performance.now() - t) / 1000, encryptSeconds: encryptMs / 1000 };
}

// Warm-up, then alternate plain and encrypted runs so both see the same machine state; best of 3.
await replay(false);
await replay(true);
let plain = { msgs: 0, events: 0, seconds: Infinity, encryptSeconds: 0 };
let enc = { msgs: 0, events: 0, seconds: Infinity, encryptSeconds: 0 };
for (let i = 0; i < 3; i++) {
  const p = await replay(false);
  if (p.seconds < plain.seconds) plain = p;
  const e = await replay(true);
  if (e.seconds < enc.seconds) enc = e;
}
const slower = (enc.seconds / plain.seconds - 1) * 100;
const rate = (r: { msgs: number; seconds: number }): string => Math.round(r.msgs / r.seconds).toLocaleString('en');
console.log(`node ${process.version}`);
console.log(`replay, no encryption:  ${plain.msgs} messages, ${plain.events} events in ${plain.seconds.toFixed(3)} s = ${rate(plain)} msg/s`);
console.log(`replay, all groups on:  ${enc.msgs} messages, ${enc.events} events in ${enc.seconds.toFixed(3)} s = ${rate(enc)} msg/s`);
console.log(`encryption cost: ${slower.toFixed(1)} % slower, ${(((enc.seconds - plain.seconds) / enc.events) * 1e6).toFixed(2)} µs per event (target ≤ 30 %)`);
console.log(`time inside the encryptor: ${enc.encryptSeconds.toFixed(3)} s, ${((enc.encryptSeconds / enc.events) * 1e6).toFixed(2)} µs per event, ${((enc.encryptSeconds / plain.seconds) * 100).toFixed(1)} % of the plain replay`);

/** Operations per second of fn over n distinct inputs. */
function measure(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return (n * 1e9) / Number(process.hrtime.bigint() - t);
}
const fmt = (ops: number): string => `${Math.round(ops).toLocaleString('en').padStart(11)} /s`;
let sink = 0;
const N = 100_000;
const fresh = (): FieldCiphers => new FieldCiphers(key, 'prefix', 1 << 20);
const micro: Record<string, number> = {};
const run = (name: string, fn: (c: FieldCiphers, i: number) => string): void => {
  const c = fresh();
  micro[name] = measure(N, (i) => (sink += fn(c, i).length));
  console.log(`${name.padEnd(44)} ${fmt(micro[name])}`);
};
console.log('\nuncached (every value new):');
run('IPv4, Crypto-PAn', (c, i) => c.ip(`10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`));
run('IPv6, Crypto-PAn', (c, i) => c.ip(`2001:db8::${i.toString(16)}`));
const full = new FieldCiphers(key, 'full', 1 << 20);
run('IPv4, ipcrypt', (_c, i) => full.ip(`10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`));
run('user part, 12 digits, prefix-preserving', (c, i) => c.user(`+4930${String(i).padStart(7, '0')}`));
run('Call-ID, 32 chars, AES-SIV', (c, i) => c.callId(`${i.toString(16).padStart(8, '0')}a1b2c3d4e5f6a7b8c9d0e1f2@h`));
run('URI sip:user@host;transport=udp (new user)', (c, i) => c.uri(`sip:${1000 + i}@voip.example.com;transport=udp`));
run('User-Agent, AES-SIV', (c, i) => c.userAgent(`Yealink SIP-T46S 66.86.0.${i}`));
const warm = fresh();
warm.uri('sip:alice@voip.example.com');
micro['cache hit (URI)'] = measure(N * 10, () => (sink += warm.uri('sip:alice@voip.example.com').length));
console.log(`${'cache hit (URI)'.padEnd(44)} ${fmt(micro['cache hit (URI)'])}`);
if (sink < 0) console.log(sink);

writeFileSync(
  join(out, 'privacy.json'),
  JSON.stringify({ node: process.version, capture, plain, encrypted: enc, slowerPercent: slower, micro }, null, 2) + '\n',
);
