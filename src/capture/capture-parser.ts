import { CaptureErrorCode, captureError } from './capture-error.js';
import type { CaptureError } from './capture-error.js';
import { PcapParser, isPcapMagic } from './pcap-parser.js';
import { PcapngBlockType, PcapngParser } from './pcapng-parser.js';
import type { CaptureParserOptions, FrameHandler, RecordStream } from './record-stream.js';

export type CaptureFormat = 'pcap' | 'pcapng' | 'unknown';

/** Recognises a capture format from the first four bytes of a (decompressed) file. */
export function detectCaptureFormat(buf: Buffer, start = 0): CaptureFormat {
  if (buf.length - start < 4) return 'unknown';
  const magic = buf.readUInt32BE(start);
  if (isPcapMagic(magic)) return 'pcap';
  if (magic === PcapngBlockType.SECTION_HEADER) return 'pcapng';
  return 'unknown';
}

/** True when the bytes start with the gzip magic 1f 8b (RFC 1952 §2.3.1). */
export function isGzipMagic(buf: Buffer, start = 0): boolean {
  return buf.length - start >= 2 && buf[start] === 0x1f && buf[start + 1] === 0x8b;
}

/**
 * A synchronous push parser for any supported capture format: it holds back the first four bytes,
 * picks pcap or pcapng from the magic, then hands every chunk to that parser. Decompression is not
 * its job (see `readCaptureStream`). Same frame-reuse rule as the format parsers.
 */
export class CaptureParser {
  readonly source: string;
  format: CaptureFormat = 'unknown';
  private inner: RecordStream | null = null;
  private readonly head = Buffer.alloc(4);
  private headLen = 0;
  private ownError: CaptureError | null = null;
  private readonly onFrame: FrameHandler;
  private readonly opts: CaptureParserOptions;

  constructor(source: string, onFrame: FrameHandler, opts: CaptureParserOptions = {}) {
    this.source = source;
    this.onFrame = onFrame;
    this.opts = opts;
  }

  get frames(): number {
    return this.inner === null ? 0 : this.inner.frames;
  }

  get bytes(): number {
    return this.inner === null ? this.headLen : this.inner.bytes;
  }

  get linkTypes(): number[] {
    return this.inner === null ? [] : this.inner.linkTypes;
  }

  get error(): CaptureError | null {
    return this.inner === null ? this.ownError : this.inner.error;
  }

  push(chunk: Buffer): void {
    if (this.inner !== null) {
      this.inner.push(chunk);
      return;
    }
    if (this.ownError !== null || chunk.length === 0) return;
    if (this.headLen === 0 && chunk.length >= 4) {
      if (this.start(chunk)) this.inner!.push(chunk);
      return;
    }
    // The magic itself is split across chunks: collect it first.
    const take = Math.min(4 - this.headLen, chunk.length);
    chunk.copy(this.head, this.headLen, 0, take);
    this.headLen += take;
    if (this.headLen < 4) return;
    if (!this.start(this.head)) return;
    this.inner!.push(this.head);
    if (take < chunk.length) this.inner!.push(chunk.subarray(take));
  }

  end(): void {
    if (this.inner !== null) {
      this.inner.end();
      return;
    }
    if (this.ownError !== null) return;
    if (this.headLen === 0) this.ownError = captureError(CaptureErrorCode.EMPTY, this.source, 0, 'no data');
    else this.ownError = captureError(CaptureErrorCode.UNKNOWN_FORMAT, this.source, 0, `only ${this.headLen} bytes`);
  }

  private start(magic: Buffer): boolean {
    this.format = detectCaptureFormat(magic);
    if (this.format === 'pcap') this.inner = new PcapParser(this.source, this.onFrame, this.opts);
    else if (this.format === 'pcapng') this.inner = new PcapngParser(this.source, this.onFrame, this.opts);
    else {
      const hex = magic.subarray(0, 4).toString('hex');
      this.ownError = captureError(CaptureErrorCode.UNKNOWN_FORMAT, this.source, 0, `no pcap, pcapng or gzip magic (${hex})`);
      return false;
    }
    return true;
  }
}
