import type { Counters } from '../base/counters.js';
import type { ByteBudget } from './byte-budget.js';
import type { DatagramClassifier } from './classify.js';
import type { StreamState } from './stream-state.js';
import { StreamMode } from './stream-mode.js';

/**
 * SIP over WebSocket (RFC 7118) on a TCP stream after an HTTP Upgrade (RFC 6455 §4, see
 * websocket-handshake.ts).
 * Each text or binary WebSocket message carries one SIP message (RFC 7118 §5); fragmented
 * messages are reassembled (bounded), control frames are skipped.
 */

/** A fragmented WebSocket message being reassembled on one direction. */
export class WsMessageState {
  /** Bytes of the message so far (owned), or null. */
  frag: Buffer | null = null;
  fragLen = 0;
  /** A fragmented data message is in progress. */
  inMessage = false;
  /** The message in progress went over the bound and its remaining fragments are dropped. */
  dropping = false;
}

const OP_CONTINUATION = 0x0;
/** Text (1) and binary (2) data frames carry SIP; 3-7 and 0xB-0xF are reserved. */
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;

/**
 * Base framing (RFC 6455 §5.2): FIN, RSV1-3, opcode; MASK and a 7-bit payload length, where 126
 * means a 16-bit and 127 a 64-bit length follows; then a 4-byte masking key when MASK is set.
 * https://www.rfc-editor.org/rfc/rfc6455#section-5.2
 */
export class WebSocketReceiver {
  /** Unmasking target, reused; grows up to maxMessageBytes. */
  private scratch = Buffer.alloc(0);

  constructor(
    private readonly classifier: DatagramClassifier,
    private readonly counters: Counters,
    private readonly maxMessageBytes: number,
    /** Fragment buffers count against the stream buffer bound. */
    private readonly budget: ByteBudget,
  ) {}

  consume(st: StreamState, buf: Buffer, s: number, e: number): number {
    let pos = s;
    let ws = st.ws;
    if (ws === null) ws = st.ws = new WsMessageState();
    for (;;) {
      const avail = e - pos;
      if (avail < 2) return this.wait(st, pos - s, 2, true);
      const b0 = buf[pos];
      const b1 = buf[pos + 1];
      const opcode = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      const len7 = b1 & 0x7f;
      const hdr = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (avail < hdr) return this.wait(st, pos - s, hdr, true);
      if ((opcode > OP_BINARY && opcode < OP_CLOSE) || opcode > 0xa) {
        // Not a frame header: the framing is lost and cannot be found again reliably.
        this.counters.inc('decode.ws.bad_frame');
        this.release(ws);
        st.mode = StreamMode.IGNORE;
        return e - s;
      }
      let len = len7;
      if (len7 === 126) {
        len = (buf[pos + 2] << 8) | buf[pos + 3];
      } else if (len7 === 127) {
        // "the most significant bit MUST be 0"; anything over 2^32 is beyond every bound here.
        const hi = buf.readUInt32BE(pos + 2);
        len = hi === 0 ? buf.readUInt32BE(pos + 6) : Number.MAX_SAFE_INTEGER;
      }
      const frameLen = hdr + len;
      const fin = (b0 & 0x80) !== 0;
      if (len > this.maxMessageBytes) {
        this.counters.inc('decode.ws.frame_too_large');
        if (len === Number.MAX_SAFE_INTEGER) {
          this.release(ws);
          st.mode = StreamMode.IGNORE;
          return e - s;
        }
        if (opcode < OP_CLOSE) this.dropFrame(ws, opcode, fin);
        const here = Math.min(avail, frameLen);
        st.skip = frameLen - here;
        pos += here;
        if (st.skip > 0) return pos - s;
        continue;
      }
      if (avail < frameLen) return this.wait(st, pos - s, frameLen, true);
      const ps = pos + hdr;
      const pe = ps + len;
      pos += frameLen;
      if ((b0 & 0x70) !== 0) {
        // RSV bits mean an extension (permessage-deflate): the payload is not readable SIP.
        this.counters.inc('decode.ws.extension_frame');
        continue;
      }
      if (opcode >= OP_CLOSE) {
        this.counters.inc('decode.ws.control_frames');
        continue;
      }
      if (opcode !== OP_CONTINUATION && fin && !ws.inMessage) {
        this.deliver(st, buf, ps, pe, masked ? ps - 4 : -1);
        continue;
      }
      this.fragment(st, ws, opcode, fin, buf, ps, pe, masked ? ps - 4 : -1);
    }
  }

