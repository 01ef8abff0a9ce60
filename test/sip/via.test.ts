import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { crlf } from './samples.js';

function withVias(vias: string[]) {
  const b = crlf(['SIP/2.0 200 OK', ...vias, 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: via@x', 'CSeq: 1 INVITE', '', '']);
  return parseSipMessage(b, 0, b.length);
}

const V = (o: Partial<Record<string, unknown>>) => ({
  protocol: 'SIP/2.0/UDP',
  transport: 'UDP',
  host: '',
  port: null,
  branch: null,
  received: null,
  rport: null,
  maddr: null,
  ttl: null,
  ...o,
});

test('Via: host, port, branch, received, rport=value, maddr, ttl', () => {
  const m = withVias(['Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-77;received=198.51.100.9;rport=40312;maddr=239.128.16.254;ttl=16']);
  assert.deepEqual(m.topVia, V({ host: '192.0.2.1', port: 5070, branch: 'z9hG4bK-77', received: '198.51.100.9', rport: 40312, maddr: '239.128.16.254', ttl: 16 }));
});

test('Via: bare ;rport is -1, absent is null, non-numeric is null', () => {
  assert.equal(withVias(['Via: SIP/2.0/UDP h;rport;branch=z9hG4bK1']).topVia?.rport, -1);
  assert.equal(withVias(['Via: SIP/2.0/UDP h;rport=;branch=z9hG4bK1']).topVia?.rport, -1);
  assert.equal(withVias(['Via: SIP/2.0/UDP h;branch=z9hG4bK1']).topVia?.rport, null);
  assert.equal(withVias(['Via: SIP/2.0/UDP h;rport=abc']).topVia?.rport, null);
});

test('Via: parameter names are case-insensitive; unknown params ignored', () => {
  const m = withVias(['Via: SIP/2.0/TCP client.example.com;BRANCH=z9hG4bKcase;Received=10.0.0.1;hidden;x-foo="a;b"']);
  assert.deepEqual(m.topVia, V({ protocol: 'SIP/2.0/TCP', transport: 'TCP', host: 'client.example.com', branch: 'z9hG4bKcase', received: '10.0.0.1' }));
});

test('Via: transports and protocol are upper-cased; other transports kept', () => {
  const m = withVias(['Via: sip/2.0/udp a.example.com', 'Via: SIP/2.0/TLS b.example.com:5061', 'Via: SIP/2.0/SCTP c', 'Via: SIP/2.0/ws d.invalid', 'Via: SIP/2.0/WSS e']);
  assert.deepEqual(
    m.vias.map((v) => [v.protocol, v.transport]),
    [['SIP/2.0/UDP', 'UDP'], ['SIP/2.0/TLS', 'TLS'], ['SIP/2.0/SCTP', 'SCTP'], ['SIP/2.0/WS', 'WS'], ['SIP/2.0/WSS', 'WSS']],
  );
});

test('Via: white space everywhere (RFC 4475 §3.1.1.1 style, folded)', () => {
  const m = withVias(['Via  : SIP  /   2.0', ' /UDP', '    192.0.2.2;branch=390skdjuw', 'v:  SIP  / 2.0  / TCP     spindle.example.com   ;', '  branch  =   z9hG4bK9ikj8  ,', ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=', ' z9hG4bK30239']);
  assert.deepEqual(m.vias, [
    V({ host: '192.0.2.2', branch: '390skdjuw' }),
    V({ protocol: 'SIP/2.0/TCP', transport: 'TCP', host: 'spindle.example.com', branch: 'z9hG4bK9ikj8' }),
    V({ host: '192.168.255.111', branch: 'z9hG4bK30239' }),
  ]);
  assert.equal(m.topVia?.branch, '390skdjuw');
});

test('Via: comma lists and repeated headers, top first', () => {
  const m = withVias(['Via: SIP/2.0/UDP p3.example.com;branch=z9hG4bK3, SIP/2.0/UDP p2.example.com;branch=z9hG4bK2', 'Via: SIP/2.0/UDP p1.example.com:5062;branch=z9hG4bK1']);
  assert.deepEqual(m.vias.map((v) => [v.host, v.port, v.branch]), [['p3.example.com', null, 'z9hG4bK3'], ['p2.example.com', null, 'z9hG4bK2'], ['p1.example.com', 5062, 'z9hG4bK1']]);
  assert.deepEqual(m.topVia, m.vias[0]);
});

test('Via: IPv6 references with and without port; received with a bare IPv6 address', () => {
  const m = withVias(['Via: SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bK6a;received=2001:db8::9:255', 'Via: SIP/2.0/UDP [2001:db8::9:2];branch=z9hG4bK6b']);
  assert.deepEqual(m.vias[0], V({ host: '2001:db8::9:1', port: 5060, branch: 'z9hG4bK6a', received: '2001:db8::9:255' }));
  assert.deepEqual(m.vias[1], V({ host: '2001:db8::9:2', branch: 'z9hG4bK6b' }));
});

test('Via: bare IPv6 (leniency): eight groups plus :port, or an address with ::', () => {
  const a = withVias(['Via: SIP/2.0/UDP fe80:0:0:0:21a:a0ff:fe07:32e0:5060;branch=z9hG4bKkdjuw8376']);
  assert.deepEqual(a.topVia, V({ host: 'fe80:0:0:0:21a:a0ff:fe07:32e0', port: 5060, branch: 'z9hG4bKkdjuw8376' }));
  const b = withVias(['Via: SIP/2.0/UDP 2001:db8::1;branch=z9hG4bKb']);
  assert.deepEqual(b.topVia, V({ host: '2001:db8::1', branch: 'z9hG4bKb' }));
});

test('Via: host : port with white space around the colon', () => {
  const m = withVias(['Via: SIP/2.0/UDP host.example.com : 5080 ;branch=z9hG4bKsp']);
  assert.deepEqual(m.topVia, V({ host: 'host.example.com', port: 5080, branch: 'z9hG4bKsp' }));
});

test('Via: unparseable values are skipped in vias; topVia null when the first is bad', () => {
  const m = withVias(['Via: SIP/2.0 missing-transport, SIP/2.0/UDP ok.example.com;branch=z9hG4bKok', 'Via: SIP/2.0/UDP host:99999', 'Via: SIP/2.0/UDP [::1', 'Via: garbage']);
  assert.equal(m.topVia, null);
  assert.deepEqual(m.vias.map((v) => v.host), ['ok.example.com']);
});

test('Via: junk after the params does not swallow the next value', () => {
  const m = withVias(['Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa junk junk, SIP/2.0/UDP b.example.com']);
  assert.deepEqual(m.vias.map((v) => v.host), ['a.example.com', 'b.example.com']);
});

test('no Via: topVia null, vias empty', () => {
  const b = crlf(['SIP/2.0 200 OK', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', 'Call-ID: c', 'CSeq: 1 INVITE', '', '']);
  const m = parseSipMessage(b, 0, b.length);
  assert.equal(m.topVia, null);
  assert.deepEqual(m.vias, []);
});
