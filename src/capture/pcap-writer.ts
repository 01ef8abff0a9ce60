import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { PcapMagic, PCAP_FILE_HEADER_LEN, PCAP_RECORD_HEADER_LEN } from './pcap-parser.js';

export interface PcapWriterOptions {
  /** LINKTYPE_* of every record. */
  linkType: number;
  /** Largest captured length written per record; longer packets are cut (origLen keeps the real size). Default 262144. */
  snaplen?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. */
  nanoseconds?: boolean;
  /** Big-endian headers instead of little-endian. */
  bigEndian?: boolean;
  /** Bytes collected before one write to the sink (default 1 MiB). */
  bufferBytes?: number;
}

/** The 24-byte classic pcap file header (draft-ietf-opsawg-pcap §4), version 2.4. */
export function pcapFileHeader(opts: PcapWriterOptions): Buffer {
  const b = Buffer.alloc(PCAP_FILE_HEADER_LEN);
  const be = opts.bigEndian === true;
  const w32 = (v: number, at: number): number => (be ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  const w16 = (v: number, at: number): number => (be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  w32(opts.nanoseconds === true ? PcapMagic.NANO_BE : PcapMagic.MICRO_BE, 0);
  w16(2, 4);
  w16(4, 6);
  // thiszone and sigfigs stay 0, as every modern writer does.
  w32(opts.snaplen ?? 262144, 16);
  w32(opts.linkType & 0xffff, 20);
  return b;
}

/** One record for `encodePcap`. */
export interface PcapRecord {
  tsUs: number;
  data: Buffer;
  origLen?: number;
  /** Nanoseconds (0-999) added to `tsUs` in a nanosecond file; ignored in a microsecond file. */
  extraNs?: number;
}

/** Encodes a whole capture in memory (small files: fixtures, tests). */
export function encodePcap(records: ReadonlyArray<PcapRecord>, opts: PcapWriterOptions): Buffer {
  const parts: Buffer[] = [pcapFileHeader(opts)];
  const snaplen = opts.snaplen ?? 262144;
  const nano = opts.nanoseconds === true;
  for (const r of records) {
    const capLen = Math.min(r.data.length, snaplen);
    const sec = Math.floor(r.tsUs / 1_000_000);
    const us = r.tsUs - sec * 1_000_000;
    const h = Buffer.alloc(PCAP_RECORD_HEADER_LEN);
    writeRecordHeader(h, 0, opts.bigEndian === true, sec, nano ? us * 1000 + (r.extraNs ?? 0) : us, capLen, r.origLen ?? r.data.length);
    parts.push(h, r.data.subarray(0, capLen));
  }
  return Buffer.concat(parts);
}

/**
 * Streams a classic pcap file to a Writable with buffered writes: records are copied into a
 * buffer that goes to the sink in one write when full. Backpressure: when `writePacket` returns
 * false, await `drain()` before writing more.
 */
export class PcapWriter {
  /** Records written. */
  packets = 0;
  /** Bytes written, file header included. */
  bytes = 0;

  private readonly sink: Writable;
  private readonly opts: PcapWriterOptions;
  private readonly snaplen: number;
  private readonly bufferBytes: number;
  private buf: Buffer;
  private len = 0;
  private needDrain = false;

  constructor(sink: Writable, opts: PcapWriterOptions) {
    this.sink = sink;
    this.opts = opts;
    this.snaplen = opts.snaplen ?? 262144;
    this.bufferBytes = Math.max(opts.bufferBytes ?? 1024 * 1024, PCAP_FILE_HEADER_LEN);
    this.buf = Buffer.allocUnsafe(this.bufferBytes);
    const header = pcapFileHeader(opts);
    header.copy(this.buf, 0);
    this.len = header.length;
    this.bytes = header.length;
  }

  /** Opens `path` for writing (truncating it) and returns a writer on it. */
  static toFile(path: string, opts: PcapWriterOptions): PcapWriter {
    return new PcapWriter(createWriteStream(path), opts);
  }

  /** Appends one record stamped with integer microseconds; false when the caller should await `drain()`. */
  writePacket(tsUs: number, data: Buffer, origLen: number = data.length): boolean {
    const sec = Math.floor(tsUs / 1_000_000);
    const us = tsUs - sec * 1_000_000;
    return this.writeRecord(sec, this.opts.nanoseconds === true ? us * 1000 : us, data, origLen);
  }

  /** Appends one record whose fraction is already in the file's unit (µs, or ns for a nanosecond file). */
  writeRecord(sec: number, frac: number, data: Buffer, origLen: number = data.length): boolean {
    const capLen = Math.min(data.length, this.snaplen);
    const size = PCAP_RECORD_HEADER_LEN + capLen;
    if (this.len + size > this.buf.length) this.flush();
    if (size > this.buf.length) {
      // A record larger than the whole buffer goes to the sink on its own.
      const own = Buffer.allocUnsafe(size);
      writeRecordHeader(own, 0, this.opts.bigEndian === true, sec, frac, capLen, origLen);
      data.copy(own, PCAP_RECORD_HEADER_LEN, 0, capLen);
      if (!this.sink.write(own)) this.needDrain = true;
    } else {
      writeRecordHeader(this.buf, this.len, this.opts.bigEndian === true, sec, frac, capLen, origLen);
      data.copy(this.buf, this.len + PCAP_RECORD_HEADER_LEN, 0, capLen);
      this.len += size;
    }
    this.bytes += size;
    this.packets++;
    return !this.needDrain;
  }

  /** Hands the buffered bytes to the sink now. */
  flush(): void {
    if (this.len === 0) return;
    // The sink keeps a reference to the written chunk, so a fresh buffer takes its place.
    const chunk = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.bufferBytes);
    this.len = 0;
    if (!this.sink.write(chunk)) this.needDrain = true;
  }

  /** Resolves once the sink accepts more data. */
  async drain(): Promise<void> {
    if (!this.needDrain) return;
    if (this.sink.writableNeedDrain) await once(this.sink, 'drain');
    this.needDrain = false;
  }

  /** Flushes, ends the sink and waits until everything is written. */
  async close(): Promise<void> {
    this.flush();
    this.sink.end();
    if (!this.sink.writableFinished) await once(this.sink, 'finish');
  }
}

function writeRecordHeader(b: Buffer, at: number, bigEndian: boolean, sec: number, frac: number, capLen: number, origLen: number): void {
  if (bigEndian) {
    b.writeUInt32BE(sec >>> 0, at);
    b.writeUInt32BE(frac >>> 0, at + 4);
    b.writeUInt32BE(capLen >>> 0, at + 8);
    b.writeUInt32BE(origLen >>> 0, at + 12);
  } else {
    b.writeUInt32LE(sec >>> 0, at);
    b.writeUInt32LE(frac >>> 0, at + 4);
    b.writeUInt32LE(capLen >>> 0, at + 8);
    b.writeUInt32LE(origLen >>> 0, at + 12);
  }
}
