import { TcpDirection } from './tcp-direction.js';

/**
 * One TCP connection, keyed by its 4-tuple; both directions share the record. Direction 0 is
 * the sender of the first packet seen (the client when the SYN was captured).
 */
export class TcpStream {
  readonly dirs: [TcpDirection, TcpDirection];
  /** Packet time of the last segment in either direction. */
  lastTsUs: number;
  /** Packet time when the stream last moved to the young end of the table (coarse LRU). */
  touchedUs: number;
  /** Flow flags from the configured ports. */
  sipPort = false;
  tlsPort = false;
  hepPort = false;
  /** decode.tls.streams was counted for this stream. */
  tlsCounted = false;

  constructor(
    readonly key: string,
    readonly aIp: string,
    readonly aPort: number,
    readonly bIp: string,
    readonly bPort: number,
    tsUs: number,
  ) {
    this.lastTsUs = tsUs;
    this.touchedUs = tsUs;
    this.dirs = [new TcpDirection(this, 0), new TcpDirection(this, 1)];
  }

  /** Whether the packet's endpoints are this stream's, in either direction. */
  matches(srcIp: string, srcPort: number, dstIp: string, dstPort: number): boolean {
    return srcPort === this.aPort
      ? dstPort === this.bPort && srcIp === this.aIp && dstIp === this.bIp
      : srcPort === this.bPort && dstPort === this.aPort && srcIp === this.bIp && dstIp === this.aIp;
  }

  /** Index of the direction whose sender is (ip, port). */
  dirIndex(srcIp: string, srcPort: number): 0 | 1 {
    return srcPort === this.aPort && srcIp === this.aIp ? 0 : 1;
  }
}
