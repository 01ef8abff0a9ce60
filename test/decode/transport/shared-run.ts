/** Feeds a shared capture through the network decoder into a TransportDecoder (test helper). */
import { Counters } from '../../../src/base/counters.js';
import { readCapture } from '../../../src/capture/read-capture.js';
import { defaultNetworkOptions, NetworkDecoder } from '../../../src/decode/network-decoder.js';
import type { SipPayload } from '../../../src/decode/sip-payload.js';
import { defaultTransportOptions, TransportDecoder, type TransportOptions } from '../../../src/decode/transport-decoder.js';

export interface CaptureRun {
  counters: Counters;
  payloads: { kind: string; transport: string; text: string; encap: string; skipped: number; tsUs: number; hep: number }[];
}

export async function runCapture(path: string, opts: TransportOptions = defaultTransportOptions): Promise<CaptureRun> {
  const counters = new Counters();
  const payloads: CaptureRun['payloads'] = [];
  const onPayload = (p: SipPayload): void => {
    payloads.push({
      kind: p.kind,
      transport: p.transport,
      text: p.buf.toString('latin1', p.start, p.end),
      encap: p.encap.join('/'),
      skipped: p.skipped,
      tsUs: p.tsUs,
      hep: p.hep === null ? 0 : p.hep.version,
    });
  };
  const transport = new TransportDecoder(opts, counters, onPayload);
  const network = new NetworkDecoder(defaultNetworkOptions, counters, (l4) => transport.receive(l4));
  await readCapture(path, (frame) => network.decodeFrame(frame));
  network.finish();
  transport.finish();
  return { counters, payloads };
}
