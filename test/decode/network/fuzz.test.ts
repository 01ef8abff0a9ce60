/**
 * Fuzz: random mutations (bit flips, truncation, inserted bytes, overwritten bytes) of frames from
 * real captures and of synthetic tunnel/fragment frames. decodeFrame must never throw (nor fail
 * internally: decode.internal_error stays 0), must terminate, and must still decode a valid
 * frame exactly right afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LinkType, type Frame } from '../../../src/capture/frame.js';
import { sharedPcap } from '../../helpers/paths.js';
import {
  eth,
  frame,
  geneve,
  gre,
  gtpu,
  ipv4,
  ipv6,
  ipv6Ext,
  ipv6Frag,
  mpls,
  nullHdr,
  SIP_INVITE,
  sll2,
  udp,
  udpSipFrame,
  vxlan,
} from './build.js';
import { Harness } from './collect.js';
import { readFrames } from './read.js';

const REAL = [
  'ndpi_gre_sip.pcapng',
  'pcpp_sip_reqs.pcap',
  'heplify_sip_sctp.pcap',
  'heplify_sip_ipv6_udp.pcap',
  'sngrep_ipip.pcap',
  'pkts_fragmented_udp_sip.pcap',
  'heplify_ipip0.pcap',
  'suricata_sip-body-large_sip-body-large.pcap',
  'heplify_sip_ipv4_tcp_retrans.pcap',
].flatMap((n) => readFrames(sharedPcap(n)).slice(0, 12));

const ARKIME = readFrames(sharedPcap('arkime_synthetic.pcap'));
// The tunnel, VLAN, MPLS, PPPoE and extension-header frames of arkime_synthetic (1-based numbers).
const ARKIME_PICK = [283, 290, 302, 305, 306, 313, 314, 466, 512, 513, 514, 515, 527, 528, 622, 914, 915].map(
  (n) => ARKIME[n - 1]!,
);

const INNER = eth(0x0800, ipv4(17, udp(1, 5060, SIP_INVITE)));
const BIG = udp(5060, 5060, Buffer.alloc(600, 0x41));
const SYNTHETIC: Frame[] = [
  frame(eth(0x0800, ipv4(17, udp(4000, 4789, vxlan(1, INNER))))),
  frame(eth(0x0800, ipv4(17, udp(4000, 6081, geneve(0x6558, INNER, 2))))),
  frame(eth(0x0800, ipv4(17, udp(2152, 2152, gtpu(1, ipv4(17, udp(1, 5060, SIP_INVITE)), { seq: 1, ext: [[0x85, Buffer.from([0, 1])]] }))))),
  frame(eth(0x8847, mpls([1, 2], Buffer.concat([Buffer.alloc(4), INNER])))),
  frame(eth(0x0800, ipv4(47, gre(0x6558, INNER, { key: 1, seq: 2 })))),
  frame(eth(0x0800, ipv4(17, BIG.subarray(0, 304), { id: 3, mf: true }))),
  frame(eth(0x0800, ipv4(17, BIG.subarray(304), { id: 3, fragOffset: 304 }))),
  frame(eth(0x86dd, ipv6(0, ipv6Ext(44, ipv6Frag(17, 0, true, 5, BIG.subarray(0, 304)))))),
  frame(eth(0x86dd, ipv6(44, ipv6Frag(17, 304, false, 5, BIG.subarray(304))))),
  frame(sll2(0x86dd, ipv6(4, ipv4(17, udp(1, 5060, SIP_INVITE)))), LinkType.LINUX_SLL2),
  frame(nullHdr(30, true, ipv6(17, udp(1, 5060, SIP_INVITE))), LinkType.NULL),
];

const CORPUS = [...REAL, ...ARKIME_PICK, ...SYNTHETIC];
const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('set' as const), pos: fc.nat(), value: fc.constantFrom(0, 0xff, 0x08, 0x45, 0x60, 0x81, 0x88) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(data: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(data);
  for (const m of muts) {
    if (b.length === 0) break;
    const pos = m.pos % b.length;
    if (m.kind === 'flip') b[pos]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') b = b.subarray(0, pos);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, pos), Buffer.from(m.bytes), b.subarray(pos)]);
    else b[pos] = m.value;
  }
  return b;
}

test('fuzz: mutated frames never throw or hang, and a valid frame still decodes exactly', { timeout: 60_000 }, () => {
  const h = new Harness({ fragments: { maxSets: 16, maxBytes: 64 * 1024, timeoutUs: 1_000_000 }, maxTunnelDepth: 4 });
  const probe = frame(udpSipFrame(SIP_INVITE, '192.0.2.50', '192.0.2.60'));
  let ts = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: CORPUS.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      fc.option(fc.constantFrom(...LINK_TYPES), { freq: 5 }),
      (idx, muts, linkType) => {
        const base = CORPUS[idx]!;
        ts += 1000;
        const f: Frame = { ...base, data: mutate(base.data, muts), tsUs: ts, linkType: linkType ?? base.linkType };
        h.decoder.decodeFrame(f);
        if (ts % 50_000 === 0) h.decoder.tick(ts);
        const before = h.seen.length;
        h.decoder.decodeFrame({ ...probe, tsUs: ts });
        assert.equal(h.seen.length, before + 1);
        const p = h.seen[before]!;
        assert.deepEqual(
          [p.srcIp, p.dstIp, p.srcPort, p.dstPort, p.protocol, p.encap.join(','), p.tsUs],
          ['192.0.2.50', '192.0.2.60', 5060, 5060, 'udp', 'eth,ipv4,udp', ts],
        );
        assert.ok(p.payload.equals(SIP_INVITE));
        assert.ok(h.decoder.fragmentSets <= 16);
        return h.counters.get('decode.internal_error') === 0;
      },
    ),
    { numRuns: 50_000, seed: 20240611 },
  );
  if (process.env.FUZZ_VERBOSE) console.log(h.counters.snapshot(), h.seen.length);
  // Every unmodified corpus frame also decodes without internal errors.
  for (const f of CORPUS) h.decoder.decodeFrame(f);
  h.decoder.finish();
  assert.equal(h.counters.get('decode.internal_error'), 0);
  assert.equal(h.decoder.fragmentSets, 0);
});

test('fuzz: random bytes under every link type', { timeout: 60_000 }, () => {
  const h = new Harness();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.constantFrom(...LINK_TYPES), (bytes, linkType) => {
      h.decoder.decodeFrame(frame(Buffer.from(bytes), linkType));
      return h.counters.get('decode.internal_error') === 0;
    }),
    { numRuns: 10_000, seed: 42 },
  );
});
