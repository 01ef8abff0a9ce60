/**
 * `npm run bench`: end-to-end throughput on a large generated capture, next to tshark on the same file.
 *  1. decode + parse (every SIP message parsed and its Call-ID, CSeq, tags and branch read),
 *  2. the full replay pipeline (decode → parse → track → ECS NDJSON written to a file),
 *  3. `tshark -r FILE -Y sip -T fields -e sip.Call-ID` on the same file, and the ratio.
 * Then the per-module micro-benchmarks beside the code. Numbers go to stdout and bench/out/results.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Counters } from '../src/base/counters.js';
import { readCapture } from '../src/capture/read-capture.js';
import { CaptureParser } from '../src/capture/capture-parser.js';
import type { SipPayload } from '../src/decode/sip-payload.js';
import { alertToEcs } from '../src/events/alert.js';
import { eventToJson } from '../src/events/ndjson.js';
import { createGuard } from '../src/guard/guard.js';
import type { TrackEvent } from '../src/track/track-event.js';
import { DecodeChain, defaultDecodeOptions } from '../src/pipeline/decode-chain.js';
import { LineSink } from '../src/pipeline/line-sink.js';
import { defaultReplayOptions, replayFiles } from '../src/pipeline/replay.js';
import { eachSipMessage } from '../src/pipeline/sip-messages.js';
import type { SipMessage } from '../src/sip/message.js';
import { generateCapture } from './gen-capture.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const capture = join(out, 'load.pcap');
const messages = Number(process.env.BENCH_MESSAGES ?? 400_000);

if (!existsSync(capture) || process.env.BENCH_REGENERATE) {
  const t = performance.now();
  const n = await generateCapture(capture, { messages });
  console.log(`generated ${capture}: ${n} SIP messages, ${(statSync(capture).size / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const results: Record<string, unknown> = { capture, bytes: statSync(capture).size, node: process.version };

/**
 * The same work on one core without I/O: the capture is already in memory (1 MiB chunks, as the
 * reader delivers them) and the parser, decoders and SIP parser run synchronously on this thread.
 */
function decodeParseInMemory(chunks: Buffer[], withGetters: boolean): { msgs: number; seconds: number } {
  let msgs = 0;
  let sink = 0;
  const counters = new Counters();
  const onMessage = (_p: SipPayload, m: SipMessage): void => {
    msgs++;
    if (withGetters) sink += (m.callId?.length ?? 0) + (m.cseq?.num ?? 0) + (m.from?.tag?.length ?? 0) + (m.to?.tag?.length ?? 0) + (m.topVia?.branch?.length ?? 0);
  };
  const onPayload = (p: SipPayload): void => {
    if (p.kind === 'sip') eachSipMessage(p, counters, onMessage);
  };
  const chain = new DecodeChain(defaultDecodeOptions, counters, onPayload);
  const parser = new CaptureParser('bench', chain.onFrame);
  const t = performance.now();
  for (const c of chunks) parser.push(c);
  parser.end();
  chain.finish();
  const seconds = (performance.now() - t) / 1000;
  if (sink < 0) console.log(sink);
  return { msgs, seconds };
}

async function decodeParse(): Promise<{ msgs: number; seconds: number }> {
  let msgs = 0;
  let sink = 0;
  const counters = new Counters();
  const onMessage = (_p: SipPayload, m: SipMessage): void => {
    msgs++;
    // The same output tshark is asked for below: every message's Call-ID.
    sink += m.callId?.length ?? 0;
  };
  const onPayload = (p: SipPayload): void => {
    if (p.kind === 'sip') eachSipMessage(p, counters, onMessage);
  };
  const chain = new DecodeChain(defaultDecodeOptions, counters, onPayload);
  const t = performance.now();
  await readCapture(capture, chain.onFrame);
  chain.finish();
  const seconds = (performance.now() - t) / 1000;
  if (sink < 0) console.log(sink);
  return { msgs, seconds };
}

/** The replay pipeline; `guarded` adds what `sipsentry replay` runs by default: the detectors and the rate limits (alerts written too). */
async function fullReplay(guarded = false): Promise<{ msgs: number; events: number; seconds: number }> {
  const sink = new LineSink(join(out, guarded ? 'events-guarded.ndjson' : 'events.ndjson'));
  let events = 0;
  const t = performance.now();
  const guard = guarded ? createGuard({}, new Counters(), { alert: (a, allowlisted) => sink.write(JSON.stringify(alertToEcs(a, allowlisted))) }) : null;
  const write = (e: TrackEvent): void => {
    events++;
    sink.write(eventToJson(e));
  };
  const r = await replayFiles([capture], defaultReplayOptions, guard === null ? write : (e) => {
    const kept = guard.run(e);
    if (kept !== null) write(kept);
  }, new Counters(), guard === null ? {} : {
    onMessage: (p, m) => guard.onMessage(p, m),
    onTick: (now) => {
      for (const x of guard.tick(now)) write(x);
    },
  });
  await sink.close();
  return { msgs: r.counters.get('sip.messages'), events, seconds: (performance.now() - t) / 1000 };
}

