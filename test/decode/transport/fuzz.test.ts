/**
 * Property tests: the SIP messages of a TCP byte stream do not depend on how the stream was cut
 * into segments, in what order they arrived or which were retransmitted (split-fuzz); and random
 * mutations of every kind of input never raise inside the decoder, which keeps working afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { sharedPcap } from '../../helpers/paths.js';
import { Conn, dataChunk, harness, invite, ok200, options_, reverse, sctp, tcp, udp } from './builders.js';
import { runCapture } from './shared-run.js';

// Seeded so CI runs are reproducible; change the seed to explore further.
fc.configureGlobal({ seed: 20261122 });

/** Real SIP messages (from shared TCP captures when present) plus synthetic ones. */
async function realMessages(): Promise<string[]> {
  const out: string[] = [];
  for (const f of ['pkts_fragmented_tcp_sip.pcap', 'heplify_sip_ipv4_tcp.pcap', 'suricata_sip-body-large_sip-body-large.pcap']) {
    const path = sharedPcap(f);
    if (!existsSync(path)) continue;
    const r = await runCapture(path);
    for (const p of r.payloads) if (p.kind === 'sip' && p.transport === 'tcp') out.push(p.text);
  }
  out.push(invite('synthetic-1'), options_(2), ok200('synthetic-3'));
  return out;
}

test('split-fuzz: any segmentation, order and retransmission gives the same messages', async () => {
  const messages = await realMessages();
  // Keep-alives between some messages: a CRLFCRLF ping or a CRLF pong.
  let stream = '';
  messages.forEach((m, i) => {
    stream += m;
    if (i % 3 === 0) stream += '\r\n\r\n';
    if (i % 4 === 1) stream += '\r\n';
  });
  const keepaliveBytes = stream.length - messages.reduce((n, m) => n + m.length, 0);
  const data = Buffer.from(stream, 'latin1');
  assert.equal(data.length > 70_000, existsSync(sharedPcap('suricata_sip-body-large_sip-body-large.pcap')));

  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: data.length - 1 }), { maxLength: 80 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (cuts, swaps, dups) => {
        const h = harness();
        const k = new Conn({}, reverse(), 4_000_000_000); // the stream wraps the sequence space
        const syn = k.handshake();
        const bounds = [0, ...cuts.sort((a, b) => a - b), data.length];
        const segs = bounds.slice(1).map((end, i) => tcp(data.subarray(bounds[i], end), k.cseq + bounds[i]));
        for (const [a, b] of swaps) {
          const i = a % segs.length;
          const j = b % segs.length;
          [segs[i], segs[j]] = [segs[j], segs[i]];
        }
        for (const d of dups) {
          const s = segs[d % segs.length];
          segs.push(tcp(s.buf.subarray(s.start, s.end), s.tcpSeq));
        }
        h.feed(...syn);
        for (const s of segs) h.feed(s);
        h.dec.finish();
        assert.deepEqual(h.texts('sip'), messages);
        assert.equal(
          h.out.filter((p) => p.kind === 'keepalive').reduce((n, p) => n + p.text.length, 0),
          keepaliveBytes,
        );
        assert.equal(h.texts('non-sip').length, 0);
        assert.equal(h.counters.get('decode.tcp.gap'), 0);
      },
    ),
    { numRuns: 200 },
  );
});

/** WebSocket stream carrying SIP, to be mutated. */
function wsStream(): Buffer {
  const up =
    'GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
  const frames: Buffer[] = [Buffer.from(up)];
  for (const m of [invite('w1'), options_(3)]) {
    const d = Buffer.from(m);
    const head = Buffer.from([0x81, 0x80 | 126, d.length >> 8, d.length & 0xff, 1, 2, 3, 4]);
    for (let i = 0; i < d.length; i++) d[i] ^= [1, 2, 3, 4][i & 3];
    frames.push(head, d);
  }
  return Buffer.concat(frames);
}

