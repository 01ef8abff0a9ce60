import type { Counters } from '../base/counters.js';
import type { Frame } from '../capture/frame.js';
import { NetworkDecoder, defaultNetworkOptions, type NetworkOptions } from '../decode/network-decoder.js';
import type { SipPayload } from '../decode/sip-payload.js';
import { TransportDecoder, defaultTransportOptions, type TransportOptions } from '../decode/transport-decoder.js';

export interface DecodeOptions {
  network: NetworkOptions;
  transport: TransportOptions;
}

export const defaultDecodeOptions: DecodeOptions = {
  network: defaultNetworkOptions,
  transport: defaultTransportOptions,
};

/** How often (packet time) the decoders expire fragments and idle streams. */
const TICK_US = 1_000_000;

/**
 * Frames in, classified application payloads out: network decode feeds transport decode, and both
 * are ticked on packet time.
 */
export class DecodeChain {
  private readonly network: NetworkDecoder;
  private readonly transport: TransportDecoder;
  private nextTickUs = -1;
  frames = 0;

  constructor(opts: DecodeOptions, counters: Counters, onPayload: (p: SipPayload) => void) {
    this.transport = new TransportDecoder(opts.transport, counters, onPayload);
    const t = this.transport;
    this.network = new NetworkDecoder(opts.network, counters, (p) => t.receive(p));
  }

  /** Bound so it can be handed to a capture reader directly. */
  readonly onFrame = (f: Frame): void => {
    this.frames++;
    const ts = f.tsUs;
    if (ts >= this.nextTickUs) {
      if (this.nextTickUs >= 0) {
        this.network.tick(ts);
        this.transport.tick(ts);
      }
      this.nextTickUs = ts + TICK_US;
    }
    this.network.decodeFrame(f);
  };

  /** End of input: incomplete fragments counted, stream tails flushed. */
  finish(): void {
    this.network.finish();
    this.transport.finish();
  }
}
