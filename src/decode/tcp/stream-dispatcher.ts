import type { Counters } from '../../base/counters.js';
import type { PayloadEncapInterner } from '../payload-encap.js';
import { HEP3_HEADER, HEP3_MAGIC, type HepDecoder, isHep3Magic, MAX_HEP_PACKET } from '../hep.js';
import type { SipStreamReceiver } from '../sip-stream.js';
import { StreamMode } from '../stream-mode.js';
import { looksLikeTls, tlsRecordLength } from '../tls.js';
import type { WebSocketReceiver } from '../websocket.js';
import { httpHeadEnd, isSwitchingProtocols, MAX_HTTP_HEAD, webSocketHandshakeFlags, WsHandshake } from '../websocket-handshake.js';
import type { DirectionReceiver } from './reassembler.js';
import type { TcpDirection } from './tcp-direction.js';

const WS_LAYER: readonly string[] = Object.freeze(['ws']);

/**
 * Decides what each TCP direction carries from its ports and first bytes, and hands its bytes
 * to the matching receiver: SIP framing, WebSocket, HEP3, or TLS record counting.
 */
export class StreamDispatcher implements DirectionReceiver {
  constructor(
    private readonly sip: SipStreamReceiver,
    private readonly ws: WebSocketReceiver,
    private readonly hep: HepDecoder,
    private readonly interner: PayloadEncapInterner,
    private readonly counters: Counters,
  ) {}

  consume(dir: TcpDirection, buf: Buffer, s: number, e: number): number {
    let pos = s;
    for (;;) {
      const mode = dir.mode;
      let n: number;
      switch (mode) {
        case StreamMode.SIP:
          n = this.sip.consume(dir, buf, pos, e);
          break;
        case StreamMode.WS:
          n = this.ws.consume(dir, buf, pos, e);
          break;
        case StreamMode.UNKNOWN:
          n = this.decide(dir, buf, pos, e, false) ? 0 : -1;
          break;
        case StreamMode.HTTP:
          n = this.http(dir, buf, pos, e);
          break;
        case StreamMode.HEP:
          n = this.hepStream(dir, buf, pos, e);
          break;
        case StreamMode.TLS:
          n = this.tls(dir, buf, pos, e);
          break;
        default:
          return e - s;
      }
      if (n < 0) return pos - s; // waiting for bytes to decide
      pos += n;
      // A receiver that switched the mode (an upgrade, a plain HTTP head) leaves the rest to the next one.
      if (dir.mode === mode || dir.mode === StreamMode.IGNORE || dir.skip > 0 || pos >= e) {
        return dir.mode === StreamMode.IGNORE ? e - s : pos - s;
      }
    }
  }

  flush(dir: TcpDirection, buf: Buffer, s: number, e: number): void {
    if (dir.mode === StreamMode.UNKNOWN && e > s) this.decide(dir, buf, s, e, true);
    if (dir.mode === StreamMode.HTTP) dir.mode = StreamMode.SIP; // an unfinished HTTP head is not SIP
    switch (dir.mode) {
      case StreamMode.SIP:
        this.sip.flush(dir, buf, s, e);
        break;
      case StreamMode.WS:
        this.ws.flush(dir, buf, s, e);
        break;
      case StreamMode.HEP:
        if (e > s) this.counters.inc('decode.hep.malformed');
        break;
      default:
        break;
    }
  }

  gap(dir: TcpDirection): void {
    switch (dir.mode) {
      case StreamMode.UNKNOWN:
      case StreamMode.HTTP:
        dir.mode = StreamMode.SIP;
        this.sip.gap(dir);
        break;
      case StreamMode.SIP:
        this.sip.gap(dir);
        break;
      case StreamMode.WS:
        this.ws.gap(dir);
        break;
      case StreamMode.HEP:
        dir.resync = true;
        break;
      case StreamMode.TLS:
        dir.mode = StreamMode.IGNORE; // record boundaries are lost
        break;
      default:
        break;
    }
  }

  /**
   * Picks the mode of a direction from its ports and first bytes. Returns false while the bytes
   * seen are too few to tell (unless at end of data, where SIP is assumed).
   */
  private decide(dir: TcpDirection, buf: Buffer, s: number, e: number, eof: boolean): boolean {
    const stream = dir.stream;
    if (stream.tlsPort || looksLikeTls(buf, s, e)) {
      this.setTls(dir);
      return true;
    }
    if (stream.hepPort || isHep3Magic(buf, s, e)) {
      dir.mode = StreamMode.HEP;
      return true;
    }
    const avail = e - s;
    const b0 = buf[s];
    if (startsWith(buf, s, e, GET) || startsWith(buf, s, e, HTTP)) {
      dir.mode = StreamMode.HTTP;
      return true;
    }
    // A few bytes that may still become "GET ", "HTTP/", "HEP3" or a TLS header.
    if (!eof && avail < 5 && (b0 === 0x47 || b0 === 0x48 || (b0 >= 20 && b0 <= 23))) {
      dir.need = 5;
      dir.needExact = false;
      return false;
    }
    dir.mode = StreamMode.SIP;
    if (dir.midstream) {
      // Picked up mid-stream: bytes before the first start line are most likely the tail of a
      // message whose start was not captured, not a probe; skip them silently.
      dir.resync = true;
      dir.garbageReported = true;
      dir.scanSkip = 0;
    }
    return true;
  }

