import type { Counters } from '../base/counters.js';
import type { PayloadEmitter } from './flow-context.js';
import { FrameError, FrameStatus, SipFramer } from './sip-framing.js';
import {
  ANCHOR_LENGTH,
  findStreamStart,
  knownMethodSuffix,
  matchStartLine,
  methodEnd,
  StartLine,
} from './sip-start-line.js';
import type { StreamState } from './stream-state.js';
import { StreamMode } from './stream-mode.js';
import { stunMessageLength } from './stun.js';

const CR = 0x0d;
const LF = 0x0a;

/** Garbage kept while resynchronising, in case a start line straddles two segments. */
export const RESYNC_TAIL = 512;
/**
 * On a SIP flow, garbage is held up to this many bytes so that it is reported as one 'non-sip'
 * payload when the next start line (or the end of the stream) shows where it ends.
 */
export const GARBAGE_REPORT_MAX = 4_096;
/**
 * On a flow that is not on a SIP port, a direction that shows this many non-SIP bytes before
 * any SIP start line is given up (counted): it is some other protocol.
 */
export const NON_SIP_STREAM_LIMIT = 16_384;

/**
 * SIP over a byte stream (RFC 3261 §18.3): splits in-order bytes into messages with the
 * Content-Length, reports CRLF keep-alives between messages, STUN multiplexed at message
 * boundaries, and resynchronises on the next start line after garbage.
 */
export class SipStreamReceiver {
  constructor(
    private readonly emitter: PayloadEmitter,
    private readonly counters: Counters,
    private readonly maxMessageBytes: number,
  ) {}

  /** Consumes what it can of [s, e); see StreamState for the `need` contract. */
  consume(st: StreamState, buf: Buffer, s: number, e: number): number {
    let pos = s;
    const ctx = st.ctx;
    for (;;) {
      if (st.inMessage) {
        const f = st.framer!;
        const status = f.frame(buf, pos, e);
        if (status === FrameStatus.INCOMPLETE) {
          st.need = f.needed;
          st.needExact = f.headerLength >= 0;
          return pos - s;
        }
        st.inMessage = false;
        this.emitter.emit(ctx, 'sip', buf, pos, pos + f.consumed, 0);
        pos += f.consumed;
        if (status === FrameStatus.OK) {
          if (f.contentLength === -1) this.counters.inc('decode.sip.missing_content_length');
          continue;
        }
        // The header went to the parser, which reports what is wrong with it; what follows is
        // most likely its body, so resynchronise without reporting those bytes as non-SIP.
        this.counters.inc(
          f.error === FrameError.BAD_CONTENT_LENGTH
            ? 'decode.sip.bad_content_length'
            : f.error === FrameError.TOO_LARGE
              ? 'decode.sip.message_too_large'
              : 'decode.sip.header_too_large',
        );
        this.enterResync(st, true, 0);
        continue;
      }

      if (st.resync) {
        let k = -1;
        if (st.scanSkip === 0) {
          const r0 = matchStartLine(buf, pos, e);
          if (r0 === StartLine.NEED_MORE) {
            st.need = e - pos + 1;
            st.needExact = false;
            return pos - s;
          }
          // Junk glued to a method ("xyzINVITE") is cut like in datagrams.
          if (r0 === StartLine.REQUEST) k = knownMethodSuffix(buf, pos, methodEnd(buf, pos, e));
          else if (r0 === StartLine.RESPONSE) k = pos;
        }
        if (k < 0) k = findStreamStart(buf, pos, pos + st.scanSkip, e);
        if (k < 0) {
          const avail = e - pos;
          if (ctx.sipFlow && !st.garbageReported && avail < GARBAGE_REPORT_MAX) {
            // Hold the garbage so it is reported whole once its end is known.
            st.scanSkip = Math.max(0, avail - (ANCHOR_LENGTH - 1));
            st.need = avail + 1;
            st.needExact = false;
            return pos - s;
          }
          // Keep the last partial line (bounded) in case a start line begins in it.
          let keep = e;
          const low = Math.max(pos, e - RESYNC_TAIL);
          while (keep > low && buf[keep - 1] !== LF) keep--;
          this.garbage(st, buf, pos, keep);
          if (st.mode === StreamMode.IGNORE) return e - s;
          st.scanSkip = Math.max(0, e - keep - (ANCHOR_LENGTH - 1));
          st.need = e - keep + 1;
          st.needExact = false;
          return keep - s;
        }
        this.garbage(st, buf, pos, k);
        if (st.mode === StreamMode.IGNORE) return e - s;
        st.resync = false;
        st.scanSkip = 0;
        pos = k;
      }

      if (pos >= e) {
        st.need = 1;
        st.needExact = false;
        return pos - s;
      }
      const b = buf[pos];
      if (b === CR || b === LF) {
        const n = keepaliveLength(buf, pos, e);
        if (n === 0) {
          st.need = e - pos + 1;
          st.needExact = false;
          return pos - s;
        }
        if (ctx.sipFlow || st.sipSeen) this.emitter.emit(ctx, 'keepalive', buf, pos, pos + n, 0);
        pos += n;
        continue;
      }
      const r = matchStartLine(buf, pos, e);
      if (r === StartLine.REQUEST || r === StartLine.RESPONSE) {
        let f = st.framer;
        if (f === null) f = st.framer = new SipFramer(this.maxMessageBytes);
        f.reset();
        st.inMessage = true;
        st.sipSeen = true;
        continue;
      }
      if (r === StartLine.NEED_MORE) {
        // matchStartLine answers NO past MAX_START_LINE, so this wait is bounded.
        st.need = e - pos + 1;
        st.needExact = false;
        return pos - s;
      }
      if (b < 4) {
        // STUN multiplexed on the SIP flow (RFC 7983 §7: first byte 0..3 is STUN).
        const len = stunMessageLength(buf, pos, e);
        if (len === 0 || (len > 0 && len > e - pos)) {
          st.need = len === 0 ? 8 : len;
          st.needExact = len > 0;
          return pos - s;
        }
        if (len > 0 && ctx.sipFlow) {
          this.emitter.emit(ctx, 'stun', buf, pos, pos + len, 0);
          pos += len;
          continue;
        }
      }
      // Only SIP flows count: on other ports garbage is simply another protocol.
      if (ctx.sipFlow || st.sipSeen) this.counters.inc('decode.sip.resync');
      this.enterResync(st, false, 1);
    }
  }

