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
/** Stats names of the link types (LINKTYPE_* numbers). */
const LINK_NAMES: Record<number, string> = { 0: 'null', 1: 'ethernet', 101: 'raw', 108: 'loop', 113: 'sll', 228: 'ipv4', 229: 'ipv6', 276: 'sll2' };

export class DecodeChain {
  private readonly network: NetworkDecoder;
  private readonly transport: TransportDecoder;
  private nextTickUs = -1;
  frames = 0;
  /** Per-frame and per-packet tallies kept in plain fields on the hot path, published to Counters on each tick. */
  private bytes = 0;
  private readonly byLink = new Map<number, number>();
  private udp = 0;
  private tcp = 0;
  private sctp = 0;

  constructor(
    opts: DecodeOptions,
    private readonly counters: Counters,
    onPayload: (p: SipPayload) => void,
  ) {
    this.transport = new TransportDecoder(opts.transport, counters, onPayload);
    const t = this.transport;
    this.network = new NetworkDecoder(opts.network, counters, (p) => {
      if (p.protocol === 'udp') this.udp++;
      else if (p.protocol === 'tcp') this.tcp++;
      else this.sctp++;
      t.receive(p);
    });
  }

  /** Publishes the tallies: capture.frames/bytes, capture.link.<type>, decode.packets.<udp|tcp|sctp>. */
  private publish(): void {
    const c = this.counters;
    c.set('capture.frames', this.frames);
    c.set('capture.bytes', this.bytes);
    for (const [lt, n] of this.byLink) if (lt >= 0) c.set(`capture.link.${LINK_NAMES[lt] ?? lt}`, n);
    c.set('decode.packets.udp', this.udp);
    c.set('decode.packets.tcp', this.tcp);
    c.set('decode.packets.sctp', this.sctp);
    if (this.hepPackets > 0) c.set('capture.hep.received', this.hepPackets);
  }

  /** Bound so it can be handed to a capture reader directly. */
  readonly onFrame = (f: Frame): void => {
    this.frames++;
    this.bytes += f.data.length;
    const ts = f.tsUs;
    if (ts >= this.nextTickUs || f.linkType !== this.lastLink) {
      this.byLink.set(this.lastLink, this.linkRun + (this.byLink.get(this.lastLink) ?? 0));
      this.lastLink = f.linkType;
      this.linkRun = 0;
      if (ts >= this.nextTickUs) {
        if (this.nextTickUs >= 0) {
          this.network.tick(ts);
          this.transport.tick(ts);
          this.publish();
        }
        this.nextTickUs = ts + TICK_US;
      }
    }
    this.linkRun++;
    this.network.decodeFrame(f);
  };

  private lastLink = -1;
  private linkRun = 0;

  /** A HEP packet from a listener: decoded straight from its TLVs (no link or IP layers). */
  onHep(buf: Buffer, start: number, end: number, rxUs: number, peerIp: string, peerPort: number, localPort: number): void {
    this.hepPackets++;
    this.bytes += end - start;
    this.transport.hepPacket(buf, start, end, rxUs, peerIp, peerPort, localPort);
  }

  private hepPackets = 0;

  /**
   * Live inputs go quiet: the wall clock stands in for packet time so fragments and idle streams
   * still expire. Ignored when `nowUs` is not ahead of the last tick.
   */
  tick(nowUs: number): void {
    if (this.nextTickUs < 0 || nowUs < this.nextTickUs) return;
    this.network.tick(nowUs);
    this.transport.tick(nowUs);
    this.nextTickUs = nowUs + TICK_US;
    this.publish();
  }

  /** End of input: incomplete fragments counted, stream tails flushed. */
  finish(): void {
    this.network.finish();
    this.transport.finish();
    this.byLink.set(this.lastLink, this.linkRun + (this.byLink.get(this.lastLink) ?? 0));
    this.linkRun = 0;
    this.byLink.delete(-1);
    this.publish();
  }
}
