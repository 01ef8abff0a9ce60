import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, Conn, harness, invite, ok200, options_, reverse } from './builders.js';

/** One WebSocket frame (RFC 6455 §5.2). */
function frame(
  payload: string | Buffer,
  o: { opcode?: number; fin?: boolean; mask?: number[] | null; lenBits?: 7 | 16 | 64 } = {},
): Buffer {
  const data = bytes(payload);
  const n = data.length;
  const bits = o.lenBits ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const mask = o.mask === undefined ? [0x37, 0xfa, 0x21, 0x3d] : o.mask;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | (o.opcode ?? 1)];
  const m = mask === null ? 0 : 0x80;
  if (bits === 7) head.push(m | n);
  else if (bits === 16) head.push(m | 126, n >> 8, n & 0xff);
  else head.push(m | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  if (mask !== null) head.push(...mask);
  const body = Buffer.from(data);
  if (mask !== null) for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([Buffer.from(head), body]);
}

const UPGRADE =
  'GET /ws HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCHING =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n';

function wsConn(port = 8080): Conn {
  return new Conn({ srcPort: 43380, dstPort: port }, reverse({ srcPort: port, dstPort: 43380 }));
}

test('SIP over WebSocket: masked client frames, unmasked server frames', () => {
  const h = harness();
  const k = wsConn();
  const inv = invite('ws1'); // > 125 bytes: 16-bit length
  h.feed(...k.handshake(), k.client(UPGRADE), k.server(SWITCHING), k.client(frame(inv)), k.server(frame(ok200('ws1'), { mask: null })));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text, p.transport, p.srcPort]),
    [
      ['sip', inv, 'ws', 43380],
      ['sip', ok200('ws1'), 'ws', 8080],
    ],
  );
  assert.deepEqual(h.out[0].encap, ['eth', 'ipv4', 'tcp', 'ws']);
  assert.equal(h.out[0].encap, h.out[1].encap);
  assert.equal(h.counters.get('decode.ws.upgrades'), 1);
});

test('fragmented message with a ping in between, split across segments', () => {
  const h = harness();
  const k = wsConn();
  const m = invite('frag');
  const f = Buffer.concat([
    frame(m.slice(0, 100), { fin: false, opcode: 1 }),
    frame('ping!', { opcode: 9 }),
    frame(m.slice(100, 300), { fin: false, opcode: 0, mask: [1, 2, 3, 4] }),
    frame(m.slice(300), { fin: true, opcode: 0, mask: [9, 8, 7, 6] }),
    frame(options_(4), { opcode: 2 }), // binary frame, one SIP message
  ]);
  h.feed(...k.handshake(), k.client(UPGRADE), k.server(SWITCHING));
  for (const [a, b] of [
    [0, 3],
    [3, 150],
    [150, 151],
    [151, 400],
    [400, f.length],
  ]) {
    h.feed(k.client(f.subarray(a, b)));
  }
  assert.deepEqual(h.texts('sip'), [m, options_(4)]);
  assert.equal(h.counters.get('decode.ws.control_frames'), 1);
});

test('7-, 16- and 64-bit payload lengths', () => {
  const h = harness();
  const k = wsConn();
  const small = options_(1); // < 126
  const mid = invite('mid', 'x'.repeat(400)); // 16-bit
  const big = invite('big', 'y'.repeat(70_000 - 600)); // 64-bit, under maxMessageBytes
  h.feed(...k.handshake(), k.client(UPGRADE), k.server(SWITCHING));
  h.feed(k.client(frame(small, { lenBits: 64 }))); // non-minimal length encoding is accepted
  h.feed(k.client(frame(mid)));
  const bigFrame = frame(big);
  assert.equal(bigFrame[1] & 0x7f, 127);
  for (let i = 0; i < bigFrame.length; i += 1400) h.feed(k.client(bigFrame.subarray(i, i + 1400)));
  assert.deepEqual(
    h.out.map((p) => p.text.length),
    [small.length, mid.length, big.length],
  );
  assert.equal(h.out[2].text, big);
});

test('a frame over maxMessageBytes is skipped without buffering, later frames still decode', () => {
  const h = harness();
  const k = wsConn();
  const huge = Buffer.alloc(80_000, 0x61);
  const hf = frame(huge, { mask: null });
  h.feed(...k.handshake(), k.client(UPGRADE), k.server(SWITCHING));
  for (let i = 0; i < hf.length; i += 1400) h.feed(k.server(hf.subarray(i, i + 1400)));
  h.feed(k.server(frame(ok200('after'), { mask: null })));
  assert.deepEqual(h.texts(), [ok200('after')]);
  assert.equal(h.counters.get('decode.ws.frame_too_large'), 1);
  assert.equal(h.counters.get('decode.tcp.buffered_bytes'), 0);
});

test('close frame is skipped; a non-SIP message on a SIP WebSocket is non-sip', () => {
  const h = harness();
  const k = wsConn();
  h.feed(...k.handshake(), k.client(UPGRADE), k.server(SWITCHING));
  h.feed(k.client(frame('{"hello":1}')), k.client(frame(Buffer.from([0x03, 0xe8]), { opcode: 8 })));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [['non-sip', '{"hello":1}']],
  );
});

test('WebSocket without the sip subprotocol on a non-SIP port: SIP kept, noise dropped', () => {
  const h = harness();
  const k = wsConn(9000);
  const req = UPGRADE.replace('Sec-WebSocket-Protocol: sip\r\n', '');
  h.feed(...k.handshake(), k.client(req), k.server(SWITCHING.replace('Sec-WebSocket-Protocol: sip\r\n', '')));
  h.feed(k.client(frame('chat message')), k.client(frame(options_(2))));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [['sip', options_(2)]],
  );
});

test('a fragmented message in progress counts against the stream buffer bound', () => {
  const h = harness();
  const k = wsConn();
  const m = invite('budget');
  h.feed(...k.handshake(), k.client(UPGRADE), k.server(SWITCHING), k.client(frame(m.slice(0, 200), { fin: false })));
  h.dec.tick(1);
  assert.equal(h.counters.get('decode.tcp.buffered_bytes'), 1024);
  h.feed(k.client(frame(m.slice(200), { fin: true, opcode: 0 })));
  h.dec.tick(2);
  assert.equal(h.counters.get('decode.tcp.buffered_bytes'), 0);
  assert.deepEqual(h.texts(), [m]);
});