// Warm-up run so both measurements see optimised code, then the best of three.
await decodeParse();
let best = { msgs: 0, seconds: Infinity };
for (let i = 0; i < 5; i++) {
  const r = await decodeParse();
  if (r.seconds < best.seconds) best = r;
}
const dpRate = best.msgs / best.seconds;
console.log(`file → decode → parse → Call-ID: ${best.msgs} messages in ${best.seconds.toFixed(3)} s = ${Math.round(dpRate).toLocaleString('en')} msg/s`);
results.fileDecodeParseCallId = { messages: best.msgs, seconds: best.seconds, perSecond: Math.round(dpRate) };

// One core, no I/O: decode + parse (the index; strings stay lazy), then with the common getters.
const whole = readFileSync(capture);
const chunks: Buffer[] = [];
for (let o = 0; o < whole.length; o += 1 << 20) chunks.push(whole.subarray(o, Math.min(whole.length, o + (1 << 20))));
decodeParseInMemory(chunks, false);
let bestMem = { msgs: 0, seconds: Infinity };
let bestMemGet = { msgs: 0, seconds: Infinity };
// Best of 7: on a shared 2-core machine single runs vary by ±10 %; the best run is the code's speed.
for (let i = 0; i < 7; i++) {
  const a = decodeParseInMemory(chunks, false);
  if (a.seconds < bestMem.seconds) bestMem = a;
  const b = decodeParseInMemory(chunks, true);
  if (b.seconds < bestMemGet.seconds) bestMemGet = b;
}
const memRate = bestMem.msgs / bestMem.seconds;
console.log(`decode+parse, one core, in memory: ${bestMem.msgs} messages in ${bestMem.seconds.toFixed(3)} s = ${Math.round(memRate).toLocaleString('en')} msg/s (target ≥ 500,000)`);
console.log(`decode+parse+common getters, one core, in memory: ${Math.round(bestMemGet.msgs / bestMemGet.seconds).toLocaleString('en')} msg/s`);
results.decodeParse = { messages: bestMem.msgs, seconds: bestMem.seconds, perSecond: Math.round(memRate) };
results.decodeParseGetters = { messages: bestMemGet.msgs, seconds: bestMemGet.seconds, perSecond: Math.round(bestMemGet.msgs / bestMemGet.seconds) };

let bestReplay = { msgs: 0, events: 0, seconds: Infinity };
for (let i = 0; i < 2; i++) {
  const r = await fullReplay();
  if (r.seconds < bestReplay.seconds) bestReplay = r;
}
const rpRate = bestReplay.msgs / bestReplay.seconds;
console.log(`replay (decode → events → NDJSON file): ${bestReplay.msgs} messages, ${bestReplay.events} events in ${bestReplay.seconds.toFixed(3)} s = ${Math.round(rpRate).toLocaleString('en')} msg/s (target ≥ 400,000)`);
results.replay = { messages: bestReplay.msgs, events: bestReplay.events, seconds: bestReplay.seconds, perSecond: Math.round(rpRate) };
let bestGuarded = { msgs: 0, events: 0, seconds: Infinity };
for (let i = 0; i < 3; i++) {
  const r = await fullReplay(true);
  if (r.seconds < bestGuarded.seconds) bestGuarded = r;
}
const gRate = bestGuarded.msgs / bestGuarded.seconds;
console.log(`replay with detectors and rate limits (sipsentry replay's default): ${Math.round(gRate).toLocaleString('en')} msg/s (${((rpRate / gRate - 1) * 100).toFixed(1)} % slower)`);
results.replayGuarded = { messages: bestGuarded.msgs, events: bestGuarded.events, seconds: bestGuarded.seconds, perSecond: Math.round(gRate) };

const tshark = spawnSync('which', ['tshark']).status === 0;
if (tshark) {
  // Best of two for tshark too, so both sides get the same treatment.
  let seconds = Infinity;
  let lines = 0;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const r = spawnSync('tshark', ['-r', capture, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], { maxBuffer: 1 << 30 });
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
    lines = r.stdout.toString().split('\n').filter((l) => l.length > 0).length;
  }
  console.log(`tshark -Y sip -T fields -e sip.Call-ID: ${lines} messages in ${seconds.toFixed(2)} s = ${Math.round(lines / seconds).toLocaleString('en')} msg/s`);
  console.log(`ratio (file → Call-ID of every message) sipsentry / tshark: ${(dpRate / (lines / seconds)).toFixed(1)}x (target ≥ 10x)`);
  results.tshark = { messages: lines, seconds, perSecond: Math.round(lines / seconds), ratio: dpRate / (lines / seconds) };
} else {
  console.log('tshark not installed: comparison skipped');
}

// Micro-benchmarks that mirror the source tree.
for (const micro of ['sip/parse.bench.js', 'decode/network.bench.js', 'decode/transport.bench.js', 'events/ndjson.bench.js', 'guard/rate.bench.js', 'privacy/encrypt.bench.js', 'capture/hep.bench.js', 'outputs/sqlite.bench.js', 'outputs/postgres.bench.js']) {
  const file = join(here, micro);
  if (!existsSync(file)) continue;
  console.log(`\n# ${micro}`);
  try {
    // The same Node flags as this run (the young-generation size bin/sipsentry.js starts Node with).
    process.stdout.write(execFileSync(process.execPath, [...process.execArgv, file], { encoding: 'utf8' }));
  } catch (err) {
    console.log(`failed: ${(err as Error).message}`);
  }
}
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
