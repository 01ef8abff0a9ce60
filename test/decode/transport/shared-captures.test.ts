/**
 * The shared public captures through the network decoder into the transport decoder: the number
 * of SIP messages must be exactly what MANIFEST.md states (tshark's count, HEP included).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHARED_PCAPS, sharedPcap } from '../../helpers/paths.js';
import { runCapture } from './shared-run.js';

const MANIFEST = join(SHARED_PCAPS, '..', 'MANIFEST.md');
const available = existsSync(MANIFEST);

/** File name → SIP messages, from the manifest's summary table. */
function manifestCounts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(MANIFEST, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length > 5 && /\.pcap(ng)?$/.test(cells[1])) out.set(cells[1], Number(cells[4]));
  }
  return out;
}

test('every shared capture gives exactly the manifest SIP message count', { skip: !available }, async () => {
  const counts = manifestCounts();
  assert.equal(counts.size, 38);
  let total = 0;
  for (const [file, expected] of counts) {
    const r = await runCapture(sharedPcap(file));
    const sip = r.payloads.filter((p) => p.kind === 'sip').length;
    assert.equal(sip, expected, file);
    assert.equal(r.counters.get('decode.transport.internal_error'), 0, file);
    total += sip;
  }
  assert.equal(total, 4031);
});

test('SIP over WebSocket: 11 over ws, 28 over udp', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('heplify_sip_tcp_websocket.pcap'));
  const ws = r.payloads.filter((p) => p.kind === 'sip' && p.transport === 'ws');
  const udp = r.payloads.filter((p) => p.kind === 'sip' && p.transport === 'udp');
  assert.equal(ws.length, 11);
  assert.equal(udp.length, 28);
  assert.equal(r.payloads.length, 39);
  assert.deepEqual([...new Set(ws.map((p) => p.encap))], ['eth/ipv4/tcp/ws']);
  assert.equal(ws[0].text.startsWith('INVITE sip:+12263382742@dev-mike.tncp.textnow.com SIP/2.0\r\n'), true);
  assert.equal(r.counters.get('decode.ws.upgrades'), 1);
});

test('SIP over SCTP: 4 messages, one reassembled from two DATA fragments', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('heplify_sip_sctp.pcap'));
  assert.deepEqual(
    r.payloads.map((p) => [p.kind, p.transport, p.text.split(' ', 2).join(' ')]),
    [
      ['sip', 'sctp', 'INVITE sip:9275890000@VMSSM;user=phone'],
      ['sip', 'sctp', 'SIP/2.0 100'],
      ['sip', 'sctp', 'SIP/2.0 403'],
      ['sip', 'sctp', 'ACK sip:9275890000@VMSSM;user=phone'],
    ],
  );
  assert.equal(r.payloads[0].text.length, 1452 + 312);
  assert.equal(r.counters.get('decode.sctp.reassembled'), 1);
});

test('HEP3: 6 SIP payloads, RTCP and log chunks skipped', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('hepwireshark_hep.pcap'));
  assert.equal(r.payloads.length, 6);
  for (const p of r.payloads) {
    assert.equal(p.kind, 'sip');
    assert.equal(p.hep, 3);
    assert.equal(p.encap.startsWith('eth/ipv4/udp/hep3/'), true);
  }
  assert.deepEqual(
    r.payloads.map((p) => p.text.split(' ', 2).join(' ')),
    ['INVITE sip:nodejs@127.0.0.1', 'SIP/2.0 100', 'SIP/2.0 407', 'OPTIONS sip:127.0.0.1', 'SIP/2.0 200', 'PUBLISH sip:nodejs@127.0.0.1:5999;transport=udp'],
  );
  assert.equal(r.counters.get('decode.hep.packets'), 8);
  assert.equal(r.counters.get('decode.hep.not_sip'), 2);
});

test('SIP over TLS on 5061: no SIP, records counted', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('sngrep_tlssaved.pcap'));
  assert.equal(r.payloads.length, 0);
  assert.equal(r.counters.get('decode.tls.streams'), 2);
  assert.equal(r.counters.get('decode.tls.records'), 20);
});

test('HTTP on TCP 5060: two non-sip payloads, no SIP', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('ndpi_http_on_sip_port.pcapng'));
  assert.deepEqual(
    r.payloads.map((p) => [p.kind, p.transport, p.text.slice(0, 9)]),
    [
      ['non-sip', 'tcp', 'GET /star'],
      ['non-sip', 'tcp', 'HTTP/1.1 '],
    ],
  );
});

test('zeek junk capture: a zero keep-alive, then a REGISTER with no junk in its payload', { skip: !available }, async () => {
  // The "DB" before REGISTER is the UDP checksum field (0x4442; UDP length 60 = 8 + 52), not
  // payload: tshark also shows the payload starting at "REGISTER". Junk inside a payload is
  // covered by the unit tests.
  const r = await runCapture(sharedPcap('zeek_sip-junk-before-request.pcap'));
  assert.deepEqual(
    r.payloads.map((p) => [p.kind, p.skipped, p.text.slice(0, 9)]),
    [
      ['keepalive', 0, '\0\0\0\0'],
      ['sip', 0, 'REGISTER '],
    ],
  );
  assert.equal(r.counters.get('decode.sip.junk_before_start_line'), 0);
});

test('TCP retransmission is dropped; unrelated TLS is counted', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('heplify_sip_ipv4_tcp_retrans.pcap'));
  const sip = r.payloads.filter((p) => p.kind === 'sip');
  assert.deepEqual(
    sip.map((p) => p.transport),
    ['tcp', 'udp', 'udp', 'tcp', 'tcp', 'udp', 'udp', 'tcp'],
  );
  assert.equal(r.counters.get('decode.tcp.retransmitted_bytes'), 592);
  assert.equal(r.counters.get('decode.tls.streams'), 3);
});

test('a 64 KiB body over many TCP segments is one message', { skip: !available }, async () => {
  const r = await runCapture(sharedPcap('suricata_sip-body-large_sip-body-large.pcap'));
  assert.equal(r.payloads.length, 2);
  assert.equal(r.payloads[0].text.startsWith('INVITE '), true);
  assert.equal(r.payloads[0].text.length - r.payloads[0].text.indexOf('\r\n\r\n') - 4, 65_536);
});
