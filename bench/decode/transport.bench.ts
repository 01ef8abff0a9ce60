/**
 * Transport decode throughput: SipPayloads per second out of TransportDecoder for
 *  - UDP: one SIP message per datagram (a mix of requests and responses, with and without SDP),
 *  - TCP pipelined: one long stream of the same messages cut into 1448-byte segments, so most
 *    segments hold several messages and one cut across a segment boundary,
 *  - WebSocket: the same messages, one masked frame each, in 1448-byte segments,
 *  - HEP3 over UDP: each message wrapped in a HEP3 packet.
 * Run after a build: node dist/bench/decode/transport.bench.js
 */
import { Counters } from '../../src/base/counters.js';
import type { L4Packet } from '../../src/decode/l4-packet.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { defaultTransportOptions, TransportDecoder } from '../../src/decode/transport-decoder.js';

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n';

function msg(start: string, n: number, body = ''): string {
  return (
    start +
    '\r\n' +
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-${n}-a;rport\r\n` +
    'Max-Forwards: 70\r\n' +
    `From: "Alice" <sip:alice${n}@example.com>;tag=${n}abc\r\n` +
    `To: <sip:bob${n}@example.com>\r\n` +
    `Call-ID: ${n}-3848276298220188511@192.0.2.10\r\n` +
    `CSeq: ${n} INVITE\r\n` +
    `Contact: <sip:alice${n}@192.0.2.10:5060>\r\n` +
    'User-Agent: bench/1.0\r\n' +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${body.length}\r\n\r\n` +
    body
  );
}

const messages: Buffer[] = [];
for (let n = 0; n < 16; n++) {
  const k = n % 4;
  const text =
    k === 0
      ? msg(`INVITE sip:bob${n}@example.com SIP/2.0`, n, SDP)
      : k === 1
        ? msg('SIP/2.0 200 OK', n, SDP)
        : k === 2
          ? msg(`REGISTER sip:example.com SIP/2.0`, n)
          : msg('SIP/2.0 401 Unauthorized', n);
  messages.push(Buffer.from(text, 'latin1'));
}

function packet(protocol: L4Packet['protocol'], buf: Buffer, seq = 0): L4Packet {
  return {
    tsUs: 1_700_000_000_000_000,
    ipVersion: 4,
    srcIp: '192.0.2.10',
    dstIp: '192.0.2.20',
    srcPort: 40000,
    dstPort: 5060,
    protocol,
    encap: ['eth', 'ipv4', protocol],
    buf,
    start: 0,
    end: buf.length,
    tcpSeq: seq,
    tcpAck: 0,
    tcpFlags: 0x18,
  };
}

