/** Datagrams holding several SIP messages: split after parsing, each message its own payload. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Counters } from '../../src/base/counters.js';
import { TransportDecoder } from '../../src/decode/transport-decoder.js';
import { eachSipMessage } from '../../src/pipeline/sip-messages.js';
import { invite, ok200, options, options_, udp } from '../decode/transport/builders.js';

interface Seen {
  text: string;
  skipped: number;
  error: string | null;
  callId: string | null;
}

function harness() {
  const counters = new Counters();
  const seen: Seen[] = [];
  const after: Array<[number, number, number]> = [];
  const dec = new TransportDecoder(options(), counters, (p) => {
    if (p.kind !== 'sip') return;
    const before: [number, number, number] = [p.start, p.end, p.skipped];
    eachSipMessage(p, counters, (q, m) => {
      assert.equal(m.start, q.start);
      assert.equal(m.end, q.end);
      seen.push({ text: q.buf.toString('latin1', q.start, q.end), skipped: q.skipped, error: m.error?.code ?? null, callId: m.callId });
    });
    // The payload is decode's: it comes back as it was handed over.
    after.push([p.start, p.end, p.skipped]);
    assert.deepEqual(after.at(-1), before);
  });
  return { counters, seen, feed: (text: string) => dec.receive(udp(text)) };
}

test('two and three messages in one datagram: one payload each, bounded to the message', () => {
  const h = harness();
  const a = ok200('one');
  const b = invite('two');
  h.feed(a + b);
  assert.deepEqual(h.seen.map((s) => s.text), [a, b]);
  assert.deepEqual(h.seen.map((s) => [s.callId, s.error]), [['one', null], ['two', null]]);
  assert.equal(h.counters.get('decode.sip.datagram_split'), 1);
  const c = ok200('three');
  h.feed(b + a + c);
  assert.deepEqual(h.seen.slice(2).map((s) => s.callId), ['two', 'one', 'three']);
  assert.equal(h.counters.get('decode.sip.datagram_split'), 3);
});

test('junk before the first message stays counted on it alone', () => {
  const h = harness();
  const a = ok200('one');
  const b = ok200('two');
  h.feed('DB' + a + b);
  assert.deepEqual(h.seen.map((s) => [s.text, s.skipped]), [[a, 2], [b, 0]]);
});

test('no split without Content-Length, or when the bytes after the body are no start line', () => {
  const h = harness();
  // No Content-Length on UDP: the body runs to the end of the datagram (RFC 3261 §18.3).
  const noCl = 'MESSAGE sip:x SIP/2.0\r\nCall-ID: 3\r\n\r\nhello INVITE sip:x SIP/2.0\r\n';
  h.feed(noCl);
  // Bytes after the body that are not a start line stay with the message; the parser has judged them.
  const trailing = ok200('four') + 'garbage';
  h.feed(trailing);
  // A Content-Length longer than the datagram: one truncated message.
  const short = ok200('five').replace('Content-Length: 0', 'Content-Length: 9999');
  h.feed(short + invite('six'));
  assert.deepEqual(h.seen.map((s) => s.text), [noCl, trailing, short + invite('six')]);
  assert.equal(h.seen[2]!.error, 'sip.truncated_body');
  assert.equal(h.counters.get('decode.sip.datagram_split'), 0);
});

test('property: any run of framed messages in one datagram comes out message by message', () => {
  const message = fc.oneof(
    fc.nat(999).map((n) => invite(`inv-${n}`)),
    fc.tuple(fc.nat(999), fc.string({ maxLength: 40 })).map(([n, body]) => invite(`body-${n}`, body.replace(/[^\x20-\x7e]/g, 'x') + '\r\n')),
    fc.nat(999).map((n) => ok200(`ok-${n}`)),
    fc.nat(999).map((n) => options_(n + 1)),
  );
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), (msgs) => {
      const h = harness();
      h.feed(msgs.join(''));
      assert.deepEqual(h.seen.map((x) => x.text), msgs);
      // The OPTIONS sample lacks From and To: a message that fails parsing is still framed by its Content-Length.
      assert.deepEqual(h.seen.map((x) => x.error), msgs.map((m) => (m.startsWith('OPTIONS') ? 'sip.missing_mandatory' : null)));
      assert.equal(h.counters.get('decode.sip.datagram_split'), msgs.length - 1);
    }),
    { numRuns: 300 },
  );
});
