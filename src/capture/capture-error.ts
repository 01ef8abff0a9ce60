/**
 * Errors a capture source reports instead of throwing. A reader stops at the first one; every frame
 * before the damaged byte has already been delivered. Codes are stable names (part of the stats contract).
 */
export const CaptureErrorCode = {
  /** The file could not be opened; the message is the OS message. */
  OPEN_FAILED: 'capture.open_failed',
  /** Reading failed after the file was opened. */
  READ_FAILED: 'capture.read_failed',
  /** The gzip layer is corrupt or cut short (offset counts decompressed bytes). */
  GZIP_CORRUPT: 'capture.gzip_corrupt',
  /** No byte at all. */
  EMPTY: 'capture.empty',
  /** The first bytes are no pcap, pcapng or gzip magic. */
  UNKNOWN_FORMAT: 'capture.unknown_format',
  /** The input ends inside the pcap file header. */
  TRUNCATED_HEADER: 'capture.truncated_header',
  /** The input ends inside a record (pcap) or block (pcapng). */
  TRUNCATED_RECORD: 'capture.truncated_record',
  /** A record claims more captured bytes than the configured maximum (default 256 KiB). */
  SNAPLEN_EXCEEDED: 'capture.snaplen_exceeded',
  /** A pcapng block length is too small, not a multiple of 4, too large, disagrees with its trailer or with its content. */
  BAD_BLOCK_LENGTH: 'capture.bad_block_length',
  /** A pcapng Section Header Block has no valid byte-order magic or an unknown major version. */
  BAD_SECTION_HEADER: 'capture.bad_section_header',
} as const;

export type CaptureErrorCode = (typeof CaptureErrorCode)[keyof typeof CaptureErrorCode];

export interface CaptureError {
  code: CaptureErrorCode;
  message: string;
  /** File name (or `stdin`). */
  source: string;
  /** Byte offset of the damaged record or block (in the decompressed stream for gzip input). */
  offset: number;
}

export function captureError(code: CaptureErrorCode, source: string, offset: number, detail: string): CaptureError {
  return { code, message: `${source}: ${detail} at byte ${offset}`, source, offset };
}
