import type { Counters } from '../base/counters.js';
import type { DatagramClassifier } from './classify.js';
import type { PayloadEncapInterner } from './payload-encap.js';
import { FlowContext } from './flow-context.js';
import type { L4Packet } from './l4-packet.js';

/**
 * SIP over SCTP (RFC 4168): each SCTP user message is one SIP message. The L4Packet holds the
 * chunks after the 12-byte common header. DATA chunks that are complete (B and E set) are
 * classified like a UDP datagram; fragmented ones are reassembled per (association direction,
 * stream, SSN) — bounded in entries, bytes and time. Other chunk types carry no user data.
 *
 * Chunk = Type (8) | Flags (8) | Length (16, header included, padding excluded); chunks are padded
 * to 4 bytes. DATA: flags U (unordered) 4, B (beginning) 2, E (ending) 1; then TSN (32), Stream
 * Identifier (16), Stream Sequence Number (16), Payload Protocol Identifier (32), user data.
 * https://www.rfc-editor.org/rfc/rfc4960#section-3.3.1
 */

const CHUNK_DATA = 0;
const DATA_HEADER = 16;
const FLAG_U = 4;
const FLAG_B = 2;
const FLAG_E = 1;

/** Fragmented messages in reassembly at once; the oldest is dropped (counted) beyond. */
export const MAX_SCTP_REASSEMBLIES = 1024;
/** Bytes held by all reassemblies together; the oldest are dropped (counted) beyond. */
export const MAX_SCTP_BUFFERED = 16 * 1024 * 1024;
/** Fragments per message. */
const MAX_FRAGMENTS = 256;
/** A fragmented message not completed within this packet time is dropped (microseconds). */
export const SCTP_REASSEMBLY_TIMEOUT_US = 30_000_000;

class SctpReassembly {
  firstTsn = -1;
  lastTsn = -1;
  bytes = 0;
  readonly parts = new Map<number, Buffer>();
  /** Addresses of the association direction, for a delivery at end of input. */
  readonly ctx = new FlowContext();
  constructor(public startedUs: number) {}
}

export class SctpDecoder {
  private readonly ctx = new FlowContext();
  private readonly pending = new Map<string, SctpReassembly>();
  /** Bytes held by `pending`. */
  private buffered = 0;

  constructor(
    private readonly classifier: DatagramClassifier,
    private readonly interner: PayloadEncapInterner,
    private readonly counters: Counters,
    private readonly maxMessageBytes: number,
  ) {
    this.ctx.transport = 'sctp';
  }

  receive(p: L4Packet, sipFlow: boolean): void {
    const ctx = this.ctx;
    ctx.setFrom(p, this.interner.intern(p.encap), sipFlow);
    const buf = p.buf;
    const end = p.end;
    let off = p.start;
    while (end - off >= 4) {
      const type = buf[off];
      const flags = buf[off + 1];
      const len = (buf[off + 2] << 8) | buf[off + 3];
      if (len < 4 || off + len > end) {
        this.counters.inc('decode.sctp.malformed');
        return;
      }
      if (type === CHUNK_DATA) this.data(p, buf, off, off + len, flags);
      off += (len + 3) & ~3;
    }
  }

