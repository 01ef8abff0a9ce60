import type { L4Packet } from './l4-packet.js';
import type { PayloadKind, SipPayload, SipTransport } from './sip-payload.js';

/**
 * Where a payload was seen: the addresses, time and layers that every SipPayload of a flow
 * shares. TCP directions own one each; UDP, SCTP and HEP reuse a scratch one per packet.
 */
export class FlowContext {
  tsUs = 0;
  ipVersion: 4 | 6 = 4;
  srcIp = '';
  srcPort = 0;
  dstIp = '';
  dstPort = 0;
  transport: SipTransport = 'udp';
  /** Interned, frozen. */
  encap: string[] = [];
  hep: { version: number; captureId: number } | null = null;
  /** Non-SIP payloads on this flow are reported ('non-sip', 'keepalive', 'stun') instead of dropped. */
  sipFlow = false;

  /** Takes time, addresses and layers from the packet that carries the payload. */
  setFrom(p: L4Packet, encap: string[], sipFlow: boolean): void {
    this.tsUs = p.tsUs;
    this.ipVersion = p.ipVersion;
    this.srcIp = p.srcIp;
    this.srcPort = p.srcPort;
    this.dstIp = p.dstIp;
    this.dstPort = p.dstPort;
    this.encap = encap;
    this.sipFlow = sipFlow;
  }
}

/** Builds one SipPayload per delivered unit and hands it to the sip stage. */
export class PayloadEmitter {
  constructor(private readonly onPayload: (p: SipPayload) => void) {}

  emit(ctx: FlowContext, kind: PayloadKind, buf: Buffer, start: number, end: number, skipped: number): void {
    // A fresh object per payload: the sip stage may keep it; only `buf` is a borrowed view.
    this.onPayload({
      tsUs: ctx.tsUs,
      ipVersion: ctx.ipVersion,
      srcIp: ctx.srcIp,
      srcPort: ctx.srcPort,
      dstIp: ctx.dstIp,
      dstPort: ctx.dstPort,
      transport: ctx.transport,
      encap: ctx.encap,
      kind,
      buf,
      start,
      end,
      skipped,
      hep: ctx.hep,
    });
  }
}
