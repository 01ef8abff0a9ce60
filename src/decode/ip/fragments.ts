import type { Counters } from '../../base/counters.js';
import { OldestKey } from '../../base/oldest-key.js';

/** Limits of the reassembly table. */
export interface FragmentOptions {
  /** Datagrams being reassembled at once; the oldest is evicted to make room. */
  maxSets: number;
  /** Bytes held over all datagrams; the oldest are evicted to make room. */
  maxBytes: number;
  /** A datagram not complete this long (packet time) after its first fragment is dropped. */
  timeoutUs: number;
}

/** Largest datagram payload we rebuild: IPv4 Total Length and IPv6 Payload Length are 16-bit. */
export const MAX_DATAGRAM = 65535;

/** Bytes [start, end) of the datagram payload, held in `data` (a copy). */
class Piece {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly data: Buffer,
  ) {}
}

/** One datagram being reassembled. */
export class FragmentSet {
  readonly key: string;
  readonly ipVersion: 4 | 6;
  /** Source then destination address bytes (8 for IPv4, 32 for IPv6), copied. */
  readonly addr: Buffer;
  /** IPv4 protocol; for IPv6 the Next Header of the first fragment (-1 until it arrives). */
  protocol: number;
  /** Packet time of the first fragment seen (the timer start, RFC 791 / RFC 8200 §4.5). */
  readonly firstTsUs: number;
  /** Payload length, known once the last fragment (MF/M = 0) arrives; -1 before. */
  totalLen = -1;
  /** Payload bytes held (pieces never overlap). */
  held = 0;
  /** Pieces sorted by start. */
  readonly pieces: Piece[] = [];

  constructor(key: string, ipVersion: 4 | 6, addr: Buffer, protocol: number, firstTsUs: number) {
    this.key = key;
    this.ipVersion = ipVersion;
    this.addr = addr;
    this.protocol = protocol;
    this.firstTsUs = firstTsUs;
  }

  get complete(): boolean {
    return this.totalLen >= 0 && this.held === this.totalLen && this.protocol >= 0;
  }

  /** The whole payload (call only when complete). */
  assemble(): Buffer {
    const out = Buffer.allocUnsafe(this.totalLen);
    for (const p of this.pieces) p.data.copy(out, p.start);
    return out;
  }
}

/**
 * IP fragment reassembly for IPv4 (RFC 791 §3.2, https://www.rfc-editor.org/rfc/rfc791#section-3.2)
 * and IPv6 (RFC 8200 §4.5, https://www.rfc-editor.org/rfc/rfc8200#section-4.5), for both keyed by
 * the caller (IPv4: source, destination, protocol, identification; IPv6: source, destination,
 * identification).
 *
 * Overlaps are resolved deterministically: bytes already held win, and the overlap is counted
 * (`decode.fragments.overlap`). RFC 5722 tells IPv6 hosts to drop such datagrams entirely; a
 * passive probe keeps the first copy so that an overlap attack still shows what came first.
 * Memory is bounded by maxSets/maxBytes with counted evictions; timers run on packet time.
 */
export class FragmentReassembler {
  private readonly sets = new Map<string, FragmentSet>();
  /** Evictions come in floods (one per new datagram when full): walk past the holes of earlier ones once. */
  private readonly oldestKey = new OldestKey(this.sets);
  private bytes = 0;

  constructor(
    private readonly opts: FragmentOptions,
    private readonly counters: Counters,
  ) {}