/** Cuts a stream into fixed-size TCP segments (sequence numbers are set per round). */
function segments(stream: Buffer, size: number): L4Packet[] {
  const out: L4Packet[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(packet('tcp', stream.subarray(at, Math.min(at + size, stream.length)), at));
  return out;
}

let sink = 0;
const onPayload = (p: SipPayload): void => {
  sink += p.end - p.start + p.srcPort + p.encap.length;
};

/** Runs `round` (which returns payloads produced) for about a second; returns payloads/s and bytes/s. */
function measure(make: () => { round: () => void; bytes: number; payloads: number }): [number, number] {
  const { round, bytes, payloads } = make();
  for (let i = 0; i < 200; i++) round();
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  let t1 = t0;
  while (t1 - t0 < 1_000_000_000n) {
    for (let i = 0; i < 50; i++) round();
    rounds += 50;
    t1 = process.hrtime.bigint();
  }
  const s = Number(t1 - t0) / 1e9;
  return [(rounds * payloads) / s, (rounds * bytes) / s];
}

function udpRound(): { round: () => void; bytes: number; payloads: number } {
  const dec = new TransportDecoder(defaultTransportOptions, new Counters(), onPayload);
  const pkts = messages.map((m) => packet('udp', m));
  return {
    round: () => {
      for (let i = 0; i < pkts.length; i++) dec.receive(pkts[i]);
    },
    bytes: messages.reduce((n, m) => n + m.length, 0),
    payloads: pkts.length,
  };
}

function streamRound(stream: Buffer, payloads: number): { round: () => void; bytes: number; payloads: number } {
  const dec = new TransportDecoder(defaultTransportOptions, new Counters(), onPayload);
  const syn = packet('tcp', Buffer.alloc(0), 0xffffffff);
  syn.tcpFlags = 0x02; // SYN: the stream starts at sequence number 0
  dec.receive(syn);
  const segs = segments(stream, 1448);
  let base = 0;
  return {
    round: () => {
      for (let i = 0; i < segs.length; i++) {
        const s = segs[i];
        s.tcpSeq = (base + i * 1448) >>> 0;
        dec.receive(s);
      }
      base = (base + stream.length) >>> 0;
    },
    bytes: stream.length,
    payloads,
  };
}

function wsFrames(): Buffer {
  const frames: Buffer[] = [];
  for (let r = 0; r < 8; r++) {
    for (const m of messages) {
      const d = Buffer.from(m);
      const mask = [0x11, 0x22, 0x33, 0x44];
      for (let i = 0; i < d.length; i++) d[i] ^= mask[i & 3];
      frames.push(Buffer.from([0x81, 0x80 | 126, d.length >> 8, d.length & 0xff, ...mask]), d);
    }
  }
  return Buffer.concat(frames);
}

function wsRound(): { round: () => void; bytes: number; payloads: number } {
  const dec = new TransportDecoder(defaultTransportOptions, new Counters(), onPayload);
  const up = packet('tcp', Buffer.from('GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n'), 0);
  up.dstPort = 8080;
  dec.receive(up);
  const reply = packet('tcp', Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'), 0);
  reply.srcIp = '192.0.2.20';
  reply.dstIp = '192.0.2.10';
  reply.srcPort = 8080;
  reply.dstPort = 40000;
  dec.receive(reply);
  const frames = wsFrames();
  const segs = segments(frames, 1448);
  let base = up.end;
  return {
    round: () => {
      for (let i = 0; i < segs.length; i++) {
        const s = segs[i];
        s.dstPort = 8080;
        s.tcpSeq = (base + i * 1448) >>> 0;
        dec.receive(s);
      }
      base = (base + frames.length) >>> 0;
    },
    bytes: frames.length,
    payloads: 8 * messages.length,
  };
}

function hepRound(): { round: () => void; bytes: number; payloads: number } {
  const dec = new TransportDecoder(defaultTransportOptions, new Counters(), onPayload);
  const pkts = messages.map((m) => {
    const chunk = (type: number, v: Buffer): Buffer => {
      const c = Buffer.alloc(6 + v.length);
      c.writeUInt16BE(type, 2);
      c.writeUInt16BE(6 + v.length, 4);
      v.copy(c, 6);
      return c;
    };
    const u32 = (v: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v);
      return b;
    };
    const body = Buffer.concat([
      chunk(1, Buffer.from([2])),
      chunk(2, Buffer.from([17])),
      chunk(3, Buffer.from([192, 0, 2, 10])),
      chunk(4, Buffer.from([192, 0, 2, 20])),
      chunk(7, Buffer.from([0x13, 0xc4])),
      chunk(8, Buffer.from([0x13, 0xc4])),
      chunk(9, u32(1_700_000_000)),
      chunk(10, u32(1234)),
      chunk(11, Buffer.from([1])),
      chunk(12, u32(2002)),
      chunk(15, m),
    ]);
    const head = Buffer.from('HEP3\0\0', 'latin1');
    head.writeUInt16BE(6 + body.length, 4);
    const p = packet('udp', Buffer.concat([head, body]));
    p.dstPort = 9060;
    return p;
  });
  return {
    round: () => {
      for (let i = 0; i < pkts.length; i++) dec.receive(pkts[i]);
    },
    bytes: pkts.reduce((n, p) => n + p.end, 0),
    payloads: pkts.length,
  };
}

const pipelined = Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat(messages)));
const rows: Array<[string, () => { round: () => void; bytes: number; payloads: number }]> = [
  ['udp (1 message / datagram)', udpRound],
  ['tcp pipelined (1448-byte segments)', () => streamRound(pipelined, 8 * messages.length)],
  ['websocket (masked frames, 1448-byte segments)', wsRound],
  ['hep3 over udp', hepRound],
];
for (const [name, make] of rows) {
  const [pps, bps] = measure(make);
  console.log(
    `${name.padEnd(48)} ${Math.round(pps).toLocaleString('en-US').padStart(12)} payloads/s ${(bps / 1e6).toFixed(0).padStart(6)} MB/s`,
  );
}
if (sink === 42) console.log('');