  /**
   * End of data (FIN, idle expiry, end of input) or bytes before a gap: delivers what is pending.
   * An incomplete message goes to the parser as 'sip' so it is reported as truncated.
   */
  flush(st: StreamState, buf: Buffer, s: number, e: number): void {
    if (e > s) {
      if (st.inMessage) {
        this.counters.inc('decode.sip.truncated');
        this.emitter.emit(st.ctx, 'sip', buf, s, e, 0);
      } else if (st.resync) {
        this.garbage(st, buf, s, e);
      } else if (matchStartLine(buf, s, e) !== StartLine.NO) {
        this.counters.inc('decode.sip.truncated');
        this.emitter.emit(st.ctx, 'sip', buf, s, e, 0);
      } else if (allCrLf(buf, s, e)) {
        if (st.ctx.sipFlow || st.sipSeen) this.emitter.emit(st.ctx, 'keepalive', buf, s, e, 0);
      } else {
        this.garbage(st, buf, s, e);
      }
    }
    st.inMessage = false;
  }

  /** Bytes were lost: resynchronise, without reporting the tail of the lost message as non-SIP. */
  gap(st: StreamState): void {
    st.inMessage = false;
    this.enterResync(st, true, 0);
  }

  private enterResync(st: StreamState, silent: boolean, scanSkip: number): void {
    st.resync = true;
    st.garbageReported = silent;
    st.scanSkip = scanSkip;
  }

  /** Non-SIP bytes [s, e): reported once per resync episode on SIP flows, counted elsewhere. */
  private garbage(st: StreamState, buf: Buffer, s: number, e: number): void {
    if (e <= s) return;
    st.garbageBytes += e - s;
    if (st.ctx.sipFlow) {
      if (!st.garbageReported) {
        st.garbageReported = true;
        this.emitter.emit(st.ctx, 'non-sip', buf, s, e, 0);
      }
      return;
    }
    this.counters.inc('decode.tcp.non_sip_bytes', e - s);
    if (!st.sipSeen && st.garbageBytes > NON_SIP_STREAM_LIMIT) {
      st.mode = StreamMode.IGNORE;
      this.counters.inc('decode.tcp.non_sip_stream');
    }
  }
}

/**
 * Keep-alive at a message boundary: "\r\n\r\n" (ping) is 4 bytes, "\r\n" (pong) 2, a stray CR or
 * LF 1; 0 when more bytes are needed to tell. A "\r\n" at the end of the available bytes is taken
 * as a pong at once rather than waiting: a ping cut in two is then seen as two pongs.
 * RFC 5626 §3.5.1: https://www.rfc-editor.org/rfc/rfc5626#section-3.5.1
 */
export function keepaliveLength(buf: Buffer, p: number, e: number): number {
  if (buf[p] === LF) return 1;
  if (p + 1 >= e) return 0;
  if (buf[p + 1] !== LF) return 1;
  if (p + 2 >= e || buf[p + 2] !== CR) return 2;
  if (p + 3 >= e) return 0;
  return buf[p + 3] === LF ? 4 : 2;
}

function allCrLf(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== CR && buf[i] !== LF) return false;
  return true;
}
