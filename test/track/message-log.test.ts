import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { MessageLog } from '../../src/track/message-log.js';

/** An OPTIONS request of exactly `size` bytes for a Call-ID (padded with a header). */
function options(callId: string, cseq: number, size: number): Buffer {
  const head = `OPTIONS sip:pbx.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${cseq}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:pbx.example.com>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} OPTIONS\r\nContent-Length: 0\r\nX-Pad: `;
  const pad = size - head.length - 4;
  assert.ok(pad >= 0);
  return Buffer.from(head + 'x'.repeat(pad) + '\r\n\r\n', 'latin1');
}

function record(log: MessageLog, callId: string, cseq: number, tsUs: number, size = 300): void {
  const buf = options(callId, cseq, size);
  const p: SipPayload = {
    tsUs, ipVersion: 4, srcIp: '192.0.2.1', srcPort: 5060, dstIp: '192.0.2.2', dstPort: 5060, transport: 'udp',
    encap: [], kind: 'sip', buf, start: 0, end: buf.length, skipped: 0, hep: null,
  };
  log.record(p, parseSipMessage(buf, 0, buf.length));
}

/** 300-byte messages cost 300 + 160 bytes each in the log's accounting. */
const COST = 460;

test('MessageLog forgets the Call-IDs silent the longest when full, keeping each message copied', () => {
  const log = new MessageLog({ maxBytes: 10 * COST, maxPerCall: 100 });
  for (let i = 0; i < 10; i++) record(log, `call-${i}`, 1, i);
  assert.deepEqual(log.size, { calls: 10, bytes: 10 * COST });
  // call-0 speaks again: it is now the most recent, so call-1 and call-2 go first.
  record(log, 'call-0', 2, 100);
  assert.equal(log.get('call-1'), undefined);
  assert.equal(log.get('call-0')!.messages.length, 2);
  record(log, 'new', 1, 101);
  assert.equal(log.get('call-2'), undefined);
  assert.ok(log.get('call-3'));
  assert.equal(log.evicted, 2);
  assert.deepEqual(log.size, { calls: 9, bytes: 10 * COST });
  const kept = log.get('call-0')!.messages;
  assert.deepEqual(kept.map((m) => m.tsUs), [0, 100]);
  assert.equal(parseSipMessage(kept[1]!.bytes, 0, kept[1]!.bytes.length).cseq?.num, 2, 'the bytes are a copy of the message');
});

test('MessageLog: one Call-ID over the cap drops its own oldest messages; the per-call limit counts the rest', () => {
  const log = new MessageLog({ maxBytes: 3 * COST, maxPerCall: 100 });
  for (let i = 1; i <= 5; i++) record(log, 'busy', i, i);
  const busy = log.get('busy')!;
  assert.deepEqual(busy.messages.map((m) => m.tsUs), [3, 4, 5]);
  assert.equal(busy.dropped, 2);
  const capped = new MessageLog({ maxBytes: 100 * COST, maxPerCall: 2 });
  for (let i = 1; i <= 5; i++) record(capped, 'chatty', i, i);
  assert.deepEqual(capped.get('chatty')!.messages.map((m) => m.tsUs), [1, 2]);
  assert.equal(capped.get('chatty')!.dropped, 3);
});

test('MessageLog stays within its bytes while many Call-IDs keep coming back (eviction order under churn)', () => {
  const log = new MessageLog({ maxBytes: 200 * COST, maxPerCall: 1000 });
  const lastSeen = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    // A few long calls keep talking among many short ones.
    const id = i % 5 === 0 ? `long-${i % 15}` : `short-${i}`;
    record(log, id, i, i);
    lastSeen.set(id, i);
    assert.ok(log.size.bytes <= 200 * COST);
  }
  // What is kept is a suffix by activity: every Call-ID kept was active after every one forgotten.
  const kept = [...lastSeen].filter(([id]) => log.get(id) !== undefined);
  const gone = [...lastSeen].filter(([id]) => log.get(id) === undefined);
  assert.equal(kept.length, log.size.calls);
  assert.ok(gone.length > 15_000); // 16,000 short calls and 3 long ones passed through a log that holds about 200 messages
  assert.ok(Math.min(...kept.map(([, t]) => t)) > Math.max(...gone.map(([, t]) => t)));
  // The long calls' own oldest messages went when they alone were over the cap.
  assert.equal(log.size.bytes, kept.reduce((n, [id]) => n + log.get(id)!.messages.length * COST, 0));
  for (const id of ['long-0', 'long-5', 'long-10']) assert.ok(log.get(id), `${id} is active and kept`);
});
