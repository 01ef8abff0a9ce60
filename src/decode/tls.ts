/**
 * TLS and DTLS record recognition. SIP over TLS cannot be read without keys, so it is only
 * counted; recognising the record layer keeps encrypted bytes out of the SIP framer (no false
 * 'non-sip' noise, no resync storms).
 *
 * TLSPlaintext = ContentType type (20..23); ProtocolVersion (3, 0..4); uint16 length (<= 2^14 + 2048
 * for TLSCiphertext). https://www.rfc-editor.org/rfc/rfc5246#section-6.2
 * DTLS adds epoch and sequence number; versions are 0xfeff / 0xfefd / 0xfefc.
 * https://www.rfc-editor.org/rfc/rfc6347#section-4.1
 */

export const TLS_RECORD_HEADER = 5;
export const DTLS_RECORD_HEADER = 13;
/** TLSCiphertext.length limit: 2^14 + 2048. */
const MAX_TLS_RECORD = 16_384 + 2_048;

function isContentType(b: number): boolean {
  return b >= 20 && b <= 23;
}

/** The first three bytes fit a TLS record header (fewer bytes: false). */
export function looksLikeTls(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && isContentType(buf[start]) && buf[start + 1] === 3 && buf[start + 2] <= 4;
}

/** The first two bytes fit a DTLS record header. */
export function looksLikeDtls(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && isContentType(buf[start]) && buf[start + 1] === 0xfe;
}

/**
 * Length of the TLS record at `start` (header included); -1 if the header is not a TLS record
 * header; 0 when fewer than 5 bytes are available.
 */
export function tlsRecordLength(buf: Buffer, start: number, end: number): number {
  if (end - start < TLS_RECORD_HEADER) return end - start >= 3 && !looksLikeTls(buf, start, end) ? -1 : 0;
  if (!looksLikeTls(buf, start, end)) return -1;
  const len = (buf[start + 3] << 8) | buf[start + 4];
  return len > MAX_TLS_RECORD ? -1 : TLS_RECORD_HEADER + len;
}

/** Records in a datagram that starts with a TLS or DTLS record (at least 1). */
export function countDatagramRecords(buf: Buffer, start: number, end: number): number {
  const dtls = buf[start + 1] === 0xfe;
  const hdr = dtls ? DTLS_RECORD_HEADER : TLS_RECORD_HEADER;
  let n = 0;
  let p = start;
  while (p + hdr <= end && isContentType(buf[p])) {
    n++;
    p += hdr + ((buf[p + hdr - 2] << 8) | buf[p + hdr - 1]);
  }
  return n > 0 ? n : 1;
}
