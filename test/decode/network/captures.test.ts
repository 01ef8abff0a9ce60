/**
 * Every shared public capture through the network decoder.
 *
 * Expected numbers were obtained by running tshark 4.0.17 once by hand on each file
 * (`tshark -r FILE -T fields -E occurrence=l -e frame.protocols -e ip.src ... -e udp.srcport ...`),
 * taking per frame the innermost UDP/TCP/SCTP layer that is not inside an ICMP error and not a
 * VXLAN/Geneve/GTP-U carrier, and comparing frame by frame (addresses, ports, payload length)
 * with what the decoder emits. The SIP-like column is the number of L4 payloads starting with a
 * SIP method and a space or "SIP/2.0 "; it was checked against
 * `tshark -Y '(sip.Request-Line || sip.Status-Line) && !websocket && !icmp' | wc -l`.
 * Differences with tshark are explained next to the file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedPcap } from '../../helpers/paths.js';
import { Harness, startsLikeSip, type Seen } from './collect.js';
import { readFrames } from './read.js';

interface Expect {
  udp: number;
  tcp: number;
  sctp: number;
  sipLike: number;
}

const EXPECTED: Record<string, Expect> = {
  // tshark finds 141 UDP: frames 618/619 are VXLAN-GPE on port 4790, not in vxlanPorts, so they
  // stay plain UDP here (tshark decodes the inner UDP; the count is the same), and frame 818 has
  // UDP length 0 (tshark: "bogus"), dropped and counted as decode.udp.bad_length.
  'arkime_synthetic.pcap': { udp: 140, tcp: 733, sctp: 7, sipLike: 4 },
  'heplify_ipip0.pcap': { udp: 8, tcp: 0, sctp: 0, sipLike: 8 },
  'heplify_sip_ipv4_tcp.pcap': { udp: 68, tcp: 16, sctp: 0, sipLike: 7 },
  // One REGISTER segment is a TCP retransmission: 9 segments start like SIP, tshark counts 8 messages.
  'heplify_sip_ipv4_tcp_retrans.pcap': { udp: 4, tcp: 181, sctp: 0, sipLike: 9 },
  'heplify_sip_ipv6_udp.pcap': { udp: 6, tcp: 0, sctp: 0, sipLike: 6 },
  // SCTP payloads start with chunk headers, never with SIP (see the SCTP test below).
  'heplify_sip_sctp.pcap': { udp: 0, tcp: 0, sctp: 5, sipLike: 0 },
  // The 11 SIP messages over WebSocket are inside WebSocket frames, so they do not start like SIP.
  'heplify_sip_tcp_websocket.pcap': { udp: 28, tcp: 33, sctp: 0, sipLike: 28 },
  // SIP is inside HEP only.
  'hepwireshark_hep.pcap': { udp: 8, tcp: 0, sctp: 0, sipLike: 0 },
  'ndpi_gre_sip.pcapng': { udp: 36, tcp: 0, sctp: 0, sipLike: 36 },
  'ndpi_http_on_sip_port.pcapng': { udp: 0, tcp: 4, sctp: 0, sipLike: 0 },
  'pcpp_sip_non_default_port.pcap': { udp: 2, tcp: 0, sctp: 0, sipLike: 2 },
  'pcpp_sip_not_sdp.pcap': { udp: 1, tcp: 0, sctp: 0, sipLike: 1 },
  'pcpp_sip_reqs.pcap': { udp: 4, tcp: 0, sctp: 0, sipLike: 4 },
  'pcpp_sip_resp.pcap': { udp: 6, tcp: 1, sctp: 0, sipLike: 7 },
  'pkts_cancel.pcap': { udp: 7, tcp: 0, sctp: 0, sipLike: 7 },
  'pkts_fragmented_tcp_sip.pcap': { udp: 0, tcp: 19, sctp: 0, sipLike: 6 },
  // The first fragment of the INVITE has no partner: no L4 packet for it (tshark: "ip:data").
  'pkts_fragmented_udp_sip.pcap': { udp: 5, tcp: 0, sctp: 0, sipLike: 5 },
  'pkts_simple_invite_scenario.pcap': { udp: 7, tcp: 0, sctp: 0, sipLike: 7 },
  'pkts_sip_rtp.pcap': { udp: 507, tcp: 0, sctp: 0, sipLike: 6 },
  'pkts_sipp.pcap': { udp: 30, tcp: 0, sctp: 0, sipLike: 30 },
  'sipattacks_BadUserAgent-sipvicious.pcap': { udp: 26, tcp: 0, sctp: 0, sipLike: 26 },
  'sipattacks_SIP-212.32.250.134.pcap': { udp: 5159, tcp: 0, sctp: 0, sipLike: 3648 },
  'sipattacks_SIP-3700-unauthorized-401.pcap': { udp: 52, tcp: 0, sctp: 0, sipLike: 52 },
  'sngrep_ipip.pcap': { udp: 0, tcp: 4, sctp: 0, sipLike: 4 },
  'sngrep_tlssaved.pcap': { udp: 0, tcp: 12, sctp: 0, sipLike: 0 },
  'suricata_sip-body-frames_public-cloudshark-sip-s0.pcap': { udp: 10, tcp: 0, sctp: 0, sipLike: 10 },
  'suricata_sip-body-large_sip-body-large.pcap': { udp: 0, tcp: 16, sctp: 0, sipLike: 2 },
  'suricata_sip-compact-form_sip_compact_form.pcap': { udp: 1, tcp: 0, sctp: 0, sipLike: 1 },
  'suricata_sip-header-multi-value_sip_header_multi_val.pcap': { udp: 1, tcp: 0, sctp: 0, sipLike: 1 },
  'suricata_sip-method_sip.pcap': { udp: 590, tcp: 57, sctp: 0, sipLike: 81 },
  'suricata_sip-options-method_input.pcap': { udp: 2, tcp: 0, sctp: 0, sipLike: 2 },
  'suricata_sip-pattern-matching_sip.pcap': { udp: 2, tcp: 0, sctp: 0, sipLike: 2 },
  'suricata_sip-sdp_sdp.pcap': { udp: 2, tcp: 0, sctp: 0, sipLike: 2 },
  // SSDP "NOTIFY * HTTP/1.1" starts with a SIP method and a space; tshark finds no SIP.
  'suricata_sip-ssdp-pm_ssdp.pcap': { udp: 1, tcp: 0, sctp: 0, sipLike: 1 },
  'suricata_sip-tcp-method_sip-tcp.pcap': { udp: 0, tcp: 11, sctp: 0, sipLike: 2 },
  'suricata_sip-tcp-pattern-matching_sip.pcap': { udp: 0, tcp: 7, sctp: 0, sipLike: 2 },
  'zeek_invalid-content-length.pcap': { udp: 2, tcp: 0, sctp: 0, sipLike: 2 },
  'zeek_sip-junk-before-request.pcap': { udp: 2, tcp: 0, sctp: 0, sipLike: 1 },
};

function decodeFile(name: string, h = new Harness()): { h: Harness; seen: Seen[] } {
  const seen = h.run(readFrames(sharedPcap(name)));
  return { h, seen };
}

for (const [name, want] of Object.entries(EXPECTED)) {
  test(`capture ${name}: L4 packets and SIP-like payloads match tshark`, () => {
    const { h, seen } = decodeFile(name);
    const got = { udp: 0, tcp: 0, sctp: 0, sipLike: 0 };
    for (const s of seen) {
      got[s.protocol as 'udp' | 'tcp' | 'sctp']++;
      if (startsLikeSip(s.payload)) got.sipLike++;
    }
    assert.deepEqual(got, want);
    assert.equal(h.counters.get('decode.internal_error'), 0);
  });
}

test('ndpi_gre_sip: 36 SIP packets inside enhanced GRE with PPP, one also in QinQ + PPPoE', () => {
  const { h, seen } = decodeFile('ndpi_gre_sip.pcapng');
  assert.equal(seen.length, 36);
  assert.ok(seen.every((s) => s.protocol === 'udp' && startsLikeSip(s.payload)));
  assert.ok(seen.every((s) => s.encap.includes('gre') && s.encap.includes('ppp')));
  const paths = new Map<string, number>();
  for (const s of seen) paths.set(s.encap.join(','), (paths.get(s.encap.join(',')) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(paths), {
    'eth,vlan,vlan,pppoe,ppp,ipv4,gre,ppp,ipv4,udp': 1,
    'eth,vlan,ipv4,gre,ppp,ipv4,udp': 35,
  });
  assert.deepEqual(seen[0]!.srcIp + ':' + seen[0]!.srcPort, '212.83.179.0:5097');
  assert.deepEqual(seen[1]!.srcIp + ' > ' + seen[1]!.dstIp, '192.168.103.40 > 192.168.10.210');
  assert.deepEqual(h.anomalies(), {});
});

test('sngrep_ipip: the two response frames (183, 200) are IPv4 in IPv4', () => {
  const { seen } = decodeFile('sngrep_ipip.pcap');
  assert.deepEqual(
    seen.map((s) => s.encap.join(',')),
    ['eth,ipv4,tcp', 'eth,ipv4,ipv4,tcp', 'eth,ipv4,ipv4,tcp', 'eth,ipv4,tcp'],
  );
  assert.equal(seen[1]!.srcIp, '10.15.193.31');
  assert.equal(seen[1]!.dstIp, '10.15.197.103');
  assert.equal(seen[1]!.dstPort, 5090);
  assert.ok(seen[1]!.payload.toString('latin1').startsWith('SIP/2.0 183 '));
  assert.ok(seen[2]!.payload.toString('latin1').startsWith('SIP/2.0 200 '));
});

test('heplify_sip_ipv6_udp: IPv6 addresses in RFC 5952 text', () => {
  const { seen } = decodeFile('heplify_sip_ipv6_udp.pcap');
  assert.equal(seen.length, 6);
  assert.deepEqual(
    seen.map((s) => `${s.ipVersion} ${s.srcIp} ${s.dstIp}`),
    [
      '6 fe80::21a:a0ff:fe07:32e0 fec0::216:d3ff:fe0d:22c',
      '6 fec0::216:d3ff:fe0d:22c fe80::21a:a0ff:fe07:32e0',
      '6 fec0::216:d3ff:fe0d:22c fe80::21a:a0ff:fe07:32e0',
      '6 fe80::21a:a0ff:fe07:32e0 fec0::216:d3ff:fe0d:22c',
      '6 fe80::21a:a0ff:fe07:32e0 fec0::216:d3ff:fe0d:22c',
      '6 fec0::216:d3ff:fe0d:22c fe80::21a:a0ff:fe07:32e0',
    ],
  );
  assert.ok(seen.every((s) => s.encap.join(',') === 'eth,ipv6,udp'));
});

test('heplify_sip_sctp: SCTP over Linux SLL; 4 of 5 packets hold a DATA chunk with SIP', () => {
  const { seen } = decodeFile('heplify_sip_sctp.pcap');
  assert.equal(seen.length, 5);
  assert.ok(seen.every((s) => s.protocol === 'sctp' && s.encap.join(',') === 'sll,ipv4,sctp'));
  // A DATA chunk (type 0) has a 16-byte header before its user data (RFC 9260 §3.3.1).
  const sipChunks = seen.filter((s) => s.payload[0] === 0 && startsLikeSip(s.payload.subarray(16)));
  assert.equal(sipChunks.length, 4);
  assert.deepEqual([seen[0]!.srcPort, seen[0]!.dstPort], [57098, 5060]);
});

test('pcpp_sip_reqs: two requests over PPPoE', () => {
  const { seen } = decodeFile('pcpp_sip_reqs.pcap');
  assert.deepEqual(
    seen.map((s) => s.encap.join(',')),
    ['eth,ipv4,udp', 'eth,pppoe,ppp,ipv4,udp', 'eth,pppoe,ppp,ipv4,udp', 'eth,ipv4,udp'],
  );
  assert.equal(seen[1]!.srcIp, '178.45.73.241');
});

test('pkts_fragmented_udp_sip: the lone first fragment yields no L4 packet and stays incomplete', () => {
  const { h, seen } = decodeFile('pkts_fragmented_udp_sip.pcap');
  assert.equal(seen.length, 5);
  assert.ok(!seen.some((s) => s.payload.toString('latin1').startsWith('INVITE')));
  assert.equal(h.counters.get('decode.ipv4.fragments'), 1);
  assert.equal(h.decoder.fragmentSets, 1);
  h.decoder.finish();
  assert.equal(h.counters.get('decode.fragments.incomplete'), 1);
  assert.equal(h.decoder.fragmentSets, 0);
});

test('link types of the shared set: raw IP, Linux SLL, BSD null', () => {
  assert.ok(decodeFile('heplify_ipip0.pcap').seen.every((s) => s.encap.join(',') === 'raw,ipv4,udp'));
  assert.ok(decodeFile('heplify_sip_ipv4_tcp_retrans.pcap').seen.every((s) => s.encap[0] === 'sll'));
  const nul = decodeFile('suricata_sip-body-large_sip-body-large.pcap').seen;
  assert.ok(nul.every((s) => s.encap.join(',') === 'null,ipv4,tcp' && s.srcIp === '127.0.0.1'));
});

test('arkime_synthetic: tunnels and VLAN/MPLS/PPPoE frames are peeled down to their ICMP or UDP', () => {
  const frames = readFrames(sharedPcap('arkime_synthetic.pcap'));
  // Frame numbers (1-based, as tshark shows them) whose innermost protocol is ICMP: decoding
  // each must count exactly one decode.icmp and nothing else, which shows every layer was peeled.
  const icmpFrames: Record<number, string> = {
    283: 'eth ipv4 gre ipv4 icmp',
    290: 'eth ipv4 udp vxlan eth ipv4 icmp',
    302: 'eth ipv4 ah ipv4 icmp',
    305: 'eth ipv4 udp gtpu ipv4 icmp',
    306: 'eth ipv4 udp geneve eth ipv4 icmp',
    313: 'eth mpls ipv4 icmp',
    314: 'eth pppoe ppp ipv4 icmp',
    466: 'eth ipv4 icmp (quoting ipv4 udp)',
    512: 'eth vlan ipv4 icmp',
    513: 'eth vlan(802.1ad) vlan ipv4 icmp',
    514: 'eth ipv4 udp vxlan eth ipv4 icmp',
    515: 'eth ipv4 gre ipv4 icmp',
    527: 'eth ipv4 udp geneve eth ipv4 icmp',
  };
  for (const [n, what] of Object.entries(icmpFrames)) {
    const h = new Harness();
    const seen = h.run([frames[Number(n) - 1]!]);
    assert.equal(seen.length, 0, `frame ${n}`);
    assert.deepEqual(h.anomalies(), { 'decode.icmp': 1 }, `frame ${n}: ${what}`);
  }
  // Geneve carrying DNS over UDP, both directions (the reply has Geneve's port as source).
  const h = new Harness();
  const geneve = h.run([frames[621]!, frames[622]!]);
  assert.deepEqual(
    geneve.map((s) => [s.encap.join(','), s.srcIp, s.srcPort, s.dstIp, s.dstPort]),
    [
      ['eth,ipv4,udp,geneve,eth,ipv4,udp', '10.111.111.10', 5353, '10.111.111.20', 53],
      ['eth,ipv4,udp,geneve,eth,ipv4,udp', '10.111.111.20', 53, '10.111.111.10', 5353],
    ],
  );
  // IPv4 and IPv6 behind a 2 KB IPv6 destination-options header.
  const deep = h.run([frames[913]!, frames[914]!]);
  assert.deepEqual(
    deep.map((s) => [s.encap.join(','), s.srcIp, s.dstIp, s.payload.length]),
    [
      ['eth,ipv6,ipv4,udp', '10.9.10.1', '10.9.10.2', 8],
      ['eth,ipv6,ipv6,udp', '2001:db8:902::1', '2001:db8:902::2', 8],
    ],
  );
  // ERSPAN type II whose mirrored frame is malformed (its EtherType field reads 0x0028, an
  // 802.3 length; tshark also shows LLC): peeled to that frame and counted.
  const e = new Harness();
  assert.equal(e.run([frames[527]!]).length, 0);
  assert.deepEqual(e.anomalies(), { 'decode.eth.ieee8023': 1 });
  // UDP with length 0.
  const u = new Harness();
  assert.equal(u.run([frames[817]!]).length, 0);
  assert.deepEqual(u.anomalies(), { 'decode.udp.bad_length': 1 });
  // The whole file: only known, named outcomes.
  const all = decodeFile('arkime_synthetic.pcap').h;
  assert.deepEqual(all.anomalies(), {
    'decode.eth.ieee8023': 2,
    'decode.ethertype.unsupported': 6,
    'decode.icmp': 25,
    'decode.ip.esp': 1,
    'decode.ip.unsupported_protocol': 3,
    'decode.udp.bad_length': 1,
  });
});