  private setTls(dir: TcpDirection): void {
    dir.mode = StreamMode.TLS;
    const peer = dir.peer();
    if (peer.mode === StreamMode.UNKNOWN) peer.mode = StreamMode.TLS;
    if (!dir.stream.tlsCounted) {
      dir.stream.tlsCounted = true;
      this.counters.inc('decode.tls.streams');
    }
  }

  /**
   * An HTTP head: a WebSocket upgrade request (RFC 6455 §4.1) or the server's answer. Any other
   * HTTP is left to the SIP framer, which reports it as non-SIP on SIP ports.
   */
  private http(dir: TcpDirection, buf: Buffer, s: number, e: number): number {
    const end = httpHeadEnd(buf, s, e, MAX_HTTP_HEAD);
    if (end === -1) {
      dir.need = e - s + 1;
      dir.needExact = false;
      return 0;
    }
    const flags = end > 0 ? webSocketHandshakeFlags(buf, s, end) : 0;
    const request = buf[s] === 0x47;
    if ((flags & WsHandshake.UPGRADE) === 0 || !(request || isSwitchingProtocols(buf, s, e))) {
      if (dir.stream.sipPort) {
        dir.mode = StreamMode.SIP;
      } else {
        this.counters.inc('decode.tcp.non_sip_stream');
        dir.mode = StreamMode.IGNORE;
      }
      return 0;
    }
    // The client's request is taken as accepted: its frames follow the server's 101.
    if (request) this.counters.inc('decode.ws.upgrades');
    if ((flags & WsHandshake.SIP) !== 0) {
      dir.ctx.sipFlow = true;
      dir.peer().ctx.sipFlow = true;
    }
    dir.mode = StreamMode.WS;
    dir.ctx.transport = 'ws';
    dir.ctx.encap = this.interner.extend(dir.baseEncap, WS_LAYER);
    return end - s;
  }

  /**
   * HEP3 over a stream has no extra framing: "peek 6 bytes, read the 16-bit length, read exactly
   * that many bytes, repeat" (peers.md §3.6). A bad header resynchronises on the next "HEP3".
   */
  private hepStream(dir: TcpDirection, buf: Buffer, s: number, e: number): number {
    let pos = s;
    for (;;) {
      if (e - pos < HEP3_HEADER) {
        dir.need = HEP3_HEADER;
        dir.needExact = true;
        return pos - s;
      }
      const len = (buf[pos + 4] << 8) | buf[pos + 5];
      if (!isHep3Magic(buf, pos, e) || len < HEP3_HEADER || len > MAX_HEP_PACKET) {
        if (!dir.resync) {
          dir.resync = true;
          this.counters.inc('decode.hep.malformed');
        }
        const k = buf.indexOf(HEP3_MAGIC, pos + 1);
        if (k < 0 || k + HEP3_MAGIC.length > e) {
          const keep = Math.max(pos + 1, e - (HEP3_MAGIC.length - 1));
          dir.need = e - keep + 1;
          dir.needExact = false;
          return keep - s;
        }
        pos = k;
        continue;
      }
      if (e - pos < len) {
        dir.need = len;
        dir.needExact = true;
        return pos - s;
      }
      dir.resync = false;
      this.hep.packet3(dir.ctx, buf, pos, pos + len);
      pos += len;
    }
  }

  /** Counts TLS records; the payload of each is skipped unread. */
  private tls(dir: TcpDirection, buf: Buffer, s: number, e: number): number {
    let pos = s;
    for (;;) {
      const n = tlsRecordLength(buf, pos, e);
      if (n === 0) {
        dir.need = 5;
        dir.needExact = true;
        return pos - s;
      }
      if (n < 0) {
        // Picked up in the middle of a record (or not TLS at all): nothing more to count reliably.
        this.counters.inc('decode.tls.unaligned');
        dir.mode = StreamMode.IGNORE;
        return e - s;
      }
      this.counters.inc('decode.tls.records');
      if (e - pos >= n) {
        pos += n;
        if (pos >= e) {
          dir.need = 1;
          dir.needExact = false;
          return pos - s;
        }
        continue;
      }
      dir.skip = n - (e - pos);
      return e - s;
    }
  }
}

const GET = Buffer.from('GET ', 'latin1');
const HTTP = Buffer.from('HTTP/', 'latin1');

function startsWith(buf: Buffer, s: number, e: number, prefix: Buffer): boolean {
  if (e - s < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (buf[s + k] !== prefix[k]) return false;
  return true;
}
