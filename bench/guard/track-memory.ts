/**
 * Heap cost of the tracker's state under a flood, measured after a full GC: N unanswered requests
 * with distinct Call-IDs from 1,000 sources, all still pending (an INVITE holds one transaction and
 * one early call, an OPTIONS one transaction), or N successful registrations of distinct AoRs once
 * their transactions have lingered out (`REGISTER`: bindings only). This is what sizes
 * `maxTransactions` / `maxCalls` / `maxBindings` for the 1 GiB budget.
 *
 *   node --expose-gc dist/bench/guard/track-memory.js [N] [INVITE|OPTIONS|REGISTER]
 */
import { Counters } from '../../src/base/counters.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { defaultTrackOptions } from '../../src/track/options.js';
import { Tracker } from '../../src/track/tracker.js';
import { floodSource, FLOOD_T0_US } from '../../test/guard/gen-flood.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

export function measureTrackerHeap(n: number, method = 'INVITE'): { perEntryBytes: number; heapMiB: number } {
  const counters = new Counters();
  const tracker = new Tracker({ ...defaultTrackOptions, maxTransactions: n + 1, maxCalls: n + 1 }, counters, () => {});
  gc!();
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < n; k++) {
    // Fresh strings per packet, as decode makes them.
    const src = floodSource(1 + (k % 1000)).split('').join('');
    const user = method === 'REGISTER' ? `u${k}` : 'caller';
    const text = [
      `${method} sip:${100 + (k % 9000)}@192.0.2.10 SIP/2.0`,
      `Via: SIP/2.0/UDP ${src}:5060;branch=z9hG4bK-i${k};rport`,
      'Max-Forwards: 70',
      `From: "flood" <sip:${user}@${src}>;tag=f${k}`,
      method === 'REGISTER' ? `To: <sip:${user}@${src}>` : `To: <sip:${100 + (k % 9000)}@192.0.2.10>`,
      `Call-ID: inv-${k}@${src}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:${user}@${src}:5060>`,
      'User-Agent: friendly-scanner',
      'Content-Length: 0',
      '', '',
    ].join('\r\n');
    const buf = Buffer.from(text, 'latin1');
    const p: SipPayload = {
      tsUs: FLOOD_T0_US + k * 20, ipVersion: 4, srcIp: src, srcPort: 5060, dstIp: '192.0.2.10', dstPort: 5060,
      transport: 'udp', encap: ['eth', 'ipv4', 'udp'], kind: 'sip', buf, start: 0, end: buf.length, skipped: 0, hep: null,
    };
    tracker.onMessage(p, parseSipMessage(buf, 0, buf.length));
    if (method === 'REGISTER') {
      const ok = text
        .replace(/^REGISTER [^\r]*/, 'SIP/2.0 200 OK')
        .replace(/\r\nTo: ([^\r]*)/, `\r\nTo: $1;tag=t${k}`)
        .replace(/\r\nContact: ([^\r]*)/, '\r\nContact: $1;expires=3600');
      const rb = Buffer.from(ok, 'latin1');
      const r: SipPayload = { ...p, tsUs: p.tsUs + 5, srcIp: p.dstIp, srcPort: p.dstPort, dstIp: p.srcIp, dstPort: p.srcPort, buf: rb, end: rb.length };
      tracker.onMessage(r, parseSipMessage(rb, 0, rb.length));
    }
  }
  if (method === 'REGISTER') tracker.advance(FLOOD_T0_US + n * 20 + 100 * 1e6); // transactions linger out; bindings stay
  gc!();
  const after = process.memoryUsage().heapUsed;
  const expected = method === 'REGISTER' ? { transactions: 0, calls: 0, bindings: n } : { transactions: n, calls: method === 'INVITE' ? n : 0, bindings: 0 };
  const tables = tracker.tables;
  if (tables.transactions !== expected.transactions || tables.calls !== expected.calls || tables.bindings !== expected.bindings) throw new Error(`expected ${n} pending, got ${JSON.stringify(tracker.tables)}`);
  return { perEntryBytes: (after - before) / n, heapMiB: after / 2 ** 20 };
}

if (process.argv[1]?.endsWith('track-memory.js')) {
  const n = Number(process.argv[2] ?? 100_000);
  const method = process.argv[3] ?? 'INVITE';
  const r = measureTrackerHeap(n, method);
  const MiB = 2 ** 20;
  console.log(`tracker: ${n} pending ${method}s: ${Math.round(r.perEntryBytes)} B each, heap ${r.heapMiB.toFixed(0)} MiB`);
  const at = (k: number): string => `${((k * r.perEntryBytes) / MiB).toFixed(0)} MiB`;
  if (method === 'INVITE') console.log(`at the default caps (maxTransactions ${defaultTrackOptions.maxTransactions}, maxCalls ${defaultTrackOptions.maxCalls}): ≈ ${at(Math.min(defaultTrackOptions.maxTransactions, defaultTrackOptions.maxCalls))}`);
}
