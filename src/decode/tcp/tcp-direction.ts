import { StreamState } from '../stream-state.js';
import type { TcpStream } from './tcp-stream.js';

/** A segment that arrived ahead of the next expected sequence number (its bytes are an owned copy). */
export interface HeldSegment {
  seq: number;
  data: Buffer;
}

/**
 * One direction of a TCP connection: the sequence space, the in-order bytes not consumed yet and
 * the segments held out of order, on top of the application state the stream receivers use.
 */
export class TcpDirection extends StreamState {
  /** A SYN or a first data segment fixed the sequence space. */
  seqKnown = false;
  /** Sequence number of the SYN seen on this direction (-1: none), to recognise its retransmission. */
  synSeq = -1;
  /** Sequence number of the next in-order byte (uint32). */
  nextSeq = 0;
  finSeen = false;
  /** Sequence number just past the last byte, once a FIN was seen. */
  finSeq = 0;
  /** The capture started after the SYN: the first bytes may be the tail of a message. */
  midstream = false;
  /** FIN reached in order (or RST): later bytes are not application data. */
  closed = false;
  /** In-order bytes not consumed yet, [0, accLen) of an owned buffer (null when empty). */
  acc: Buffer | null = null;
  accLen = 0;
  /** Segments ahead of nextSeq, sorted by sequence number. */
  held: HeldSegment[] = [];
  heldBytes = 0;
  /** Packet time of the last segment of this direction (microseconds). */
  lastTsUs = 0;

  constructor(
    readonly stream: TcpStream,
    readonly index: 0 | 1,
  ) {
    super();
  }

  /** Bytes this direction buffers (counted against the per-stream and global caps). */
  bufferedBytes(): number {
    return (this.acc === null ? 0 : this.acc.length) + this.heldBytes;
  }

  /** The other direction of the same connection. */
  peer(): TcpDirection {
    return this.stream.dirs[this.index === 0 ? 1 : 0];
  }
}
