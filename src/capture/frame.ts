/**
 * One captured frame as handed from a capture source to decode.
 *
 * Aliasing: `data` is a view into the reader's buffer and is valid only until the
 * next frame is produced. Stages that keep bytes must copy them.
 */
export interface Frame {
  /** Capture time, microseconds since the Unix epoch (packet time, never wall clock). */
  tsUs: number;
  /** Link-layer type (LINKTYPE_* numbers from tcpdump.org). */
  linkType: number;
  /** Captured bytes (may be shorter than origLen when the snaplen cut the frame). */
  data: Buffer;
  /** Original length on the wire. */
  origLen: number;
  /** Where the frame came from, for error messages: file name and byte offset of the record. */
  source: string;
  offset: number;
}

/** LINKTYPE_* values we decode (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
