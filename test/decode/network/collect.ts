/** Runs frames through a NetworkDecoder and keeps copies of what it emits. */
import { Counters } from '../../../src/base/counters.js';
import type { Frame } from '../../../src/capture/frame.js';
import type { L4Packet } from '../../../src/decode/l4-packet.js';
import { defaultNetworkOptions, NetworkDecoder, type NetworkOptions } from '../../../src/decode/network-decoder.js';

export interface Seen {
  tsUs: number;
  ipVersion: 4 | 6;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: string;
  encap: string[];
  /** Shared interned array (identity checks). */
  encapRef: string[];
  payload: Buffer;
  tcpSeq: number;
  tcpAck: number;
  tcpFlags: number;
}

export function copy(p: L4Packet): Seen {
  return {
    tsUs: p.tsUs,
    ipVersion: p.ipVersion,
    srcIp: p.srcIp,
    dstIp: p.dstIp,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    protocol: p.protocol,
    encap: [...p.encap],
    encapRef: p.encap,
    payload: Buffer.from(p.buf.subarray(p.start, p.end)),
    tcpSeq: p.tcpSeq,
    tcpAck: p.tcpAck,
    tcpFlags: p.tcpFlags,
  };
}

export class Harness {
  readonly counters = new Counters();
  readonly seen: Seen[] = [];
  readonly decoder: NetworkDecoder;

  constructor(opts: Partial<NetworkOptions> = {}) {
    this.decoder = new NetworkDecoder({ ...defaultNetworkOptions, ...opts }, this.counters, (p) => this.seen.push(copy(p)));
  }

  run(frames: Frame[]): Seen[] {
    const before = this.seen.length;
    for (const f of frames) this.decoder.decodeFrame(f);
    return this.seen.slice(before);
  }

  /** Counters other than the gauges. */
  anomalies(): Record<string, number> {
    const all = this.counters.snapshot();
    delete all['decode.fragments.sets'];
    delete all['decode.fragments.bytes'];
    delete all['decode.encap.uncached'];
    return all;
  }
}

const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE'];

/** Whether the bytes start like a SIP message: a SIP method and a space, or "SIP/2.0 ". */
export function startsLikeSip(b: Buffer): boolean {
  const head = b.toString('latin1', 0, Math.min(b.length, 12));
  if (head.startsWith('SIP/2.0 ')) return true;
  return METHODS.some((m) => head.startsWith(m + ' '));
}
