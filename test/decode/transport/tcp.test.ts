import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransportDecoder } from '../../../src/decode/transport-decoder.js';
import { Conn, F, harness, invite, ok200, options, options_, reverse, tcp } from './builders.js';

/** Cuts `s` at the given offsets. */
function cut(s: string, ...at: number[]): string[] {
  const out: string[] = [];
  let prev = 0;
  for (const a of at) {
    out.push(s.slice(prev, a));
    prev = a;
  }
  out.push(s.slice(prev));
  return out;
}

test('three pipelined messages in one segment', () => {
  const h = harness();
  const k = new Conn();
  const msgs = [invite('p1'), options_(2), invite('p3')];
  h.feed(...k.handshake(), k.client(msgs.join(''), F.ACK | F.PSH, { tsUs: 77 }));
  assert.deepEqual(h.texts(), msgs);
  for (const p of h.out) {
    assert.equal(p.kind, 'sip');
    assert.equal(p.transport, 'tcp');
    assert.equal(p.tsUs, 77);
    assert.equal(p.srcPort, 40000);
    assert.equal(p.dstPort, 5060);
    assert.deepEqual(p.encap, ['eth', 'ipv4', 'tcp']);
  }
  assert.equal(h.counters.get('decode.tcp.streams'), 1);
});

test('one message across four segments carries the time of the last one', () => {
  const h = harness();
  const k = new Conn();
  const m = invite();
  const parts = cut(m, 10, 200, m.length - 3);
  h.feed(...k.handshake());
  parts.forEach((p, i) => h.feed(k.client(p, F.ACK, { tsUs: 100 + i })));
  assert.deepEqual(h.texts(), [m]);
  assert.equal(h.out[0].tsUs, 103);
});

test('responses on the reverse direction get the reverse addresses', () => {
  const h = harness();
  const k = new Conn();
  h.feed(...k.handshake(), k.client(invite()), k.server(ok200()));
  assert.deepEqual(
    h.out.map((p) => [p.srcIp, p.srcPort, p.dstIp, p.dstPort]),
    [
      ['10.0.0.1', 40000, '10.0.0.2', 5060],
      ['10.0.0.2', 5060, '10.0.0.1', 40000],
    ],
  );
});

test('out-of-order segments are held until the gap fills', () => {
  const h = harness();
  const k = new Conn();
  const m1 = invite('o1');
  const m2 = options_(2);
  const [a, b, c] = cut(m1 + m2, 100, m1.length + 5);
  h.feed(...k.handshake());
  const pa = k.client(a);
  const pb = k.client(b);
  const pc = k.client(c);
  h.feed(pc, pb);
  assert.equal(h.out.length, 0);
  h.feed(pa);
  assert.deepEqual(h.texts(), [m1, m2]);
  assert.equal(h.counters.get('decode.tcp.out_of_order'), 2);
  assert.equal(h.counters.get('decode.tcp.gap'), 0);
});

test('retransmitted segments are dropped and counted', () => {
  const h = harness();
  const k = new Conn();
  const m = invite();
  h.feed(...k.handshake());
  const first = k.client(m);
  const again = tcp(m, first.tcpSeq, F.ACK, {});
  h.feed(first, again);
  assert.deepEqual(h.texts(), [m]);
  assert.equal(h.counters.get('decode.tcp.retransmitted_bytes'), m.length);
});

test('an overlapping segment contributes only its new bytes', () => {
  const h = harness();
  const k = new Conn();
  const m1 = invite('ov1');
  const m2 = ok200('ov2');
  const all = m1 + m2;
  h.feed(...k.handshake());
  const isn = k.cseq;
  h.feed(tcp(all.slice(0, 300), isn, F.ACK));
  // The next segment starts 50 bytes back: those 50 are a retransmission.
  h.feed(tcp(all.slice(250), isn + 250, F.ACK));
  assert.deepEqual(h.texts(), [m1, m2]);
  assert.equal(h.counters.get('decode.tcp.retransmitted_bytes'), 50);
});