  /** One fragment of a fragmented message (RFC 6455 §5.4). */
  private fragment(
    st: StreamState,
    ws: WsMessageState,
    opcode: number,
    fin: boolean,
    buf: Buffer,
    ps: number,
    pe: number,
    maskAt: number,
  ): void {
    if (opcode !== OP_CONTINUATION) {
      if (ws.inMessage) this.counters.inc('decode.ws.unfinished_message'); // a new message cuts the old one
      ws.inMessage = true;
      ws.dropping = false;
      ws.fragLen = 0;
    } else if (!ws.inMessage) {
      this.counters.inc('decode.ws.unexpected_continuation');
      return;
    }
    const len = pe - ps;
    if (!ws.dropping) {
      if (ws.fragLen + len > this.maxMessageBytes) {
        this.counters.inc('decode.ws.message_too_large');
        this.freeBuffer(ws);
        ws.dropping = true;
      } else {
        let frag = ws.frag;
        if (frag === null || frag.length < ws.fragLen + len) {
          const grown = Buffer.allocUnsafe(Math.min(this.maxMessageBytes, Math.max(2 * (ws.fragLen + len), 1024)));
          this.budget.used += grown.length;
          if (frag !== null) {
            frag.copy(grown, 0, 0, ws.fragLen);
            this.budget.used -= frag.length;
          }
          frag = ws.frag = grown;
        }
        unmaskInto(buf, ps, pe, maskAt, frag, ws.fragLen);
        ws.fragLen += len;
      }
    }
    if (fin) {
      if (!ws.dropping && ws.frag !== null) this.classifier.deliver(st.ctx, ws.frag, 0, ws.fragLen);
      this.release(ws); // do not keep up to maxMessageBytes per idle direction
    }
  }

  private deliver(st: StreamState, buf: Buffer, ps: number, pe: number, maskAt: number): void {
    if (maskAt < 0) {
      this.classifier.deliver(st.ctx, buf, ps, pe);
      return;
    }
    const len = pe - ps;
    if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.max(len, 2 * this.scratch.length, 4096));
    unmaskInto(buf, ps, pe, maskAt, this.scratch, 0);
    this.classifier.deliver(st.ctx, this.scratch, 0, len);
  }

  private wait(st: StreamState, consumed: number, need: number, exact: boolean): number {
    st.need = need;
    st.needExact = exact;
    return consumed;
  }

  /** End of data: a frame cut short is lost; a fragmented message in progress is delivered as is. */
  flush(st: StreamState, _buf: Buffer, s: number, e: number): void {
    const ws = st.ws;
    if (e > s) this.counters.inc('decode.ws.truncated_frame');
    if (ws !== null && ws.inMessage && !ws.dropping && ws.frag !== null && ws.fragLen > 0) {
      this.counters.inc('decode.ws.truncated_message');
      this.classifier.deliver(st.ctx, ws.frag, 0, ws.fragLen);
    }
    if (ws !== null) this.release(ws);
  }

  /** Bytes were lost: frame boundaries cannot be trusted any more. */
  gap(st: StreamState): void {
    this.counters.inc('decode.ws.desync');
    if (st.ws !== null) this.release(st.ws);
    st.mode = StreamMode.IGNORE;
  }

  /** Ends the message in progress and gives its buffer back. */
  private release(ws: WsMessageState): void {
    this.freeBuffer(ws);
    ws.inMessage = false;
    ws.dropping = false;
  }

  private freeBuffer(ws: WsMessageState): void {
    if (ws.frag !== null) this.budget.used -= ws.frag.length;
    ws.frag = null;
    ws.fragLen = 0;
  }

  /** An oversized data frame is skipped; the message it belongs to is dropped with it. */
  private dropFrame(ws: WsMessageState, opcode: number, fin: boolean): void {
    if (opcode === OP_CONTINUATION && !ws.inMessage) return;
    this.freeBuffer(ws);
    ws.inMessage = !fin;
    ws.dropping = !fin;
  }
}

/**
 * "octet i of the transformed data is the XOR of octet i of the original data with octet at
 * index i modulo 4 of the masking key" (RFC 6455 §5.3). maskAt < 0: not masked, plain copy.
 * The payload is copied natively, then unmasked in place a 32-bit word at a time.
 */
function unmaskInto(src: Buffer, ps: number, pe: number, maskAt: number, dst: Buffer, at: number): void {
  src.copy(dst, at, ps, pe);
  if (maskAt < 0) return;
  const len = pe - ps;
  const m0 = src[maskAt];
  const m1 = src[maskAt + 1];
  const m2 = src[maskAt + 2];
  const m3 = src[maskAt + 3];
  const end = at + len;
  let i = at;
  if (len >= 32 && LITTLE_ENDIAN) {
    // Bytes up to the first 4-aligned address, then whole words, then the tail.
    while (((dst.byteOffset + i) & 3) !== 0) {
      dst[i] ^= maskByte(i - at, m0, m1, m2, m3);
      i++;
    }
    const words = (end - i) >>> 2;
    const phase = i - at;
    const key =
      (maskByte(phase, m0, m1, m2, m3) |
        (maskByte(phase + 1, m0, m1, m2, m3) << 8) |
        (maskByte(phase + 2, m0, m1, m2, m3) << 16) |
        (maskByte(phase + 3, m0, m1, m2, m3) << 24)) >>>
      0;
    const w = new Uint32Array(dst.buffer, dst.byteOffset + i, words);
    for (let k = 0; k < words; k++) w[k] ^= key;
    i += words << 2;
  }
  for (; i < end; i++) dst[i] ^= maskByte(i - at, m0, m1, m2, m3);
}

function maskByte(k: number, m0: number, m1: number, m2: number, m3: number): number {
  const r = k & 3;
  return r === 0 ? m0 : r === 1 ? m1 : r === 2 ? m2 : m3;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

