import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT, harness, invite, ok200, options_, SERVER, udp } from './builders.js';

test('UDP request on 5060: one sip payload with the packet fields', () => {
  const h = harness();
  const msg = options_();
  h.feed(udp(msg, { tsUs: 42, srcPort: 5070, dstPort: 5060, encap: ['eth', 'vlan', 'ipv4', 'udp'] }));
  assert.equal(h.out.length, 1);
  const p = h.out[0];
  assert.equal(p.kind, 'sip');
  assert.equal(p.text, msg);
  assert.equal(p.tsUs, 42);
  assert.equal(p.srcIp, CLIENT);
  assert.equal(p.dstIp, SERVER);
  assert.equal(p.srcPort, 5070);
  assert.equal(p.dstPort, 5060);
  assert.equal(p.transport, 'udp');
  assert.deepEqual(p.encap, ['eth', 'vlan', 'ipv4', 'udp']); // the caller's array was poisoned after receive
  assert.equal(Object.isFrozen(p.encap), true);
  assert.equal(p.skipped, 0);
  assert.equal(p.hep, null);
  assert.equal(p.ipVersion, 4);
});

test('UDP response on an odd port is SIP too (recognised by its start line)', () => {
  const h = harness();
  h.feed(udp(ok200(), { srcPort: 7777, dstPort: 8888 }));
  assert.deepEqual(h.texts(), [ok200()]);
  assert.equal(h.out[0].kind, 'sip');
});

test('encap arrays are interned: one frozen array per distinct path', () => {
  const h = harness();
  h.feed(udp(options_(1)), udp(options_(2)), udp(options_(3), { encap: ['sll', 'ipv4', 'udp'] }), udp(options_(4)));
  assert.equal(h.out.length, 4);
  assert.equal(h.out[0].encap, h.out[1].encap);
  assert.equal(h.out[0].encap, h.out[3].encap);
  assert.notEqual(h.out[0].encap, h.out[2].encap);
  assert.deepEqual(h.out[2].encap, ['sll', 'ipv4', 'udp']);
});

test('HTTP and SSDP: non-sip on a SIP port, dropped and counted elsewhere', () => {
  const h = harness();
  const http = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  const ssdp = 'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNTS: ssdp:alive\r\n\r\n';
  h.feed(udp(http, { dstPort: 5060 }), udp('HTTP/1.1 200 OK\r\n\r\n', { srcPort: 5080, dstPort: 1234 }));
  h.feed(udp(ssdp, { srcPort: 1900, dstPort: 1900 }), udp(http, { dstPort: 80 }));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [
      ['non-sip', http],
      ['non-sip', 'HTTP/1.1 200 OK\r\n\r\n'],
    ],
  );
  assert.equal(h.counters.get('decode.transport.non_sip_dropped'), 2);
});

test('keep-alives: CRLF, CRLFCRLF, a short all-zero or all-blank datagram', () => {
  const h = harness();
  h.feed(udp('\r\n'), udp('\r\n\r\n'), udp(Buffer.alloc(4)), udp('     '), udp(Buffer.alloc(17)), udp(' '.repeat(17)));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text.length]),
    [
      ['keepalive', 2],
      ['keepalive', 4],
      ['keepalive', 4],
      ['keepalive', 5],
      ['non-sip', 17], // too long to be padding
      ['non-sip', 17],
    ],
  );
  // The same on a port that is not a SIP port: dropped.
  h.feed(udp('\r\n\r\n', { srcPort: 1, dstPort: 2 }));
  assert.equal(h.out.length, 6);
  assert.equal(h.counters.get('decode.transport.non_sip_dropped'), 1);
});

test('STUN binding request on the SIP port', () => {
  const h = harness();
  const stun = Buffer.alloc(28);
  stun.writeUInt16BE(0x0001, 0); // binding request
  stun.writeUInt16BE(8, 2); // attributes length
  stun.writeUInt32BE(0x2112a442, 4);
  stun.fill(7, 8, 20); // transaction id
  stun.writeUInt32BE(0x80220004, 20); // SOFTWARE, 4 bytes
  stun.write('test', 24, 'latin1');
  h.feed(udp(stun));
  const badLength = Buffer.from(stun);
  badLength.writeUInt16BE(12, 2);
  h.feed(udp(badLength));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text.length]),
    [
      ['stun', 28],
      ['non-sip', 28],
    ],
  );
});

test('junk before the start line: delivered from the start line, skipped counted', () => {
  const h = harness();
  const msg = 'REGISTER sip:1.1.1.1:5060 SIP/2.0\r\nExpires: 3600\r\n\r\n';
  h.feed(udp('DB' + msg));
  assert.equal(h.out.length, 1);
  assert.equal(h.out[0].kind, 'sip');
  assert.equal(h.out[0].text, msg);
  assert.equal(h.out[0].skipped, 2);
  assert.equal(h.counters.get('decode.sip.junk_before_start_line'), 1);
});

test('a datagram is emitted whole, even when it holds two messages (split after parsing: pipeline/sip-messages)', () => {
  const h = harness();
  const a = ok200('one');
  const b = invite('two');
  h.feed(udp(a + b));
  assert.deepEqual(h.texts('sip'), [a + b]);
});

test('invalid Content-Length on UDP: the whole datagram goes to the parser', () => {
  const h = harness();
  const m = 'INVITE sip:x SIP/2.0\r\nContent-Length: bad\r\n\r\nv=0\r\n';
  h.feed(udp(m));
  assert.deepEqual(
    h.out.map((p) => [p.kind, p.text]),
    [['sip', m]],
  );
});

test('TLS and DTLS records in datagrams are counted, never SIP', () => {
  const h = harness();
  const tls = Buffer.from([23, 3, 3, 0, 2, 0xaa, 0xbb, 23, 3, 3, 0, 1, 0xcc]);
  const dtls = Buffer.alloc(13 + 3);
  dtls[0] = 22;
  dtls[1] = 0xfe;
  dtls[2] = 0xfd;
  dtls.writeUInt16BE(3, 11);
  h.feed(udp(tls), udp(dtls, { dstPort: 5061 }));
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.tls.records'), 3);
});

test('an empty datagram is counted and nothing is emitted', () => {
  const h = harness();
  h.feed(udp(''));
  assert.equal(h.out.length, 0);
  assert.equal(h.counters.get('decode.udp.empty'), 1);
});

test('IPv6 addresses and version are passed through', () => {
  const h = harness();
  h.feed(udp(options_(), { ipVersion: 6, srcIp: '2001:db8::1', dstIp: '2001:db8::2', encap: ['eth', 'ipv6', 'udp'] }));
  assert.equal(h.out[0].ipVersion, 6);
  assert.equal(h.out[0].srcIp, '2001:db8::1');
  assert.deepEqual(h.out[0].encap, ['eth', 'ipv6', 'udp']);
});
