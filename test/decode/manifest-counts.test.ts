import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { DecodeChain, defaultDecodeOptions } from '../../src/pipeline/decode-chain.js';
import { FIXTURES, SHARED_PCAPS } from '../helpers/paths.js';

/** Rows of the MANIFEST summary table: file → SIP messages (HEP-carried ones included). */
function manifestCounts(): Map<string, number> {
  const md = readFileSync(join(SHARED_PCAPS, '..', 'MANIFEST.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const line of md.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | File | Size (B) | Pkts | SIP msgs | ...
    if (cells.length > 5 && /\.pcap(ng)?$/.test(cells[1]!) && /^\d+$/.test(cells[4]!)) rows.set(cells[1]!, Number(cells[4]));
  }
  return rows;
}

export async function decodeCounts(file: string, opts = defaultDecodeOptions): Promise<{ sip: number; kinds: Record<string, number>; counters: Counters; payloads: SipPayload[] }> {
  const counters = new Counters();
  const kinds: Record<string, number> = {};
  const payloads: SipPayload[] = [];
  const chain = new DecodeChain(opts, counters, (p) => {
    kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    payloads.push({ ...p, buf: Buffer.from(p.buf.subarray(p.start, p.end)), start: 0, end: p.end - p.start });
  });
  const s = await readCapture(file, chain.onFrame);
  assert.equal(s.error, null, `${file}: ${s.error?.message}`);
  chain.finish();
  return { sip: kinds.sip ?? 0, kinds, counters, payloads };
}

const manifest = manifestCounts();

test('the MANIFEST lists all 38 shared captures', () => {
  assert.equal(manifest.size, 38);
});

for (const [file, expected] of manifest) {
  test(`${file}: ${expected} SIP messages, as the MANIFEST counts them`, async () => {
    const r = await decodeCounts(join(SHARED_PCAPS, file));
    assert.equal(r.sip, expected);
  });
}

const fixtureExpect = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')).files as Record<string, { sipMessages: number }>;
// vxlan.pcap carries one ping on the Linux VXLAN port 8472, which is only decoded when configured.
const vxlan8472 = { ...defaultDecodeOptions, network: { ...defaultDecodeOptions.network, vxlanPorts: [4789, 8472] } };
for (const [file, e] of Object.entries(fixtureExpect)) {
  test(`fixture ${file}: ${e.sipMessages} SIP messages`, async () => {
    const r = await decodeCounts(join(FIXTURES, file), file === 'vxlan.pcap' ? vxlan8472 : defaultDecodeOptions);
    assert.equal(r.sip, e.sipMessages);
  });
}
