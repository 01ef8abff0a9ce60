import type { Counters } from '../base/counters.js';
import { CaptureErrorCode, captureError } from './capture-error.js';
import type { CaptureError } from './capture-error.js';
import type { Frame } from './frame.js';

export type FrameHandler = (frame: Frame) => void;

/** Limits shared by the capture parsers. Each one bounds memory whatever the input says. */
export interface CaptureLimits {
  /** Largest captured length accepted for one packet record; beyond it the file is treated as corrupt. */
  maxRecordBytes: number;
  /** Largest pcapng block accepted (any type); bounds the carry buffer. */
  maxBlockBytes: number;
  /** Largest number of interfaces kept per pcapng section; further IDBs are counted and ignored. */
  maxInterfaces: number;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = {
  // 256 KiB: the largest snaplen libpcap and Wireshark accept for ordinary link types.
  maxRecordBytes: 262144,
  // 16 MiB: the block-size ceiling Wireshark applies to pcapng.
  maxBlockBytes: 16 * 1024 * 1024,
  maxInterfaces: 1024,
};

export interface CaptureParserOptions extends Partial<CaptureLimits> {
  /** Where non-fatal anomalies are counted (e.g. `capture.pcapng.unknown_interface`). */
  counters?: Counters | null;
}

/**
 * A synchronous push parser over a record-oriented capture format.
 *
 * `push(chunk)` delivers every complete record of the chunk through `onFrame`; a record that spans
 * chunks is copied into a carry buffer, so bytes are copied only at chunk boundaries. `end()` reports
 * a record left incomplete. After the first error the parser ignores further input.
 *
 * Frame reuse: the parser hands the same `Frame` object to every call and `frame.data` is a view
 * into the pushed chunk (or the carry buffer). Both are valid only until `onFrame` returns.
 */
export abstract class RecordStream {
  readonly source: string;
  /** Frames delivered so far. */
  frames = 0;
  /** Bytes pushed so far. */
  bytes = 0;
  error: CaptureError | null = null;
  /** Distinct link types declared by the file, in the order first seen. */
  readonly linkTypes: number[] = [];

  protected readonly frame: Frame;
  protected readonly onFrame: FrameHandler;
  protected readonly limits: CaptureLimits;
  protected readonly counters: Counters | null;
  /** Byte offset (from the start of the input) of the first byte not yet consumed. */
  protected offset = 0;
  /** Bytes the next record needs, counted from its first byte; set by `parseRecords` when it stops short. */
  protected need = 0;

  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;
  private ended = false;

  constructor(source: string, onFrame: FrameHandler, opts: CaptureParserOptions = {}) {
    this.source = source;
    this.onFrame = onFrame;
    this.limits = {
      maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_CAPTURE_LIMITS.maxRecordBytes,
      maxBlockBytes: opts.maxBlockBytes ?? DEFAULT_CAPTURE_LIMITS.maxBlockBytes,
      maxInterfaces: opts.maxInterfaces ?? DEFAULT_CAPTURE_LIMITS.maxInterfaces,
    };
    this.counters = opts.counters ?? null;
    this.frame = { tsUs: 0, linkType: 0, data: this.carry, origLen: 0, source, offset: 0 };
  }

  /**
   * Consumes whole records from `buf[start, end)`, advancing `offset` past each one, and returns
   * the number of bytes consumed. When it stops before `end` it sets `need` to more than the bytes
   * left; on bad data it calls `fail` instead.
   */
  protected abstract parseRecords(buf: Buffer, start: number, end: number): number;

  /** True while the parser still waits for a file header (pcap), so a cut there is named differently. */
  protected inFileHeader(): boolean {
    return false;
  }

  push(chunk: Buffer): void {
    if (this.error !== null || this.ended) return;
    this.bytes += chunk.length;
    const n = chunk.length;
    let pos = 0;
    // Complete the record left over from the previous chunk, copying only the bytes it still needs.
    while (this.carryLen > 0) {
      if (pos >= n) return;
      const want = this.need - this.carryLen;
      if (want <= 0) {
        this.fail(CaptureErrorCode.BAD_BLOCK_LENGTH, this.offset, 'parser made no progress');
        return;
      }
      const take = Math.min(want, n - pos);
      this.appendCarry(chunk, pos, pos + take);
      pos += take;
      if (this.carryLen < this.need) return;
      const used = this.parseRecords(this.carry, 0, this.carryLen);
      if (this.error !== null) return;
      if (used >= this.carryLen) this.carryLen = 0;
      else if (used > 0) {
        this.carry.copyWithin(0, used, this.carryLen);
        this.carryLen -= used;
      }
    }
    if (pos >= n) return;
    pos += this.parseRecords(chunk, pos, n);
    if (this.error !== null) return;
    if (pos < n) this.appendCarry(chunk, pos, n);
  }

  /** Signals the end of input: a partial record left over becomes a truncation error. */
  end(): void {
    if (this.error !== null || this.ended) return;
    this.ended = true;
    if (this.carryLen === 0 && !this.inFileHeader()) return;
    if (this.inFileHeader()) {
      this.fail(CaptureErrorCode.TRUNCATED_HEADER, this.offset, `file header needs ${this.need} bytes, input ends after ${this.carryLen}`);
    } else {
      this.fail(CaptureErrorCode.TRUNCATED_RECORD, this.offset, `record needs ${this.need} bytes, input ends after ${this.carryLen}`);
    }
  }

  /** Byte offset of the first byte not yet consumed (the start of a partial record, if any). */
  get consumedBytes(): number {
    return this.offset;
  }

  protected fail(code: CaptureErrorCode, offset: number, detail: string): void {
    if (this.error === null) this.error = captureError(code, this.source, offset, detail);
  }

  protected addLinkType(linkType: number): void {
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
  }

  protected emit(tsUs: number, linkType: number, data: Buffer, origLen: number, offset: number): void {
    const f = this.frame;
    f.tsUs = tsUs;
    f.linkType = linkType;
    f.data = data;
    f.origLen = origLen;
    f.offset = offset;
    this.frames++;
    this.onFrame(f);
  }

  private appendCarry(src: Buffer, start: number, end: number): void {
    const len = end - start;
    if (this.carryLen + len > this.carry.length) {
      const size = Math.max(this.need, this.carryLen + len, 4096);
      const next = Buffer.allocUnsafe(size);
      this.carry.copy(next, 0, 0, this.carryLen);
      this.carry = next;
    }
    src.copy(this.carry, this.carryLen, start, end);
    this.carryLen += len;
  }
}
