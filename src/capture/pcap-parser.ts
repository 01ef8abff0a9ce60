import { CaptureErrorCode } from './capture-error.js';
import { RecordStream } from './record-stream.js';
import type { CaptureParserOptions, FrameHandler } from './record-stream.js';

/** File-header magic numbers as read big-endian from the first four bytes. */
export const PcapMagic = {
  MICRO_BE: 0xa1b2c3d4,
  MICRO_LE: 0xd4c3b2a1,
  NANO_BE: 0xa1b23c4d,
  NANO_LE: 0x4d3cb2a1,
  /** Kuznetzov's patched libpcap: records carry 8 extra bytes (ifindex, protocol, pkt_type, pad). */
  MODIFIED_BE: 0xa1b2cd34,
  MODIFIED_LE: 0x34cdb2a1,
} as const;

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/** True when the big-endian 32-bit value at the start of a file is a classic pcap magic. */
export function isPcapMagic(magicBE: number): boolean {
  return (
    magicBE === PcapMagic.MICRO_BE || magicBE === PcapMagic.MICRO_LE ||
    magicBE === PcapMagic.NANO_BE || magicBE === PcapMagic.NANO_LE ||
    magicBE === PcapMagic.MODIFIED_BE || magicBE === PcapMagic.MODIFIED_LE
  );
}

/**
 * Push parser for classic pcap files (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/):
 * a 24-byte file header, then records of a 16-byte header plus the captured bytes.
 * Both byte orders and both microsecond and nanosecond magics are read; nanoseconds are truncated
 * to whole microseconds.
 */
export class PcapParser extends RecordStream {
  /** Link type of every record (the file header's LinkType field), or -1 before the header. */
  linkType = -1;
  /** Snapshot length declared in the file header (informational; records are bounded by `maxRecordBytes`). */
  snaplen = 0;
  nanoseconds = false;
  littleEndian = true;

  private headerDone = false;
  private recordHeaderLen = PCAP_RECORD_HEADER_LEN;

  constructor(source: string, onFrame: FrameHandler, opts: CaptureParserOptions = {}) {
    super(source, onFrame, opts);
    this.need = PCAP_FILE_HEADER_LEN;
  }

  protected override inFileHeader(): boolean {
    return !this.headerDone;
  }

  protected parseRecords(buf: Buffer, start: number, end: number): number {
    let pos = start;
    if (!this.headerDone) {
      if (end - pos < PCAP_FILE_HEADER_LEN) {
        this.need = PCAP_FILE_HEADER_LEN;
        return 0;
      }
      if (!this.parseFileHeader(buf, pos)) return 0;
      pos += PCAP_FILE_HEADER_LEN;
      this.offset += PCAP_FILE_HEADER_LEN;
    }
    const hdrLen = this.recordHeaderLen;
    const le = this.littleEndian;
    const max = this.limits.maxRecordBytes;
    const linkType = this.linkType;
    for (;;) {
      const avail = end - pos;
      if (avail < hdrLen) {
        this.need = hdrLen;
        break;
      }
      const inclLen = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
      if (inclLen > max) {
        this.fail(CaptureErrorCode.SNAPLEN_EXCEEDED, this.offset, `record claims ${inclLen} captured bytes (limit ${max})`);
        break;
      }
      const total = hdrLen + inclLen;
      if (avail < total) {
        this.need = total;
        break;
      }
      const sec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
      const frac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      const origLen = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
      const tsUs = sec * 1_000_000 + (this.nanoseconds ? Math.floor(frac / 1000) : frac);
      const dataStart = pos + hdrLen;
      this.emit(tsUs, linkType, buf.subarray(dataStart, dataStart + inclLen), origLen, this.offset);
      pos += total;
      this.offset += total;
    }
    return pos - start;
  }

  private parseFileHeader(buf: Buffer, pos: number): boolean {
    const magic = buf.readUInt32BE(pos);
    switch (magic) {
      case PcapMagic.MICRO_BE: this.littleEndian = false; this.nanoseconds = false; break;
      case PcapMagic.MICRO_LE: this.littleEndian = true; this.nanoseconds = false; break;
      case PcapMagic.NANO_BE: this.littleEndian = false; this.nanoseconds = true; break;
      case PcapMagic.NANO_LE: this.littleEndian = true; this.nanoseconds = true; break;
      case PcapMagic.MODIFIED_BE: this.littleEndian = false; this.recordHeaderLen = 24; break;
      case PcapMagic.MODIFIED_LE: this.littleEndian = true; this.recordHeaderLen = 24; break;
      default:
        this.fail(CaptureErrorCode.UNKNOWN_FORMAT, this.offset, `no pcap magic (0x${magic.toString(16).padStart(8, '0')})`);
        return false;
    }
    const le = this.littleEndian;
    this.snaplen = le ? buf.readUInt32LE(pos + 16) : buf.readUInt32BE(pos + 16);
    const linkTypeAndInfo = le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20);
    // The link type is the lower 16 bits; the upper bits may carry FCS information
    // (draft-ietf-opsawg-pcap §4, "LinkType and additional information").
    this.linkType = linkTypeAndInfo & 0xffff;
    this.addLinkType(this.linkType);
    this.headerDone = true;
    return true;
  }
}
