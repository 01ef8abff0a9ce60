import { CaptureErrorCode } from './capture-error.js';
import { RecordStream } from './record-stream.js';
import type { CaptureParserOptions, FrameHandler } from './record-stream.js';

/** Block types (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/ §10.1). */
export const PcapngBlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  /** Obsolete Packet Block (Appendix A of the draft). */
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  ENHANCED_PACKET: 0x00000006,
} as const;

export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes of the Interface Description Block that change how timestamps are read. */
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

// Smallest legal size of each block, trailer included.
const MIN_BLOCK = 12;
const MIN_SHB = 28;
const MIN_IDB = 20;
const MIN_EPB = 32;
const MIN_PB = 32;
const MIN_SPB = 16;

const TWO_POW_32 = 4294967296;

// How an interface's 64-bit timestamp becomes microseconds (chosen once per IDB, not per packet).
const TS_MULTIPLY = 0; // units of 10^-k, k <= 6: multiply
const TS_DIVIDE = 1; // units of 10^-k, 6 < k <= 12: exact split division in doubles
const TS_BIGINT_DECIMAL = 2; // units of 10^-k, k > 12
const TS_BIGINT_BINARY = 3; // units of 2^-k

/** One Interface Description Block, as far as reading packets needs it. */
export class PcapngInterface {
  linkType = 0;
  /** 0 means no limit. */
  snaplen = 0;
  tsMode = TS_MULTIPLY;
  /** TS_MULTIPLY: microseconds per unit. */
  mul = 1;
  /** TS_DIVIDE: units per microsecond, and 2^32 = divA * div + divB. */
  div = 1;
  divA = 0;
  divB = 0;
  /** TS_BIGINT_*: the exponent k. */
  exp = 6;
  /** if_tsoffset, in microseconds. */
  offsetUs = 0;

  /** Sets the resolution from the if_tsresol byte: MSB clear = 10^-k seconds, MSB set = 2^-k seconds. */
  setResolution(tsresol: number): void {
    const k = tsresol & 0x7f;
    this.exp = k;
    if (tsresol & 0x80) {
      this.tsMode = TS_BIGINT_BINARY;
    } else if (k <= 6) {
      this.tsMode = TS_MULTIPLY;
      this.mul = 10 ** (6 - k);
    } else if (k <= 12) {
      this.tsMode = TS_DIVIDE;
      this.div = 10 ** (k - 6);
      this.divA = Math.floor(TWO_POW_32 / this.div);
      this.divB = TWO_POW_32 - this.divA * this.div;
    } else {
      this.tsMode = TS_BIGINT_DECIMAL;
    }
  }

  /** Converts a timestamp split in its high and low 32 bits to integer microseconds since the epoch. */
  toMicros(high: number, low: number): number {
    switch (this.tsMode) {
      case TS_MULTIPLY:
        return (high * TWO_POW_32 + low) * this.mul + this.offsetUs;
      case TS_DIVIDE:
        // (high * 2^32 + low) / div without leaving exact double range: high*divB + low < 2^53 since divB < div <= 10^6.
        return high * this.divA + Math.floor((high * this.divB + low) / this.div) + this.offsetUs;
      case TS_BIGINT_DECIMAL: {
        const v = (BigInt(high) << 32n) | BigInt(low);
        return Number(v / 10n ** BigInt(this.exp - 6)) + this.offsetUs;
      }
      default: {
        const v = (BigInt(high) << 32n) | BigInt(low);
        return Number((v * 1_000_000n) >> BigInt(this.exp)) + this.offsetUs;
      }
    }
  }
}

/**
 * Push parser for pcapng (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/): sections in
 * either byte order, one interface table per section, Enhanced, Simple and obsolete Packet Blocks.
 * Every other block type, and every option except if_tsresol and if_tsoffset, is skipped.
 */
