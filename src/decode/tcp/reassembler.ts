import type { Counters } from '../../base/counters.js';
import type { ByteBudget } from '../byte-budget.js';
import { StreamMode } from '../stream-mode.js';
import type { TcpDirection } from './tcp-direction.js';

/** What the reassembler feeds: one method per stream event (data, bytes lost, end of data). */
export interface DirectionReceiver {
  /** In-order bytes [s, e); returns how many were consumed and sets dir.need (see StreamState). */
  consume(dir: TcpDirection, buf: Buffer, s: number, e: number): number;
  /** End of data, or the bytes before a gap: deliver what is pending in [s, e). */
  flush(dir: TcpDirection, buf: Buffer, s: number, e: number): void;
  /** Bytes were lost just before the next ones fed. */
  gap(dir: TcpDirection): void;
}

/** Out-of-order segments held per direction before the oldest gap is declared lost. */
export const MAX_HELD_SEGMENTS = 256;
/** Smallest buffer allocated for a partial unit. */
const MIN_ACC = 2048;
const EMPTY = Buffer.alloc(0);

/**
 * Per-direction TCP reassembly. In-order bytes go to the receiver straight from the packet
 * (zero copy); only what the receiver cannot consume yet — a message cut by the segment end —
 * is copied into the direction's buffer, and the next segments are appended to it until the
 * message is complete. Segments ahead of the expected sequence number are held (copied, bounded)
 * until the gap fills or the bound is hit, then the gap is skipped and counted.
 *
 * Payloads carry the time of the packet being processed: a message reassembled from several
 * segments is stamped with the segment that completed it.
 */
export class TcpReassembler {
  constructor(
    private readonly receiver: DirectionReceiver,
    private readonly counters: Counters,
    /** Per-direction bound on buffered bytes. */
    private readonly maxBuffer: number,
    /** Bytes buffered by all directions (partial units + held segments), shared with the receivers. */
    private readonly budget: ByteBudget,
  ) {}

  /** Payload [s, e) whose first byte has sequence number `seq`. */
  data(dir: TcpDirection, buf: Buffer, s: number, e: number, seq: number): void {
    if (dir.mode === StreamMode.IGNORE) return; // nothing to learn: no copies, no held segments
    let delta = (seq - dir.nextSeq) | 0;
    if (delta < 0) {
      // Retransmitted or overlapping bytes: the first copy seen wins.
      const dup = Math.min(-delta, e - s);
      this.counters.inc('decode.tcp.retransmitted_bytes', dup);
      s += dup;
      if (s >= e) return;
      seq = dir.nextSeq;
      delta = 0;
    }
    if (dir.closed) {
      this.counters.inc('decode.tcp.data_after_fin', e - s);
      return;
    }
    if (delta > 0) {
      this.hold(dir, buf, s, e, seq);
      return;
    }
    this.inOrder(dir, buf, s, e);
    if (dir.held.length > 0) this.drain(dir);
    this.checkFin(dir);
  }

  /** Closes the direction once the FIN is reached in order. */
  checkFin(dir: TcpDirection): void {
    if (dir.finSeen && !dir.closed && dir.nextSeq === dir.finSeq && dir.held.length === 0) this.close(dir);
  }

  /** End of the direction (FIN reached, RST, idle, eviction, end of input): deliver all that is left. */
  close(dir: TcpDirection): void {
    while (dir.held.length > 0) this.skipGap(dir);
    this.flushPending(dir);
    dir.closed = true;
    dir.skip = 0;
  }

  private inOrder(dir: TcpDirection, buf: Buffer, s: number, e: number): void {
    dir.nextSeq = (dir.nextSeq + (e - s)) >>> 0;
    this.push(dir, buf, s, e);
  }

  /** Feeds in-order bytes to the receiver, buffering only what it cannot consume yet. */
  private push(dir: TcpDirection, buf: Buffer, s: number, e: number): void {
    while (s < e) {
      if (dir.mode === StreamMode.IGNORE) {
        this.releaseAcc(dir);
        return;
      }
      if (dir.skip > 0) {
        const k = Math.min(dir.skip, e - s);
        dir.skip -= k;
        s += k;
        continue;
      }
      if (dir.accLen === 0) {
        s += this.receiver.consume(dir, buf, s, e);
        if (s >= e || dir.skip > 0 || ignored(dir)) continue;
        if (dir.need <= e - s) dir.need = e - s + 1;
        this.append(dir, buf, s, e);
        return;
      }
      // Append only what completes the pending unit when its length is known, so the bytes
      // after it are consumed straight from the packet.
      const take = dir.needExact && dir.need > dir.accLen ? Math.min(e - s, dir.need - dir.accLen) : e - s;
      if (!this.append(dir, buf, s, s + take)) continue;
      s += take;
      if (dir.accLen >= dir.need) this.consumeAcc(dir);
    }
  }

  private consumeAcc(dir: TcpDirection): void {
    const acc = dir.acc!;
    const n = this.receiver.consume(dir, acc, 0, dir.accLen);
    if (n >= dir.accLen || dir.mode === StreamMode.IGNORE) {
      this.releaseAcc(dir);
      return;
    }
    if (n > 0) {
      acc.copyWithin(0, n, dir.accLen);
      dir.accLen -= n;
    }
    if (dir.need <= dir.accLen) dir.need = dir.accLen + 1;
  }

