import { FlowContext } from './flow-context.js';
import type { SipFramer } from './sip-framing.js';
import { StreamMode, type StreamModeCode } from './stream-mode.js';
import type { WsMessageState } from './websocket.js';

/**
 * Application-level state of one direction of a byte stream, read and written by the stream
 * receivers (SIP framing, WebSocket, HEP, TLS). The owner (TCP reassembly) feeds in-order bytes
 * and honours `need` / `skip`: a receiver returns how many bytes it consumed and sets `need` to the
 * number of bytes (counted from the first unconsumed one) it wants before it is called again.
 */
export class StreamState {
  /** Addresses and time stamped on the payloads of this direction. */
  readonly ctx = new FlowContext();
  /** Interned encap of the last packet, without the layers decode adds ('ws'). */
  baseEncap: string[] = [];
  mode: StreamModeCode = StreamMode.UNKNOWN;
  /** Call the receiver again once this many unconsumed bytes are available. */
  need = 1;
  /** `need` is the exact length of the pending unit (bytes beyond it may be fed separately). */
  needExact = false;
  /** Bytes to drop unread before the next call (rest of a TLS record, an oversized frame). */
  skip = 0;

  // SIP framing
  framer: SipFramer | null = null;
  /** A start line was recognised at the first unconsumed byte; the framer is in progress. */
  inMessage = false;
  /** Looking for the next start line after garbage or a gap. */
  resync = false;
  /** The garbage of the current resync episode was already reported (or must not be). */
  garbageReported = false;
  /** Non-SIP bytes seen on this direction. */
  garbageBytes = 0;
  /** At least one SIP start line was seen. */
  sipSeen = false;
  /** Bytes at the start of the next call already searched for a start line. */
  scanSkip = 0;

  // WebSocket
  ws: WsMessageState | null = null;
}
