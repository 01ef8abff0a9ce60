/**
 * What decode hands to the sip stage: one application payload seen on a SIP flow, with the
 * addresses of the packet that carried it (or, for HEP, the original addresses inside HEP).
 *
 * Aliasing: `buf` [start, end) is a view valid only during the callback that receives it.
 */
export type SipTransport = 'udp' | 'tcp' | 'sctp' | 'ws';

/**
 * - `sip`: bytes that start like a SIP message (request or status line); may still fail parsing.
 * - `keepalive`: CRLF / double-CRLF ping or pong (RFC 5626 §3.5.1).
 * - `stun`: a STUN binding message multiplexed on the SIP port (RFC 5626 §4.4.2).
 * - `non-sip`: anything else on a SIP flow (a `msg-probe` candidate).
 */
export type PayloadKind = 'sip' | 'keepalive' | 'stun' | 'non-sip';

export interface SipPayload {
  tsUs: number;
  ipVersion: 4 | 6;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  transport: SipTransport;
  /** Layers peeled, outermost first, e.g. ['eth', 'ipv4', 'udp', 'hep3', 'ipv4', 'udp']. */
  encap: string[];
  kind: PayloadKind;
  buf: Buffer;
  start: number;
  end: number;
  /** Bytes of junk skipped before the SIP start line (0 normally); counted as an anomaly by decode. */
  skipped: number;
  /** Set when the payload came out of HEP: the HEP version and capture agent id. */
  hep: { version: number; captureId: number } | null;
}
