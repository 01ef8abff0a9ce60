/**
 * What the bytes of one stream direction carry, decided from its first bytes (and its ports).
 * Shared by the TCP reassembly and the per-protocol stream receivers.
 */
export const StreamMode = {
  /** No in-order byte seen yet. */
  UNKNOWN: 0,
  /** SIP framing (RFC 3261 §18.3) with keep-alives and resynchronisation. */
  SIP: 1,
  /** An HTTP request or response head: a WebSocket upgrade or plain HTTP. */
  HTTP: 2,
  /** WebSocket frames after the upgrade (RFC 6455 / RFC 7118). */
  WS: 3,
  /** Consecutive HEP3 packets. */
  HEP: 4,
  /** TLS records, counted only. */
  TLS: 5,
  /** Nothing more to learn from this direction; bytes are dropped unread. */
  IGNORE: 6,
} as const;
export type StreamModeCode = (typeof StreamMode)[keyof typeof StreamMode];