test('a gap that never fills is skipped after the bound, then resync', () => {
  const h = harness(options({}, { maxStreamBuffer: 1 })); // floor: maxMessageBytes + 4096
  const k = new Conn();
  const lost = invite('lost');
  const after = [options_(7), ok200('after')];
  h.feed(...k.handshake());
  const first = k.client(lost.slice(0, 60)); // start of a message
  k.client(lost.slice(60)); // never captured
  h.feed(first);
  // Hold segments until the per-direction segment bound (256) forces the gap to be skipped.
  const tail = after.join('');
  h.feed(k.client(tail));
  for (let i = 0; i < 256; i++) h.feed(k.client('\r\n'));
  assert.equal(h.counters.get('decode.tcp.gap'), 1);
  assert.equal(h.counters.get('decode.tcp.gap_bytes'), lost.length - 60);
  // The truncated start of the lost message goes to the parser, then the stream resynchronises.
  assert.deepEqual(h.texts('sip'), [lost.slice(0, 60), ...after]);
  assert.equal(h.counters.get('decode.sip.truncated'), 1);
  assert.equal(h.texts('non-sip').length, 0);
});

test('gap at end of input: held data after the gap is delivered', () => {
  const h = harness();
  const k = new Conn();
  const m1 = invite('g1');
  const m2 = ok200('g2');
  h.feed(...k.handshake());
  k.client(m1); // lost
  h.feed(k.client(m2));
  assert.equal(h.out.length, 0);
  h.dec.finish();
  assert.deepEqual(h.texts(), [m2]);
  assert.equal(h.counters.get('decode.tcp.gap'), 1);
});

test('CRLF keep-alives between messages', () => {
  const h = harness();
  const k = new Conn();
  const m = options_();
  h.feed(...k.handshake(), k.client('\r\n\r\n' + m + '\r\n\r\n'), k.server('\r\n'));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [
      ['keepalive', '\r\n\r\n'],
      ['sip', m],
      ['keepalive', '\r\n\r\n'],
      ['keepalive', '\r\n'],
    ],
  );
});

test('garbage between messages: resync, reported once as non-sip on a SIP port', () => {
  const h = harness();
  const k = new Conn();
  const m1 = options_(1);
  const m2 = options_(2);
  const junk = 'hello there\r\nthis is not sip\r\n';
  h.feed(...k.handshake(), k.client(m1 + junk), k.client('more junk\r\n'), k.client('x;' + m2));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [
      ['sip', m1],
      ['non-sip', junk + 'more junk\r\nx;'],
      ['sip', m2],
    ],
  );
  assert.equal(h.counters.get('decode.sip.resync'), 1);
});

test('garbage on a non-SIP port is dropped and counted', () => {
  const h = harness();
  const k = new Conn({ srcPort: 40001, dstPort: 7000 }, reverse({ srcPort: 7000, dstPort: 40001 }));
  const m = options_(3);
  h.feed(...k.handshake(), k.client('junk junk\r\n' + m));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [['sip', m]],
  );
  assert.equal(h.counters.get('decode.tcp.non_sip_bytes'), 11);
});

test('a non-SIP stream on another port is given up after the limit', () => {
  const h = harness();
  const k = new Conn({ srcPort: 40002, dstPort: 6000 }, reverse({ srcPort: 6000, dstPort: 40002 }));
  h.feed(...k.handshake());
  for (let i = 0; i < 20; i++) h.feed(k.client(Buffer.alloc(1000, 0x5a)));
  assert.equal(h.counters.get('decode.tcp.non_sip_stream'), 1);
  assert.equal(h.counters.get('decode.tcp.non_sip_bytes') < 20_000, true);
  h.feed(k.client(options_()));
  assert.equal(h.out.length, 0);
});

test('bad Content-Length: header part goes to the parser, then resync', () => {
  const h = harness();
  const k = new Conn();
  const hdr = 'INVITE sip:x SIP/2.0\r\nCall-ID: 1\r\nContent-Length: bad\r\n\r\n';
  const m2 = options_(2);
  h.feed(...k.handshake(), k.client(hdr + 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n' + m2));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [
      ['sip', hdr],
      ['sip', m2],
    ],
  );
  assert.equal(h.counters.get('decode.sip.bad_content_length'), 1);
});

test('Content-Length over maxMessageBytes is a framing error, not a 1 GB wait', () => {
  const h = harness();
  const k = new Conn();
  const hdr = 'INVITE sip:x SIP/2.0\r\nContent-Length: 999999999\r\n\r\n';
  h.feed(...k.handshake(), k.client(hdr + 'abc'), k.client(options_(5)));
  assert.deepEqual(h.texts('sip'), [hdr, options_(5)]);
  assert.equal(h.counters.get('decode.sip.message_too_large'), 1);
});

