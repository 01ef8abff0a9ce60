/**
 * Deviations from the RFC 3261 grammar that real stacks produce and the parser tolerates. They do
 * not set `error`; SipMessage.leniencies records which ones a message needed (a bit set).
 */
export const SipLeniency = {
  /** Lines end in LF alone instead of CRLF (RFC 3261 §7 requires CRLF). */
  LfLineEnding: 1,
  /** CR/LF before the start line (RFC 3261 §7.5 says to ignore them on streams; tolerated everywhere). */
  LeadingCrlf: 2,
  /** More than one SP/HT between start-line elements, or trailing white space after it. */
  StartLineSpacing: 4,
  /** A status line without the SP before an (empty) reason phrase. */
  MissingReasonSpace: 8,
  /**
   * No Via header. RFC 3261 §8.1.1 requires one, but a message identified by Call-ID, CSeq, From and
   * To can still be tracked; some UAS send replies without it and proxies relay them.
   */
  MissingVia: 16,
} as const;
export type SipLeniency = (typeof SipLeniency)[keyof typeof SipLeniency];