  get size(): number {
    return this.sets.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Adds the fragment payload buf[start, end) at `offset` bytes into the datagram. `protocol` is
   * -1 when not known from this fragment (non-first IPv6 fragment). Returns the set, removed
   * from the table, when this fragment completed it; otherwise null.
   */
  add(
    key: string,
    ipVersion: 4 | 6,
    addrBuf: Buffer,
    addrOff: number,
    protocol: number,
    offset: number,
    more: boolean,
    buf: Buffer,
    start: number,
    end: number,
    tsUs: number,
  ): FragmentSet | null {
    const len = end - start;
    const last = offset + len;
    // RFC 8200 §4.5: every fragment but the last carries a multiple of 8 octets.
    if (more && (len & 7) !== 0) {
      this.counters.inc('decode.fragments.bad_length');
      return null;
    }
    let set = this.sets.get(key);
    if (set !== undefined && tsUs - set.firstTsUs >= this.opts.timeoutUs) {
      this.drop(set);
      this.counters.inc('decode.fragments.timeout');
      set = undefined;
    }
    if (last > MAX_DATAGRAM) {
      // Reassembly would exceed the largest legal datagram (the "ping of death").
      this.counters.inc('decode.fragments.too_big');
      if (set !== undefined) this.drop(set);
      return null;
    }
    if (set === undefined) {
      while (this.sets.size >= this.opts.maxSets && this.evictOldest(null)) {
        /* evicted one */
      }
      if (this.opts.maxSets <= 0) {
        this.counters.inc('decode.fragments.evicted');
        return null;
      }
      const addrLen = ipVersion === 4 ? 8 : 32;
      const addr = Buffer.from(addrBuf.subarray(addrOff, addrOff + addrLen));
      set = new FragmentSet(key, ipVersion, addr, ipVersion === 4 ? protocol : -1, tsUs);
      this.sets.set(key, set);
    }
    if (ipVersion === 6 && offset === 0 && set.protocol < 0) set.protocol = protocol;

    if (!more) {
      if (set.totalLen >= 0 && set.totalLen !== last) {
        this.counters.inc('decode.fragments.bad_length');
        return null;
      }
      const lastPiece = set.pieces[set.pieces.length - 1];
      if (lastPiece !== undefined && lastPiece.end > last) {
        this.counters.inc('decode.fragments.bad_length');
        return null;
      }
      set.totalLen = last;
    } else if (set.totalLen >= 0 && last > set.totalLen) {
      this.counters.inc('decode.fragments.bad_length');
      return null;
    }

    this.insert(set, buf, start, offset, last);
    if (!this.sets.has(key)) return null; // evicted itself to stay under maxBytes
    if (!set.complete) return null;
    this.drop(set);
    this.counters.inc('decode.fragments.reassembled');
    return set;
  }

  /** Stores the bytes of [from, to) not held yet (first wins), counting duplicates and overlaps. */
  private insert(set: FragmentSet, buf: Buffer, start: number, from: number, to: number): void {
    const pieces = set.pieces;
    let cur = from;
    let overlap = false;
    let duplicate = false;
    const count = pieces.length;
    for (let i = 0; i < count && cur < to; i++) {
      const p = pieces[i]!;
      if (p.end <= cur) continue;
      if (p.start >= to) break;
      if (p.start === from && p.end === to) duplicate = true;
      overlap = true;
      if (p.start > cur) this.store(set, buf, start, from, cur, p.start);
      if (p.end > cur) cur = p.end;
    }
    if (cur < to) this.store(set, buf, start, from, cur, to);
    if (pieces.length !== count) pieces.sort(byStart);
    if (duplicate) this.counters.inc('decode.fragments.duplicate');
    else if (overlap) this.counters.inc('decode.fragments.overlap');
  }

  private store(set: FragmentSet, buf: Buffer, start: number, from: number, a: number, b: number): void {
    const n = b - a;
    if (n <= 0) return;
    while (this.bytes + n > this.opts.maxBytes && this.evictOldest(set)) {
      /* evicted one */
    }
    if (this.bytes + n > this.opts.maxBytes) {
      this.drop(set);
      this.counters.inc('decode.fragments.evicted');
      return;
    }
    if (!this.sets.has(set.key)) return;
    const src = start + (a - from);
    set.pieces.push(new Piece(a, b, Buffer.from(buf.subarray(src, src + n))));
    set.held += n;
    this.bytes += n;
  }

  /** Evicts the oldest set other than `keep`; false when there is none. */
  private evictOldest(keep: FragmentSet | null): boolean {
    const key = keep === null ? this.oldestKey.next() : this.oldestKey.nextOther(keep.key);
    const set = key === undefined ? undefined : this.sets.get(key);
    if (set === undefined) return false;
    this.drop(set);
    this.counters.inc('decode.fragments.evicted');
    return true;
  }


  private drop(set: FragmentSet): void {
    if (this.sets.get(set.key) !== set) return;
    this.sets.delete(set.key);
    this.bytes -= set.held;
  }

  /**
   * Drops datagrams whose first fragment is `timeoutUs` or more older than `nowUs`. Sets are
   * visited in creation order and the walk stops at the first one still in time, so it costs
   * only what it expires (packet time is assumed roughly monotonic).
   */
  expire(nowUs: number): void {
    for (const set of this.sets.values()) {
      if (nowUs - set.firstTsUs < this.opts.timeoutUs) break;
      this.drop(set);
      this.counters.inc('decode.fragments.timeout');
    }
    this.counters.set('decode.fragments.sets', this.sets.size);
    this.counters.set('decode.fragments.bytes', this.bytes);
  }

  /** End of input: counts the datagrams never completed and frees them. */
  finish(): void {
    if (this.sets.size > 0) this.counters.inc('decode.fragments.incomplete', this.sets.size);
    this.sets.clear();
    this.bytes = 0;
    this.counters.set('decode.fragments.sets', 0);
    this.counters.set('decode.fragments.bytes', 0);
  }
}

function byStart(a: Piece, b: Piece): number {
  return a.start - b.start;
}
