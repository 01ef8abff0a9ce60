/** NetworkDecoder contract: scratch packet reuse, consumer exceptions, options. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counters } from '../../../src/base/counters.js';
import type { L4Packet } from '../../../src/decode/l4-packet.js';
import { defaultNetworkOptions, NetworkDecoder } from '../../../src/decode/network-decoder.js';
import { frame, udpSipFrame } from './build.js';

test('defaults match the documented values', () => {
  assert.deepEqual(defaultNetworkOptions, {
    vxlanPorts: [4789],
    gtpuPorts: [2152],
    genevePorts: [6081],
    fragments: { maxSets: 10000, maxBytes: 64 * 1024 * 1024, timeoutUs: 30_000_000 },
    maxTunnelDepth: 8,
  });
});

test('one scratch L4Packet is reused for every packet', () => {
  const got: L4Packet[] = [];
  const ips: string[] = [];
  const dec = new NetworkDecoder(defaultNetworkOptions, new Counters(), (p) => {
    got.push(p);
    ips.push(p.srcIp);
  });
  dec.decodeFrame(frame(udpSipFrame(undefined, '10.0.0.1')));
  dec.decodeFrame(frame(udpSipFrame(undefined, '10.0.0.9')));
  assert.equal(got.length, 2);
  assert.equal(got[0], got[1]);
  assert.deepEqual(ips, ['10.0.0.1', '10.0.0.9']);
});

test('an exception thrown by the consumer propagates and the decoder keeps working', () => {
  const counters = new Counters();
  let calls = 0;
  const dec = new NetworkDecoder(defaultNetworkOptions, counters, () => {
    calls++;
    if (calls === 1) throw new Error('consumer bug');
  });
  assert.throws(() => dec.decodeFrame(frame(udpSipFrame())), /consumer bug/);
  dec.decodeFrame(frame(udpSipFrame()));
  assert.equal(calls, 2);
  assert.equal(counters.get('decode.internal_error'), 0);
});