test('oversized header without an end: error and resync, bounded buffering', () => {
  const h = harness(options({ maxMessageBytes: 2000 }));
  const k = new Conn();
  h.feed(...k.handshake(), k.client('INVITE sip:x SIP/2.0\r\n'));
  for (let i = 0; i < 10; i++) h.feed(k.client('X-Long: ' + 'a'.repeat(300) + '\r\n'));
  h.feed(k.client('\r\n' + options_(9)));
  assert.equal(h.counters.get('decode.sip.header_too_large'), 1);
  assert.equal(h.out[0].kind, 'sip');
  assert.equal(h.out[0].text.length, 2000);
  assert.deepEqual(h.texts('sip').slice(1), [options_(9)]);
});

test('idle streams expire on packet time and flush what they hold', () => {
  const h = harness(options({}, { idleTimeoutUs: 10_000_000 }));
  const k = new Conn();
  const m = invite();
  h.feed(...k.handshake().map((p) => ((p.tsUs = 1_000_000), p)));
  h.feed(k.client(m.slice(0, 120), F.ACK, { tsUs: 2_000_000 }));
  h.dec.tick(11_999_999);
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.tcp.streams_open'), 1);
  h.dec.tick(12_000_000);
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text, p.tsUs]),
    [['sip', m.slice(0, 120), 2_000_000]],
  );
  assert.equal(h.counters.get('decode.tcp.expired'), 1);
  assert.equal(h.counters.get('decode.tcp.streams_open'), 0);
  assert.equal(h.counters.get('decode.tcp.buffered_bytes'), 0);
});

test('stream cap: the least recently active stream is evicted and flushed', () => {
  const h = harness(options({}, { maxStreams: 2 }));
  const conns = [1, 2, 3].map((i) => new Conn({ srcPort: 41000 + i }, reverse({ dstPort: 41000 + i })));
  const part = invite().slice(0, 80);
  conns.forEach((k, i) => h.feed(k.client(part, F.ACK, { tsUs: 1_000_000 * (i + 1) })));
  assert.equal(h.counters.get('decode.tcp.evicted'), 1);
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.srcPort]),
    [['sip', 41001]],
  );
  h.dec.finish();
  assert.deepEqual(
    h.out.map((p) => p.srcPort).sort(),
    [41001, 41002, 41003],
  );
});

test('FIN flushes an incomplete message as truncated sip', () => {
  const h = harness();
  const k = new Conn();
  const m = invite();
  h.feed(...k.handshake(), k.client(m.slice(0, 150)), k.client('', F.FIN | F.ACK));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [['sip', m.slice(0, 150)]],
  );
  assert.equal(h.counters.get('decode.sip.truncated'), 1);
  // A retransmission after the FIN is still recognised as such.
  h.feed(tcp(m.slice(0, 150), 1001, F.ACK));
  assert.equal(h.out.length, 1);
  assert.equal(h.counters.get('decode.tcp.retransmitted_bytes'), 150);
});

test('FIN that arrives before the last data waits for it', () => {
  const h = harness();
  const k = new Conn();
  const m = options_();
  h.feed(...k.handshake());
  const data = k.client(m);
  const fin = k.client('', F.FIN | F.ACK);
  h.feed(fin, data);
  assert.deepEqual(h.texts(), [m]);
});

test('RST closes both directions', () => {
  const h = harness();
  const k = new Conn();
  h.feed(...k.handshake(), k.client(invite().slice(0, 40)), k.server('', F.RST));
  assert.equal(h.out.length, 1);
  assert.equal(h.counters.get('decode.tcp.reset'), 1);
  h.dec.tick(1);
  assert.equal(h.counters.get('decode.tcp.streams_open'), 0);
});

test('mid-stream pickup: the first segment seen starts the stream', () => {
  const h = harness();
  const k = new Conn({}, reverse(), 123_456);
  const m1 = invite('mid1');
  const m2 = ok200('mid2');
  // No SYN: the capture starts in the middle of m1.
  h.feed(k.client(m1.slice(100) + m2.slice(0, 30)), k.client(m2.slice(30)));
  assert.deepEqual(h.texts('sip'), [m2]);
  assert.equal(h.counters.get('decode.tcp.midstream'), 1);
  assert.equal(h.out.length, 1); // the tail of m1 is not reported as non-sip
});