  private data(p: L4Packet, buf: Buffer, off: number, end: number, flags: number): void {
    if (end - off < DATA_HEADER) {
      this.counters.inc('decode.sctp.malformed');
      return;
    }
    const ds = off + DATA_HEADER;
    if ((flags & (FLAG_B | FLAG_E)) === (FLAG_B | FLAG_E)) {
      if (end > ds) this.classifier.deliver(this.ctx, buf, ds, end);
      return;
    }
    const tsn = buf.readUInt32BE(off + 4);
    const sid = (buf[off + 8] << 8) | buf[off + 9];
    // Fragments of an unordered message share no SSN; their TSNs are consecutive instead.
    const ssn = (flags & FLAG_U) !== 0 ? 'u' : String((buf[off + 10] << 8) | buf[off + 11]);
    const key = p.srcIp + ' ' + p.srcPort + ' ' + p.dstIp + ' ' + p.dstPort + ' ' + sid + ' ' + ssn;
    let r = this.pending.get(key);
    if (r === undefined) {
      if (this.pending.size >= MAX_SCTP_REASSEMBLIES) this.dropOldest();
      r = new SctpReassembly(p.tsUs);
      copyContext(this.ctx, r.ctx);
      this.pending.set(key, r);
    }
    const n = end - ds;
    const old = r.parts.get(tsn);
    const grow = n - (old === undefined ? 0 : old.length);
    if (r.bytes + grow > this.maxMessageBytes || (old === undefined && r.parts.size >= MAX_FRAGMENTS)) {
      this.counters.inc('decode.sctp.message_too_large');
      this.drop(key, r);
      return;
    }
    while (this.buffered + grow > MAX_SCTP_BUFFERED && this.pending.size > 1) this.dropOldest();
    const copy = Buffer.allocUnsafe(n);
    buf.copy(copy, 0, ds, end);
    r.parts.set(tsn, copy);
    r.bytes += grow;
    this.buffered += grow;
    r.ctx.tsUs = p.tsUs;
    if ((flags & FLAG_B) !== 0) r.firstTsn = tsn;
    if ((flags & FLAG_E) !== 0) r.lastTsn = tsn;
    if (r.firstTsn < 0 || r.lastTsn < 0) return;
    const count = ((r.lastTsn - r.firstTsn) >>> 0) + 1;
    if (count > r.parts.size) return;
    for (let i = 0; i < count; i++) if (!r.parts.has((r.firstTsn + i) >>> 0)) return; // a fragment is still missing
    const msg = Buffer.allocUnsafe(r.bytes);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const part = r.parts.get((r.firstTsn + i) >>> 0)!;
      part.copy(msg, at);
      at += part.length;
    }
    this.drop(key, r);
    this.counters.inc('decode.sctp.reassembled');
    this.classifier.deliver(this.ctx, msg, 0, at);
  }

  private drop(key: string, r: SctpReassembly): void {
    this.pending.delete(key);
    this.buffered -= r.bytes;
  }

  /** Makes room: the reassembly started first goes (counted). */
  private dropOldest(): void {
    for (const [key, r] of this.pending) {
      this.drop(key, r);
      this.counters.inc('decode.sctp.reassembly_evicted');
      return;
    }
  }

  /** Drops reassemblies older than the timeout at packet time `nowUs`. */
  tick(nowUs: number): void {
    for (const [key, r] of this.pending) {
      if (r.startedUs + SCTP_REASSEMBLY_TIMEOUT_US > nowUs) continue;
      this.drop(key, r);
      this.counters.inc('decode.sctp.reassembly_timeout');
    }
  }

  /**
   * End of input: a message whose first fragment is here is delivered with the fragments that
   * follow it without a hole, so the parser reports it truncated; others are only counted.
   */
  finish(): void {
    for (const r of this.pending.values()) {
      this.counters.inc('decode.sctp.reassembly_incomplete');
      if (r.firstTsn < 0) continue;
      const parts: Buffer[] = [];
      for (let tsn = r.firstTsn, part = r.parts.get(tsn); part !== undefined; tsn = (tsn + 1) >>> 0, part = r.parts.get(tsn)) {
        parts.push(part);
      }
      const msg = Buffer.concat(parts);
      this.classifier.deliver(r.ctx, msg, 0, msg.length);
    }
    this.pending.clear();
    this.buffered = 0;
  }
}

function copyContext(from: FlowContext, to: FlowContext): void {
  to.tsUs = from.tsUs;
  to.ipVersion = from.ipVersion;
  to.srcIp = from.srcIp;
  to.srcPort = from.srcPort;
  to.dstIp = from.dstIp;
  to.dstPort = from.dstPort;
  to.transport = from.transport;
  to.encap = from.encap;
  to.sipFlow = from.sipFlow;
}
