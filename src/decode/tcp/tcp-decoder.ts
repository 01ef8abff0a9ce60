import type { Counters } from '../../base/counters.js';
import type { ByteBudget } from '../byte-budget.js';
import type { PayloadEncapInterner } from '../payload-encap.js';
import { type L4Packet, TcpFlag } from '../l4-packet.js';
import { PortFlag } from '../port-flags.js';
import { StreamMode } from '../stream-mode.js';
import { type DirectionReceiver, TcpReassembler } from './reassembler.js';
import { TcpStreamTable } from './stream-table.js';
import { TcpStream } from './tcp-stream.js';
import type { TcpDirection } from './tcp-direction.js';

const WS_LAYER: readonly string[] = Object.freeze(['ws']);

export interface TcpLimits {
  maxStreams: number;
  maxStreamBuffer: number;
  idleTimeoutUs: number;
  maxTotalBuffer: number;
}

/**
 * TCP streams: finds the connection of each segment (both directions share one record keyed by
 * the 4-tuple), follows SYN / FIN / RST, and bounds the table by count, idle time (packet time)
 * and buffered bytes. Reassembly and what the bytes mean are delegated.
 */
export class TcpDecoder {
  private readonly table = new TcpStreamTable();
  private readonly reassembler: TcpReassembler;
  /** The stream of the previous segment: consecutive segments mostly share it (no key built). */
  private last: TcpStream | null = null;

  constructor(
    private readonly limits: TcpLimits,
    private readonly counters: Counters,
    receiver: DirectionReceiver,
    private readonly interner: PayloadEncapInterner,
    private readonly portFlags: Uint8Array,
    /** Bytes buffered by streams (reassembly and WebSocket fragments), bounded by maxTotalBuffer. */
    private readonly budget: ByteBudget,
  ) {
    this.reassembler = new TcpReassembler(receiver, counters, limits.maxStreamBuffer, budget);
  }

  /** Streams tracked now. */
  get streams(): number {
    return this.table.size;
  }

  /** Bytes buffered by all streams now. */
  get bufferedBytes(): number {
    return this.budget.used;
  }

  receive(p: L4Packet): void {
    const len = p.end - p.start;
    const flags = p.tcpFlags;
    const last = this.last;
    let key = '';
    let stream: TcpStream | undefined;
    if (last !== null && last.matches(p.srcIp, p.srcPort, p.dstIp, p.dstPort)) {
      stream = last;
      key = last.key;
    } else {
      key = streamKey(p);
      stream = this.table.get(key);
    }
    if (stream === undefined) {
      // A lone ACK, FIN or RST of a connection we do not track says nothing.
      if ((len === 0 && (flags & TcpFlag.SYN) === 0) || (flags & TcpFlag.RST) !== 0) return;
      stream = this.open(key, p);
    }
    this.last = stream;
    let dir = stream.dirs[stream.dirIndex(p.srcIp, p.srcPort)];
    let seq = p.tcpSeq >>> 0;
    if ((flags & TcpFlag.SYN) !== 0) {
      if (dir.synSeq === seq) {
        if (len === 0) {
          this.touch(stream, dir, p);
          return; // retransmitted SYN
        }
      } else if (dir.seqKnown) {
        // A new connection on the same 4-tuple: finish the old one first.
        this.counters.inc('decode.tcp.reused');
        this.close(stream);
        stream = this.open(key, p);
        this.last = stream;
        dir = stream.dirs[stream.dirIndex(p.srcIp, p.srcPort)];
      }
    }
    this.touch(stream, dir, p);
    if ((flags & TcpFlag.SYN) !== 0) {
      if (!dir.seqKnown) {
        dir.synSeq = seq;
        dir.seqKnown = true;
        dir.nextSeq = (seq + 1) >>> 0;
      }
      seq = (seq + 1) >>> 0; // data in a SYN starts after the SYN's sequence number
    }
    if (len > 0) {
      if (!dir.seqKnown) {
        // Mid-stream pickup: the first segment seen starts the byte stream.
        this.counters.inc('decode.tcp.midstream');
        dir.seqKnown = true;
        dir.midstream = true;
        dir.nextSeq = seq;
      }
      this.reassembler.data(dir, p.buf, p.start, p.end, seq);
    }
    if ((flags & TcpFlag.RST) !== 0) {
      this.counters.inc('decode.tcp.reset');
      this.close(stream);
      return;
    }
    if ((flags & TcpFlag.FIN) !== 0 && !dir.finSeen && dir.seqKnown) {
      dir.finSeen = true;
      dir.finSeq = (seq + len) >>> 0;
      this.reassembler.checkFin(dir);
    }
    if (this.budget.used > this.limits.maxTotalBuffer) this.shed(stream);
  }

