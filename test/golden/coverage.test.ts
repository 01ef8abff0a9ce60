import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { SHARED_PCAPS } from '../helpers/paths.js';

// Every public capture has its golden events asserted in this folder; a capture added to the shared set
// without a golden test fails here.
const COVERED: Record<string, readonly string[]> = {
  'arkime.test.ts': ['arkime_synthetic.pcap'],
  'hep.test.ts': ['hepwireshark_hep.pcap'],
  'heplify.test.ts': [
    'heplify_ipip0.pcap', 'heplify_sip_ipv4_tcp.pcap', 'heplify_sip_ipv4_tcp_retrans.pcap', 'heplify_sip_ipv6_udp.pcap',
    'heplify_sip_sctp.pcap', 'heplify_sip_tcp_websocket.pcap',
  ],
  'ndpi.test.ts': ['ndpi_gre_sip.pcapng', 'ndpi_http_on_sip_port.pcapng'],
  'pcpp.test.ts': ['pcpp_sip_non_default_port.pcap', 'pcpp_sip_not_sdp.pcap', 'pcpp_sip_reqs.pcap', 'pcpp_sip_resp.pcap'],
  'pkts.test.ts': [
    'pkts_cancel.pcap', 'pkts_fragmented_tcp_sip.pcap', 'pkts_fragmented_udp_sip.pcap', 'pkts_simple_invite_scenario.pcap',
    'pkts_sip_rtp.pcap', 'pkts_sipp.pcap',
  ],
  'sipattacks.test.ts': ['sipattacks_BadUserAgent-sipvicious.pcap', 'sipattacks_SIP-3700-unauthorized-401.pcap'],
  'sipattacks-212.test.ts': ['sipattacks_SIP-212.32.250.134.pcap'],
  'sngrep.test.ts': ['sngrep_ipip.pcap', 'sngrep_tlssaved.pcap'],
  'suricata.test.ts': [
    'suricata_sip-body-frames_public-cloudshark-sip-s0.pcap', 'suricata_sip-body-large_sip-body-large.pcap',
    'suricata_sip-compact-form_sip_compact_form.pcap', 'suricata_sip-header-multi-value_sip_header_multi_val.pcap',
    'suricata_sip-options-method_input.pcap', 'suricata_sip-pattern-matching_sip.pcap', 'suricata_sip-sdp_sdp.pcap',
    'suricata_sip-ssdp-pm_ssdp.pcap', 'suricata_sip-tcp-method_sip-tcp.pcap', 'suricata_sip-tcp-pattern-matching_sip.pcap',
  ],
  'suricata-aaa.test.ts': ['suricata_sip-method_sip.pcap'],
  'zeek.test.ts': ['zeek_invalid-content-length.pcap', 'zeek_sip-junk-before-request.pcap'],
};

test('every shared public capture has a golden test', () => {
  const shared = readdirSync(SHARED_PCAPS).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  const covered = Object.values(COVERED).flat().sort();
  assert.equal(covered.length, 38);
  assert.deepEqual(shared, covered);
});
