/**
 * Micro-benchmark of the SIP parser: messages/s for parse only and for parse plus the getters the
 * tracking stage reads on every message (callId, cseq, topVia.branch, from.tag, to.tag).
 * Run: node dist/bench/sip/parse.bench.js
 */
import { parseSipMessage } from '../../src/sip/parse.js';
import { INVITE, OK_200, OPTIONS, REGISTER_AUTH } from '../../test/sip/samples.js';

const SAMPLES: Array<[string, Buffer]> = [
  ['INVITE', INVITE],
  ['200 OK (3 Via)', OK_200],
  ['REGISTER+auth', REGISTER_AUTH],
  ['OPTIONS', OPTIONS],
];

let sink = 0;

function parseOnly(buf: Buffer): void {
  const m = parseSipMessage(buf, 0, buf.length);
  sink += m.headerCount;
}

function parseAndRead(buf: Buffer): void {
  const m = parseSipMessage(buf, 0, buf.length);
  const callId = m.callId;
  const cseq = m.cseq;
  const branch = m.topVia?.branch;
  const ft = m.from?.tag;
  const tt = m.to?.tag;
  sink += (callId?.length ?? 0) + (cseq?.num ?? 0) + (branch?.length ?? 0) + (ft?.length ?? 0) + (tt?.length ?? 0);
}

/**
 * Best of several rounds, timed with the process CPU clock (user + system) so that time the
 * process spends descheduled on a shared machine does not count.
 */
function measure(fn: (b: Buffer) => void, buf: Buffer): number {
  for (let i = 0; i < 200_000; i++) fn(buf); // warm-up
  let best = 0;
  for (let round = 0; round < 7; round++) {
    const n = 300_000;
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(buf);
    const c = process.cpuUsage(c0);
    best = Math.max(best, (n * 1e6) / (c.user + c.system));
  }
  return best;
}

function fmt(rate: number): string {
  return (rate / 1e6).toFixed(2).padStart(6) + ' M msg/s';
}

console.log(`node ${process.version}`);
// Warm every sample first so the timed rounds see the same (mixed) type feedback as real traffic.
for (let i = 0; i < 50_000; i++) for (const [, buf] of SAMPLES) parseAndRead(buf);
for (const [name, buf] of SAMPLES) {
  const a = measure(parseOnly, buf);
  const b = measure(parseAndRead, buf);
  console.log(`${name.padEnd(16)} ${String(buf.length).padStart(5)} B  parse ${fmt(a)}  parse+getters ${fmt(b)}`);
}
if (sink === 42) console.log('');