  /** Flushes and forgets streams idle for the configured time at packet time `nowUs`. */
  tick(nowUs: number): void {
    const idle = this.table.expired(nowUs, this.limits.idleTimeoutUs);
    for (let i = 0; i < idle.length; i++) {
      this.counters.inc('decode.tcp.expired');
      this.close(idle[i]);
    }
  }

  /** End of input: every stream delivers what it has. */
  finish(): void {
    this.last = null;
    const all = this.table.drain();
    for (let i = 0; i < all.length; i++) this.closeDirections(all[i]);
  }

  private open(key: string, p: L4Packet): TcpStream {
    if (this.table.size >= this.limits.maxStreams) {
      const victim = this.table.oldest(null);
      if (victim !== undefined) {
        this.counters.inc('decode.tcp.evicted');
        this.close(victim);
      }
    }
    const stream = new TcpStream(key, p.srcIp, p.srcPort, p.dstIp, p.dstPort, p.tsUs);
    const pf = this.portFlags[p.srcPort] | this.portFlags[p.dstPort];
    stream.sipPort = (pf & PortFlag.SIP) !== 0;
    stream.tlsPort = (pf & PortFlag.TLS) !== 0;
    stream.hepPort = (pf & PortFlag.HEP) !== 0;
    for (let i = 0; i < 2; i++) {
      const c = stream.dirs[i].ctx;
      const fwd = i === 0;
      c.ipVersion = p.ipVersion;
      c.srcIp = fwd ? p.srcIp : p.dstIp;
      c.srcPort = fwd ? p.srcPort : p.dstPort;
      c.dstIp = fwd ? p.dstIp : p.srcIp;
      c.dstPort = fwd ? p.dstPort : p.srcPort;
      c.transport = 'tcp';
      c.sipFlow = stream.sipPort;
      c.tsUs = p.tsUs;
    }
    this.table.add(stream);
    this.counters.inc('decode.tcp.streams');
    return stream;
  }

  /** Time and layers stamped on what this segment completes. */
  private touch(stream: TcpStream, dir: TcpDirection, p: L4Packet): void {
    dir.lastTsUs = p.tsUs;
    dir.ctx.tsUs = p.tsUs;
    const base = this.interner.intern(p.encap);
    if (base !== dir.baseEncap) {
      dir.baseEncap = base;
      dir.ctx.encap = dir.mode === StreamMode.WS ? this.interner.extend(base, WS_LAYER) : base;
    }
    this.table.touch(stream, p.tsUs);
  }

  private close(stream: TcpStream): void {
    if (this.last === stream) this.last = null;
    this.table.delete(stream);
    this.closeDirections(stream);
  }

  private closeDirections(stream: TcpStream): void {
    for (let i = 0; i < 2; i++) {
      const d = stream.dirs[i];
      if (!d.closed) this.reassembler.close(d);
    }
  }

  /** Over the global buffer bound: evict the least recently active streams (not `current`). */
  private shed(current: TcpStream): void {
    while (this.budget.used > this.limits.maxTotalBuffer) {
      const victim = this.table.oldest(current);
      if (victim === undefined) return;
      this.counters.inc('decode.tcp.evicted_buffer');
      this.close(victim);
    }
  }
}

/** One key for both directions: the lower endpoint first. */
function streamKey(p: L4Packet): string {
  const a = p.srcIp;
  const b = p.dstIp;
  return a < b || (a === b && p.srcPort <= p.dstPort)
    ? a + ' ' + p.srcPort + ' ' + b + ' ' + p.dstPort
    : b + ' ' + p.dstPort + ' ' + a + ' ' + p.srcPort;
}
