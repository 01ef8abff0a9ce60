/**
 * Configuration of the transport half of decode. One defaults object with units in comments;
 * the config stage builds a `TransportOptions` from the user's file on top of it.
 */
export interface TransportOptions {
  /** Flows on these ports report non-SIP payloads ('non-sip'), keep-alives and STUN. */
  sipPorts: number[];
  /** TCP streams on these ports are TLS: records are counted, never parsed as SIP. */
  tlsPorts: number[];
  /** UDP datagrams / TCP streams on these ports are HEP (HEP3 is also recognised by magic on any UDP port). */
  hepPorts: number[];
  /** When set, HEP3 packets must carry this authentication key (chunk 14); others are dropped and counted. */
  hepAuthKey?: string | null;
  tcp: {
    /** Streams tracked at once; the least recently active one is evicted (counted) to make room. */
    maxStreams: number;
    /** Bytes buffered per direction (partial message + out-of-order segments). */
    maxStreamBuffer: number;
    /** A stream with no packet for this long (packet time, microseconds) is flushed and dropped. */
    idleTimeoutUs: number;
    /** Optional bound on bytes buffered by all streams together (default 64 MiB); oldest streams are evicted. */
    maxTotalBuffer?: number;
  };
  /** Largest SIP message accepted (header + body); a larger Content-Length is a framing error. */
  maxMessageBytes: number;
}

export const defaultTransportOptions: TransportOptions = Object.freeze({
  sipPorts: Object.freeze([5060, 5080]) as number[],
  tlsPorts: Object.freeze([5061]) as number[],
  hepPorts: Object.freeze([9060]) as number[],
  tcp: Object.freeze({
    maxStreams: 100_000,
    maxStreamBuffer: 256 * 1024, // bytes
    idleTimeoutUs: 300_000_000, // 300 s
    maxTotalBuffer: 64 * 1024 * 1024, // bytes
  }),
  maxMessageBytes: 65_536 + 8_192, // a 64 KiB body plus a generous header
}) as TransportOptions;
