/**
 * Network decode throughput: decodes a loop over a few representative frames and prints
 * frames/s per kind and for the mix. Run after a build: node dist/bench/decode/network.bench.js
 */
import { Counters } from '../../src/base/counters.js';
import type { Frame } from '../../src/capture/frame.js';
import type { L4Packet } from '../../src/decode/l4-packet.js';
import { defaultNetworkOptions, NetworkDecoder } from '../../src/decode/network-decoder.js';
import { sharedPcap } from '../../test/helpers/paths.js';
import { eth, frame, ipv4, ipv6, SIP_INVITE, tcp, udp, vlanTag, vxlan } from '../../test/decode/network/build.js';
import { readFrames } from '../../test/decode/network/read.js';

const kinds: Array<[string, Frame[]]> = [
  ['eth/ipv4/udp (pkts_sipp)', readFrames(sharedPcap('pkts_sipp.pcap'))],
  ['eth/vlan/ipv4/gre/ppp/ipv4/udp (ndpi_gre_sip)', readFrames(sharedPcap('ndpi_gre_sip.pcapng'))],
  ['eth/ipv6/udp (heplify_sip_ipv6_udp)', readFrames(sharedPcap('heplify_sip_ipv6_udp.pcap'))],
  [
    'eth/vlan/ipv4/tcp (synthetic)',
    [frame(eth(0x8100, vlanTag(10, 0x0800, ipv4(6, tcp(5060, 40000, 1, 2, 0x18, SIP_INVITE)))))],
  ],
  [
    'eth/ipv4/udp/vxlan/eth/ipv4/udp (synthetic)',
    [frame(eth(0x0800, ipv4(17, udp(40000, 4789, vxlan(1, eth(0x0800, ipv4(17, udp(5060, 5060, SIP_INVITE))))))))],
  ],
  ['eth/ipv6/udp, 64 distinct sources (synthetic)', Array.from({ length: 64 }, (_, i) =>
    frame(eth(0x86dd, ipv6(17, udp(5060, 5060, SIP_INVITE), `2001:db8::${(i + 1).toString(16)}`, '2001:db8::ffff'))))],
];

let sink = 0;
const onL4 = (p: L4Packet): void => {
  sink += p.end - p.start + p.srcIp.length + p.encap.length;
};

function measure(frames: Frame[], minNs = 1_000_000_000n): number {
  const dec = new NetworkDecoder(defaultNetworkOptions, new Counters(), onL4);
  for (let i = 0; i < 20_000; i++) dec.decodeFrame(frames[i % frames.length]!);
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t1 = t0;
  while (t1 - t0 < minNs) {
    for (let i = 0; i < 10_000; i++) dec.decodeFrame(frames[(n + i) % frames.length]!);
    n += 10_000;
    t1 = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(t1 - t0);
}

const all: Frame[] = [];
for (const [name, frames] of kinds) {
  all.push(...frames.slice(0, 16));
  console.log(`${name.padEnd(50)} ${Math.round(measure(frames)).toLocaleString('en-US').padStart(12)} frames/s`);
}
console.log(`${'mix'.padEnd(50)} ${Math.round(measure(all)).toLocaleString('en-US').padStart(12)} frames/s`);
if (sink === 42) console.log('');
