/**
 * Cost of field encryption:
 *  1. the replay of the benchmark capture (decode → track → NDJSON file) with every group on,
 *     against the same replay without encryption (target: at most 30 % slower), with the
 *     encryption on its worker thread (the default) and inline on the packet thread;
 *  2. each cipher on values never seen before (the cache cannot help), and the cache hit.
 * Run: node dist/bench/privacy/encrypt.bench.js   (uses bench/out/load.pcap, generated if missing;
 * BENCH_MESSAGES sets its size as for bench/run.js). Results also go to bench/out/privacy.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventToJson } from '../../src/events/ndjson.js';
import { EventWriter } from '../../src/pipeline/event-writer.js';
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

type Mode = 'plain' | 'worker' | 'inline';
interface Run {
  msgs: number;
  events: number;
  seconds: number;
  encryptSeconds: number;
}

/**
 * The replay as `sipsentry replay` runs it: `worker` (the default) hands events to the encryption
 * worker thread, which returns finished lines for the sink; `inline` encrypts on the packet thread,
 * just before the fast serialiser (the time inside the encryptor is summed too: unlike the
 * difference of two runs, it does not move with the machine's load between them).
 */
async function replay(mode: Mode): Promise<Run> {
  const enc = mode === 'plain' ? null : createEncryptor({ groups: ['ips', 'uris', 'call_id', 'user', 'user_agent'], key });
  const sink = new LineSink(join(out, `events-${mode}.ndjson`));
  let events = 0;
  let encryptMs = 0;
  const writer = mode === 'worker' ? new EventWriter(enc, (r) => sink.write(r.json), { worker: {} }) : null;
  const onEvent =
    writer !== null
      ? (e: TrackEvent): void => {
          events++;
          writer.event(e);
        }
      : enc !== null
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
  await writer?.close();
  await sink.close();
  return { msgs: r.counters.get('sip.messages'), events, seconds: (performance.now() - t) / 1000, encryptSeconds: encryptMs / 1000 };
}

// Warm-up, then alternate the modes so all see the same machine state; best of 3.
const modes: Mode[] = ['plain', 'worker', 'inline'];
const best = {} as Record<Mode, Run>;
for (const m of modes) await replay(m);
for (let i = 0; i < 3; i++) {
  for (const m of modes) {
    const r = await replay(m);
    if (best[m] === undefined || r.seconds < best[m].seconds) best[m] = r;
  }
}
const plain = best.plain;
const rate = (r: { msgs: number; seconds: number }): string => Math.round(r.msgs / r.seconds).toLocaleString('en');
const slower = (r: Run): number => (r.seconds / plain.seconds - 1) * 100;
console.log(`node ${process.version}`);
console.log(`replay, no encryption:            ${plain.msgs} messages, ${plain.events} events in ${plain.seconds.toFixed(3)} s = ${rate(plain)} msg/s`);
console.log(`replay, all groups, worker thread: ${best.worker.seconds.toFixed(3)} s = ${rate(best.worker)} msg/s: ${slower(best.worker).toFixed(1)} % slower (target ≤ 30 %)`);
console.log(`replay, all groups, inline:        ${best.inline.seconds.toFixed(3)} s = ${rate(best.inline)} msg/s: ${slower(best.inline).toFixed(1)} % slower`);
const inl = best.inline;
console.log(`time inside the encryptor (inline): ${inl.encryptSeconds.toFixed(3)} s, ${((inl.encryptSeconds / inl.events) * 1e6).toFixed(2)} µs per event, ${((inl.encryptSeconds / plain.seconds) * 100).toFixed(1)} % of the plain replay`);

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
  JSON.stringify({ node: process.version, capture, plain, worker: best.worker, inline: best.inline, slowerPercent: { worker: slower(best.worker), inline: slower(best.inline) }, micro }, null, 2) + '\n',
);