/** A HEP3 packet with a SIP payload (minimal chunk set), to be mutated. */
function hepPacket(): Buffer {
  const payload = Buffer.from(options_(9));
  const chunks = [
    [1, Buffer.from([2])],
    [3, Buffer.from([1, 2, 3, 4])],
    [4, Buffer.from([5, 6, 7, 8])],
    [11, Buffer.from([1])],
    [15, payload],
  ].map(([t, v]) => {
    const b = v as Buffer;
    const c = Buffer.alloc(6 + b.length);
    c.writeUInt16BE(t as number, 2);
    c.writeUInt16BE(6 + b.length, 4);
    b.copy(c, 6);
    return c;
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.from('HEP3\0\0', 'latin1');
  head.writeUInt16BE(6 + body.length, 4);
  return Buffer.concat([head, body]);
}

test('mutation fuzz: random corruption never raises inside, and the decoder still works', () => {
  const sipStream = Buffer.from(invite('m1') + '\r\n\r\n' + options_(2) + ok200('m3'), 'latin1');
  const inputs = [sipStream, wsStream(), hepPacket(), Buffer.concat([dataChunk(options_(4), { tsn: 1 })])];
  fc.assert(
    fc.property(
      fc.nat({ max: inputs.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }),
      fc.integer({ min: 0, max: 64 }),
      fc.uniqueArray(fc.nat(), { maxLength: 10 }),
      (which, mutations, chop, cutSeeds) => {
        const base = Buffer.from(inputs[which]);
        for (const [pos, byte] of mutations) base[pos % base.length] = byte;
        const bad = base.subarray(0, Math.max(1, base.length - chop));
        const h = harness();
        // The same bytes as a UDP datagram on SIP and HEP ports, as SCTP chunks, and as TCP
        // segments on a SIP port, a WebSocket port and a HEP port.
        h.feed(udp(bad), udp(bad, { dstPort: 9060 }), udp(bad, { dstPort: 1234 }), sctp([bad]));
        for (const port of [5060, 8080, 9060]) {
          const k = new Conn({ srcPort: 30000, dstPort: port }, reverse({ srcPort: port, dstPort: 30000 }));
          h.feed(...k.handshake()); // before the segments: they start at the ISN + 1
          const cuts = [...new Set(cutSeeds.map((c) => c % bad.length))].sort((a, b) => a - b);
          const bounds = [0, ...cuts, bad.length];
          for (let i = 1; i < bounds.length; i++) {
            if (bounds[i] > bounds[i - 1]) h.feed(tcp(bad.subarray(bounds[i - 1], bounds[i]), k.cseq + bounds[i - 1]));
          }
        }
        h.dec.tick(10_000_000_000);
        h.dec.finish();
        assert.equal(h.counters.get('decode.transport.internal_error'), 0, String(h.dec.lastError));
        // Still working: a clean datagram and a clean stream on new flows.
        const before = h.out.length;
        const k2 = new Conn({ srcPort: 31000 }, reverse({ dstPort: 31000 }));
        h.feed(udp(options_(77), { srcPort: 32000 }), ...k2.handshake(), k2.client(invite('after')));
        assert.deepEqual(
          h.out.slice(before).map((p) => [p.kind, p.text]),
          [
            ['sip', options_(77)],
            ['sip', invite('after')],
          ],
        );
      },
    ),
    { numRuns: 600 },
  );
});

test('random bytes on every transport never raise', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 31 }), (u8, seq, flags) => {
      const h = harness();
      const b = Buffer.from(u8);
      h.feed(udp(b), udp(b, { dstPort: 9060 }), sctp([b]), tcp(b, seq, flags), tcp(b, seq + 7, flags, reverse()));
      h.feed(tcp(b, seq, flags, { dstPort: 5061 }), tcp(b, seq, flags, { dstPort: 8080 }));
      h.dec.finish();
      assert.equal(h.counters.get('decode.transport.internal_error'), 0, String(h.dec.lastError));
    }),
    { numRuns: 600 },
  );
});