  /**
   * Copies [s, e) after the pending bytes. Over the per-direction bound, the pending unit is
   * given up instead (delivered as it is, then resynchronised) and false is returned.
   */
  private append(dir: TcpDirection, buf: Buffer, s: number, e: number): boolean {
    const n = e - s;
    const len = dir.accLen + n;
    if (len + dir.heldBytes > this.maxBuffer) {
      this.counters.inc('decode.tcp.buffer_overflow');
      if (dir.accLen === 0) {
        // Nothing pending to give up: these bytes alone exceed the bound.
        this.receiver.flush(dir, buf, s, e);
        this.receiver.gap(dir);
        return true;
      }
      this.flushPending(dir);
      this.receiver.gap(dir);
      return false;
    }
    let acc = dir.acc;
    if (acc === null || acc.length < len) {
      const cap = Math.min(Math.max(len, MIN_ACC, acc === null ? 0 : 2 * acc.length), this.maxBuffer);
      const grown = Buffer.allocUnsafe(cap);
      if (acc !== null) {
        acc.copy(grown, 0, 0, dir.accLen);
        this.budget.used -= acc.length;
      }
      this.budget.used += cap;
      acc = dir.acc = grown;
    }
    buf.copy(acc, dir.accLen, s, e);
    dir.accLen = len;
    return true;
  }

  private releaseAcc(dir: TcpDirection): void {
    if (dir.acc !== null) this.budget.used -= dir.acc.length;
    dir.acc = null;
    dir.accLen = 0;
    dir.need = 1;
    dir.needExact = false;
  }

  /** Hands the pending bytes to the receiver as end of data, then forgets them. */
  private flushPending(dir: TcpDirection): void {
    if (dir.mode !== StreamMode.IGNORE) {
      if (dir.acc !== null && dir.accLen > 0) this.receiver.flush(dir, dir.acc, 0, dir.accLen);
      else this.receiver.flush(dir, EMPTY, 0, 0);
    }
    this.releaseAcc(dir);
  }

  /** Keeps a segment that arrived ahead of the expected sequence number. */
  private hold(dir: TcpDirection, buf: Buffer, s: number, e: number, seq: number): void {
    const n = e - s;
    this.counters.inc('decode.tcp.out_of_order');
    const accBytes = dir.acc === null ? 0 : dir.acc.length;
    if (dir.held.length > 0 && (dir.held.length >= MAX_HELD_SEGMENTS || accBytes + dir.heldBytes + n > this.maxBuffer)) {
      // The oldest gap is not going to fill within the bounds: give it up.
      this.skipGap(dir);
      this.data(dir, buf, s, e, seq);
      return;
    }
    if (accBytes + n > this.maxBuffer) {
      // Cannot hold even this one segment: the bytes before it are lost.
      this.gapTo(dir, seq);
      this.data(dir, buf, s, e, seq);
      return;
    }
    const held = dir.held;
    let i = held.length;
    while (i > 0 && ((held[i - 1].seq - seq) | 0) > 0) i--;
    if (i > 0 && held[i - 1].seq === seq) {
      // Same start as a held segment: keep the longer one.
      const old = held[i - 1];
      if (old.data.length >= n) {
        this.counters.inc('decode.tcp.retransmitted_bytes', n);
        return;
      }
      this.counters.inc('decode.tcp.retransmitted_bytes', old.data.length);
      held.splice(i - 1, 1);
      dir.heldBytes -= old.data.length;
      this.budget.used -= old.data.length;
      i--;
    }
    const data = Buffer.allocUnsafe(n);
    buf.copy(data, 0, s, e);
    held.splice(i, 0, { seq, data });
    dir.heldBytes += n;
    this.budget.used += n;
  }

  /** Declares the bytes before the oldest held segment lost and resumes from it. */
  private skipGap(dir: TcpDirection): void {
    this.gapTo(dir, dir.held[0].seq);
    this.drain(dir);
  }

  private gapTo(dir: TcpDirection, seq: number): void {
    this.counters.inc('decode.tcp.gap');
    this.counters.inc('decode.tcp.gap_bytes', (seq - dir.nextSeq) >>> 0);
    this.flushPending(dir);
    dir.skip = 0;
    if (dir.mode !== StreamMode.IGNORE) this.receiver.gap(dir);
    dir.nextSeq = seq;
  }

  /** Feeds the held segments that are now in order (trimming overlaps). */
  private drain(dir: TcpDirection): void {
    const held = dir.held;
    while (held.length > 0) {
      const h = held[0];
      const delta = (h.seq - dir.nextSeq) | 0;
      if (delta > 0) break;
      held.shift();
      dir.heldBytes -= h.data.length;
      this.budget.used -= h.data.length;
      const off = -delta;
      if (off >= h.data.length) {
        this.counters.inc('decode.tcp.retransmitted_bytes', h.data.length);
        continue;
      }
      if (off > 0) this.counters.inc('decode.tcp.retransmitted_bytes', off);
      this.inOrder(dir, h.data, off, h.data.length);
    }
  }
}

/** Read through a call so the compiler does not narrow a mode the receiver may have changed. */
function ignored(dir: TcpDirection): boolean {
  return dir.mode === StreamMode.IGNORE;
}
