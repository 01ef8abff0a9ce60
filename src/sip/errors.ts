/**
 * Parse errors. A message keeps the first error found; the code is stable (events and counters
 * use it), the reason is for humans, the offset is relative to the message start.
 */
export interface SipParseError {
  code: string;
  reason: string;
  offset: number;
}

export const SipErrorCode = {
  /** Start line is neither `Method SP Request-URI SP SIP-Version` nor `SIP-Version SP Status-Code ...`. */
  BadStartLine: 'sip.bad_start_line',
  /** SIP-Version other than SIP/2.0. */
  BadVersion: 'sip.bad_version',
  /** Status code not three digits in 100..699. */
  BadStatusCode: 'sip.bad_status_code',
  /** A header line without a colon or with a name that is not a token; the line is skipped. */
  BadHeaderLine: 'sip.bad_header_line',
  /** No empty line ends the header section. */
  MissingHeaderEnd: 'sip.missing_header_end',
  /** Content-Length not 1*DIGIT (or beyond 32 bits), or repeated with different values. */
  BadContentLength: 'sip.bad_content_length',
  /** Content-Length promises more body bytes than are present. */
  TruncatedBody: 'sip.truncated_body',
  /** One of Call-ID, CSeq, From, To, Via is absent. */
  MissingMandatory: 'sip.missing_mandatory',
  /** More header lines than MAX_HEADERS; the rest are not indexed. */
  TooManyHeaders: 'sip.too_many_headers',
  /** CSeq not `1*DIGIT LWS Method` or the number beyond 32 bits. */
  BadCSeq: 'sip.bad_cseq',
  /** Request whose CSeq method differs from the request-line method (RFC 3261 §8.1.1.5). */
  CSeqMethodMismatch: 'sip.cseq_method_mismatch',
  /** Call-ID, CSeq, From or To repeated with different values (RFC 3261 §7.3.1). */
  DuplicateHeader: 'sip.duplicate_header',
  /** Nothing but white space, or an empty range. */
  Empty: 'sip.empty',
} as const;
export type SipErrorCode = (typeof SipErrorCode)[keyof typeof SipErrorCode];