export class PcapngParser extends RecordStream {
  /** Interfaces of the current section, by interface id. */
  readonly interfaces: PcapngInterface[] = [];
  /** Number of Section Header Blocks read. */
  sections = 0;
  littleEndian = true;
  /** Time of the last timestamped packet; a Simple Packet Block has none and reuses it. */
  private lastTsUs = 0;

  constructor(source: string, onFrame: FrameHandler, opts: CaptureParserOptions = {}) {
    super(source, onFrame, opts);
    this.need = MIN_BLOCK;
  }

  protected parseRecords(buf: Buffer, start: number, end: number): number {
    let pos = start;
    const maxBlock = this.limits.maxBlockBytes;
    for (;;) {
      const avail = end - pos;
      if (avail < MIN_BLOCK) {
        this.need = MIN_BLOCK;
        break;
      }
      // The SHB block type reads the same in both byte orders; its byte-order magic decides the rest.
      const blockType = buf.readUInt32LE(pos);
      if (blockType === PcapngBlockType.SECTION_HEADER) {
        const magicLE = buf.readUInt32LE(pos + 8);
        if (magicLE === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = true;
        else if (buf.readUInt32BE(pos + 8) === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = false;
        else {
          this.fail(CaptureErrorCode.BAD_SECTION_HEADER, this.offset, 'section header without byte-order magic');
          break;
        }
      }
      const le = this.littleEndian;
      const type = le ? blockType : buf.readUInt32BE(pos);
      const len = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      // Block Total Length: a multiple of 4 that counts the 12 bytes of type, length and trailer (§3.1).
      if (len < MIN_BLOCK || (len & 3) !== 0 || len > maxBlock) {
        this.fail(CaptureErrorCode.BAD_BLOCK_LENGTH, this.offset, `block type 0x${type.toString(16)} has length ${len}`);
        break;
      }
      if (avail < len) {
        this.need = len;
        break;
      }
      const trailer = le ? buf.readUInt32LE(pos + len - 4) : buf.readUInt32BE(pos + len - 4);
      if (trailer !== len) {
        this.fail(CaptureErrorCode.BAD_BLOCK_LENGTH, this.offset, `block length ${len} but trailer says ${trailer}`);
        break;
      }
      if (!this.parseBlock(buf, pos, type, len)) break;
      pos += len;
      this.offset += len;
    }
    return pos - start;
  }

  /** Handles one complete block; false after a fatal error. */
  private parseBlock(buf: Buffer, pos: number, type: number, len: number): boolean {
    switch (type) {
      case PcapngBlockType.SECTION_HEADER:
        return this.parseSectionHeader(buf, pos, len);
      case PcapngBlockType.INTERFACE_DESCRIPTION:
        return this.parseInterface(buf, pos, len);
      case PcapngBlockType.ENHANCED_PACKET:
        return this.parsePacket(buf, pos, len, MIN_EPB, this.u32(buf, pos + 8));
      case PcapngBlockType.PACKET:
        return this.parsePacket(buf, pos, len, MIN_PB, this.u16(buf, pos + 8));
      case PcapngBlockType.SIMPLE_PACKET:
        return this.parseSimplePacket(buf, pos, len);
      default:
        return true;
    }
  }

  private parseSectionHeader(buf: Buffer, pos: number, len: number): boolean {
    if (len < MIN_SHB) return this.badLength(len, 'section header');
    const major = this.u16(buf, pos + 12);
    if (major !== 1) {
      this.fail(CaptureErrorCode.BAD_SECTION_HEADER, this.offset, `section header version ${major}`);
      return false;
    }
    // Interface ids are per section (§4.1).
    this.interfaces.length = 0;
    this.sections++;
    return true;
  }

  private parseInterface(buf: Buffer, pos: number, len: number): boolean {
    if (len < MIN_IDB) return this.badLength(len, 'interface description');
    if (this.interfaces.length >= this.limits.maxInterfaces) {
      this.counters?.inc('capture.pcapng.interface_table_full');
      return true;
    }
    const ifc = new PcapngInterface();
    ifc.linkType = this.u16(buf, pos + 8);
    ifc.snaplen = this.u32(buf, pos + 12);
    const optEnd = pos + len - 4;
    let p = pos + 16;
    while (p + 4 <= optEnd) {
      const code = this.u16(buf, p);
      const optLen = this.u16(buf, p + 2);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + optLen > optEnd) {
        this.counters?.inc('capture.pcapng.bad_option');
        break;
      }
      if (code === OPT_IF_TSRESOL && optLen === 1) {
        ifc.setResolution(buf[p + 4]!);
      } else if (code === OPT_IF_TSOFFSET && optLen === 8) {
        const seconds = this.littleEndian ? buf.readBigInt64LE(p + 4) : buf.readBigInt64BE(p + 4);
        ifc.offsetUs = Number(seconds) * 1_000_000;
      }
      // Option values are padded to 32 bits (§3.5).
      p += 4 + ((optLen + 3) & ~3);
    }
    this.interfaces.push(ifc);
    this.addLinkType(ifc.linkType);
    return true;
  }

  /** Enhanced Packet Block and the obsolete Packet Block share the layout after the interface id. */
  private parsePacket(buf: Buffer, pos: number, len: number, minLen: number, ifId: number): boolean {
    if (len < minLen) return this.badLength(len, 'packet');
    const capLen = this.u32(buf, pos + 20);
    if (capLen > this.limits.maxRecordBytes) {
      this.fail(CaptureErrorCode.SNAPLEN_EXCEEDED, this.offset, `packet claims ${capLen} captured bytes (limit ${this.limits.maxRecordBytes})`);
      return false;
    }
    if (capLen > len - minLen) {
      this.fail(CaptureErrorCode.BAD_BLOCK_LENGTH, this.offset, `packet of ${capLen} bytes in a block of ${len}`);
      return false;
    }
    const ifc = this.interfaces[ifId];
    if (ifc === undefined) {
      this.counters?.inc('capture.pcapng.unknown_interface');
      return true;
    }
    const high = this.u32(buf, pos + 12);
    const low = this.u32(buf, pos + 16);
    const origLen = this.u32(buf, pos + 24);
    const tsUs = ifc.toMicros(high, low);
    this.lastTsUs = tsUs;
    this.emit(tsUs, ifc.linkType, buf.subarray(pos + 28, pos + 28 + capLen), origLen, this.offset);
    return true;
  }

  private parseSimplePacket(buf: Buffer, pos: number, len: number): boolean {
    if (len < MIN_SPB) return this.badLength(len, 'simple packet');
    // Simple Packet Blocks belong to the first interface of the section (§4.4).
    const ifc = this.interfaces[0];
    if (ifc === undefined) {
      this.counters?.inc('capture.pcapng.unknown_interface');
      return true;
    }
    const origLen = this.u32(buf, pos + 8);
    // The captured length is the smaller of the original length and the interface snaplen (§4.4).
    let capLen = Math.min(origLen, len - MIN_SPB);
    if (ifc.snaplen !== 0 && ifc.snaplen < capLen) capLen = ifc.snaplen;
    if (capLen > this.limits.maxRecordBytes) {
      this.fail(CaptureErrorCode.SNAPLEN_EXCEEDED, this.offset, `packet claims ${capLen} captured bytes (limit ${this.limits.maxRecordBytes})`);
      return false;
    }
    // A Simple Packet Block has no timestamp: keep packet time monotonic with the previous packet.
    this.emit(this.lastTsUs, ifc.linkType, buf.subarray(pos + 12, pos + 12 + capLen), origLen, this.offset);
    return true;
  }

  private badLength(len: number, what: string): false {
    this.fail(CaptureErrorCode.BAD_BLOCK_LENGTH, this.offset, `${what} block too short (${len} bytes)`);
    return false;
  }

  private u32(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private u16(buf: Buffer, at: number): number {
    return this.littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }
}
