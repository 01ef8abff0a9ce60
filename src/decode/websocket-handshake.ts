/**
 * The HTTP side of a WebSocket connection (RFC 6455 §4): recognising the client's Upgrade request
 * and the server's 101 answer from the bytes of their heads.
 */

const CR = 0x0d;
const LF = 0x0a;

/** Largest HTTP head (request or response) looked at for an upgrade. */
export const MAX_HTTP_HEAD = 8_192;

export const WsHandshake = {
  /** Upgrade: websocket present. */
  UPGRADE: 1,
  /** Sec-WebSocket-Protocol names "sip" (RFC 7118 §4.1). */
  SIP: 2,
} as const;

/**
 * End of an HTTP head (after CRLFCRLF or LFLF) starting at `s`; -1 when more bytes are needed,
 * -2 when no end within `limit` bytes.
 */
export function httpHeadEnd(buf: Buffer, s: number, e: number, limit: number): number {
  const stop = Math.min(e, s + limit);
  for (let i = s; i < stop; i++) {
    if (buf[i] !== LF) continue;
    if (i + 1 < e && buf[i + 1] === LF) return i + 2;
    if (i + 2 < e && buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return e - s >= limit ? -2 : -1;
}

/** Whether [s, e) holds `needle` (lower-case ASCII) ignoring case. */
function containsCi(buf: Buffer, s: number, e: number, needle: string): boolean {
  const n = needle.length;
  const first = needle.charCodeAt(0);
  for (let i = s; i + n <= e; i++) {
    if ((buf[i] | 0x20) !== first) continue;
    let k = 1;
    while (k < n && (buf[i + k] | 0x20) === needle.charCodeAt(k)) k++;
    if (k === n) return true;
  }
  return false;
}

/** Whether the line [s, e) begins with header name `name` (lower case) followed by a colon. */
function headerNameIs(buf: Buffer, s: number, e: number, name: string): number {
  const n = name.length;
  if (e - s <= n) return -1;
  for (let k = 0; k < n; k++) if ((buf[s + k] | 0x20) !== name.charCodeAt(k)) return -1;
  let i = s + n;
  while (i < e && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  return i < e && buf[i] === 0x3a ? i + 1 : -1;
}

/**
 * WsHandshake flags of an HTTP head [s, headEnd): "Upgrade: websocket" (RFC 6455 §4.1 item 5)
 * and a "sip" subprotocol.
 */
export function webSocketHandshakeFlags(buf: Buffer, s: number, headEnd: number): number {
  let flags = 0;
  let ls = s;
  for (let i = s; i < headEnd; i++) {
    if (buf[i] !== LF) continue;
    let v = headerNameIs(buf, ls, i, 'upgrade');
    if (v > 0 && containsCi(buf, v, i, 'websocket')) flags |= WsHandshake.UPGRADE;
    v = headerNameIs(buf, ls, i, 'sec-websocket-protocol');
    if (v > 0 && containsCi(buf, v, i, 'sip')) flags |= WsHandshake.SIP;
    ls = i + 1;
  }
  return flags;
}

/** "HTTP/1.x 101": the server accepted the upgrade (RFC 6455 §4.2.2 item 5). */
export function isSwitchingProtocols(buf: Buffer, s: number, e: number): boolean {
  return (
    e - s >= 12 &&
    buf[s] === 0x48 && buf[s + 1] === 0x54 && buf[s + 2] === 0x54 && buf[s + 3] === 0x50 && buf[s + 4] === 0x2f &&
    buf[s + 8] === 0x20 && buf[s + 9] === 0x31 && buf[s + 10] === 0x30 && buf[s + 11] === 0x31
  );
}