test('sequence numbers wrap around 2^32', () => {
  const h = harness();
  const k = new Conn({}, reverse(), 0xffffff00);
  const m = invite();
  h.feed(...k.handshake(), ...cut(m, 100, 300).map((p) => k.client(p)));
  assert.deepEqual(h.texts(), [m]);
});

test('TLS on 5061: records counted, never SIP nor non-sip', () => {
  const h = harness();
  const k = new Conn({ dstPort: 5061 }, reverse({ srcPort: 5061 }));
  const rec = (n: number): Buffer => {
    const b = Buffer.alloc(5 + n, 0x5a);
    b[0] = 23;
    b[1] = 3;
    b[2] = 3;
    b.writeUInt16BE(n, 3);
    return b;
  };
  const both = Buffer.concat([rec(100), rec(30)]);
  h.feed(...k.handshake(), k.client(both.subarray(0, 50)), k.client(both.subarray(50)), k.server(rec(10)));
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.tls.records'), 3);
  assert.equal(h.counters.get('decode.tls.streams'), 1);
});

test('TLS recognised by its first bytes on any port', () => {
  const h = harness();
  const k = new Conn({ dstPort: 443 }, reverse({ srcPort: 443 }));
  const hello = Buffer.alloc(5 + 20, 1);
  hello[0] = 22;
  hello[1] = 3;
  hello[2] = 1;
  hello.writeUInt16BE(20, 3);
  h.feed(...k.handshake(), k.client(hello));
  assert.equal(h.counters.get('decode.tls.records'), 1);
  assert.equal(h.counters.get('decode.tls.streams'), 1);
  assert.equal(h.out.length, 0);
});

test('HTTP on a SIP port that is not an upgrade is non-sip, never SIP', () => {
  const h = harness();
  const k = new Conn();
  const req = 'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n';
  const resp = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi';
  h.feed(...k.handshake(), k.client(req), k.server(resp));
  h.dec.finish();
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [
      ['non-sip', req],
      ['non-sip', resp],
    ],
  );
});

test('a SYN reusing a closed 4-tuple starts a new stream', () => {
  const h = harness();
  const k1 = new Conn({}, reverse(), 1000);
  h.feed(...k1.handshake(), k1.client(options_(1)), k1.client('', F.FIN | F.ACK));
  const k2 = new Conn({}, reverse(), 777_777);
  h.feed(...k2.handshake(), k2.client(options_(2)));
  assert.deepEqual(h.texts(), [options_(1), options_(2)]);
  assert.equal(h.counters.get('decode.tcp.reused'), 1);
  assert.equal(h.counters.get('decode.tcp.streams'), 2);
});

test('global buffer bound: the least recently active streams are evicted', () => {
  const h = harness(options({}, { maxTotalBuffer: 8192 }));
  const part = invite().slice(0, 100); // each stream buffers one partial message (>= 2 KiB buffer)
  for (let i = 0; i < 6; i++) {
    const k = new Conn({ srcPort: 42000 + i }, reverse({ dstPort: 42000 + i }));
    h.feed(k.client(part, F.ACK, { tsUs: 1_000_000 * (i + 1) }));
  }
  h.dec.tick(6_000_001);
  assert.equal(h.counters.get('decode.tcp.evicted_buffer'), 2);
  assert.equal(h.counters.get('decode.tcp.buffered_bytes'), 4 * 2048);
  // Evicted streams delivered their partial message (truncated), oldest first.
  assert.deepEqual(
    h.out.map((p) => p.srcPort),
    [42000, 42001],
  );
});

test('a throwing callback is contained and counted', () => {
  const h = harness();
  let calls = 0;
  const dec = new TransportDecoder(options(), h.counters, () => {
    calls++;
    throw new Error('consumer bug');
  });
  assert.doesNotThrow(() => dec.receive(tcp(options_(), 1, F.ACK)));
  assert.equal(calls, 1);
  assert.equal(h.counters.get('decode.transport.internal_error'), 1);
  assert.equal((dec.lastError as Error).message, 'consumer bug');
});
