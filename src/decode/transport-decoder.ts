import type { Counters } from '../base/counters.js';
import { ByteBudget } from './byte-budget.js';
import { DatagramClassifier } from './classify.js';
import { PayloadEncapInterner } from './payload-encap.js';
import { FlowContext, PayloadEmitter } from './flow-context.js';
import { HepDecoder } from './hep.js';
import type { L4Packet } from './l4-packet.js';
import { buildPortFlags, PortFlag } from './port-flags.js';
import { SctpDecoder } from './sctp.js';
import type { SipPayload } from './sip-payload.js';
import { SipStreamReceiver } from './sip-stream.js';
import { StreamDispatcher } from './tcp/stream-dispatcher.js';
import { TcpDecoder } from './tcp/tcp-decoder.js';
import type { TransportOptions } from './transport-options.js';
import { defaultTransportOptions } from './transport-options.js';
import { WebSocketReceiver } from './websocket.js';

export { defaultTransportOptions, type TransportOptions } from './transport-options.js';

/**
 * The transport half of decode: L4Packets in, SipPayloads out. UDP datagrams are classified
 * directly; TCP is reassembled per direction and framed (SIP, WebSocket, HEP, TLS counted);
 * SCTP DATA chunks are reassembled; HEP is unwrapped to the original packet's addresses.
 *
 * Hostile input never throws out of here: every anomaly is a named counter. The L4Packet and its
 * buffer may be reused by the caller after `receive` returns; whatever is kept is copied. Each
 * SipPayload's `buf` is a view valid only during the callback.
 */
export class TransportDecoder {
  private readonly portFlags: Uint8Array;
  private readonly interner = new PayloadEncapInterner();
  private readonly classifier: DatagramClassifier;
  private readonly hep: HepDecoder;
  private readonly sctp: SctpDecoder;
  private readonly tcp: TcpDecoder;
  private readonly udpCtx = new FlowContext();
  /** The last unexpected exception (a bug, or a throwing callback), for diagnostics. */
  lastError: unknown = null;

  constructor(
    opts: TransportOptions,
    private readonly counters: Counters,
    onPayload: (p: SipPayload) => void,
  ) {
    const maxMessageBytes = opts.maxMessageBytes > 0 ? opts.maxMessageBytes : defaultTransportOptions.maxMessageBytes;
    this.portFlags = buildPortFlags(opts.sipPorts, opts.tlsPorts, opts.hepPorts);
    const emitter = new PayloadEmitter(onPayload);
    const streamBytes = new ByteBudget();
    this.classifier = new DatagramClassifier(emitter, counters);
    this.hep = new HepDecoder(this.classifier, this.interner, counters, maxMessageBytes, opts.hepAuthKey ?? null);
    this.sctp = new SctpDecoder(this.classifier, this.interner, counters, maxMessageBytes);
    const dispatcher = new StreamDispatcher(
      new SipStreamReceiver(emitter, counters, maxMessageBytes),
      new WebSocketReceiver(this.classifier, counters, maxMessageBytes, streamBytes),
      this.hep,
      this.interner,
      counters,
    );
    this.tcp = new TcpDecoder(
      {
        maxStreams: Math.max(1, opts.tcp.maxStreams),
        // A direction must be able to hold at least one largest message.
        maxStreamBuffer: Math.max(opts.tcp.maxStreamBuffer, maxMessageBytes + 4096),
        idleTimeoutUs: opts.tcp.idleTimeoutUs,
        maxTotalBuffer: opts.tcp.maxTotalBuffer ?? defaultTransportOptions.tcp.maxTotalBuffer ?? 64 * 1024 * 1024,
      },
      counters,
      dispatcher,
      this.interner,
      this.portFlags,
      streamBytes,
    );
    this.udpCtx.transport = 'udp';
  }

  receive(p: L4Packet): void {
    try {
      switch (p.protocol) {
        case 'udp':
          this.udp(p);
          break;
        case 'tcp':
          this.tcp.receive(p);
          break;
        case 'sctp':
          this.sctp.receive(p, ((this.portFlags[p.srcPort] | this.portFlags[p.dstPort]) & PortFlag.SIP) !== 0);
          break;
        default:
          this.counters.inc('decode.transport.unknown_protocol');
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** Expires idle TCP streams and stale SCTP reassemblies at packet time `nowUs`. */
  tick(nowUs: number): void {
    try {
      this.tcp.tick(nowUs);
      this.sctp.tick(nowUs);
    } catch (err) {
      this.failed(err);
    }
    this.counters.set('decode.tcp.streams_open', this.tcp.streams);
    this.counters.set('decode.tcp.buffered_bytes', this.tcp.bufferedBytes);
    if (this.interner.overflow > 0) this.counters.set('decode.encap.intern_overflow', this.interner.overflow);
  }

  /**
   * End of input: every stream delivers what it holds — an incomplete message goes out as 'sip'
   * with the bytes there are, so the parser reports it truncated — and all state is freed.
   */
  finish(): void {
    try {
      this.tcp.finish();
      this.sctp.finish();
    } catch (err) {
      this.failed(err);
    }
    this.counters.set('decode.tcp.streams_open', this.tcp.streams);
    this.counters.set('decode.tcp.buffered_bytes', this.tcp.bufferedBytes);
  }

  private udp(p: L4Packet): void {
    const s = p.start;
    const e = p.end;
    if (e <= s) {
      this.counters.inc('decode.udp.empty');
      return;
    }
    const flags = this.portFlags[p.srcPort] | this.portFlags[p.dstPort];
    const ctx = this.udpCtx;
    ctx.setFrom(p, this.interner.intern(p.encap), (flags & PortFlag.SIP) !== 0);
    const buf = p.buf;
    // HEP by port, or by its "HEP3" magic on any port (first byte tested before the magic).
    if ((flags & PortFlag.HEP) !== 0 || buf[s] === 0x48) {
      if (this.hep.datagram(ctx, buf, s, e, (flags & PortFlag.HEP) !== 0)) return;
    }
    this.classifier.deliver(ctx, buf, s, e);
  }

  /**
   * One HEP packet received by a listener (not captured): `peer` sent it to our `localPort`; its
   * receive time stands in for the packet time when the HEP packet carries none.
   */
  hepPacket(buf: Buffer, start: number, end: number, rxUs: number, peerIp: string, peerPort: number, localPort: number): void {
    try {
      const ctx = this.hepCtx;
      ctx.tsUs = rxUs;
      ctx.ipVersion = peerIp.includes(':') ? 6 : 4;
      ctx.srcIp = peerIp;
      ctx.srcPort = peerPort;
      ctx.dstPort = localPort;
      if (!this.hep.datagram(ctx, buf, start, end, true)) this.counters.inc('decode.hep.malformed');
    } catch (err) {
      this.failed(err);
    }
  }

  /** Outer context of received HEP packets: nothing was peeled to reach them. */
  private readonly hepCtx = new FlowContext();

  private failed(err: unknown): void {
    this.lastError = err;
    this.counters.inc('decode.transport.internal_error');
  }
}
