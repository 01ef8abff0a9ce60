/**
 * Plaintext bytes for the ciphers without a native call in the usual case: Call-IDs, hosts,
 * numbers and most agents are ASCII, where byte i is char i.
 */

/** Bytes of text in UTF-8 (equal to its length exactly when it is ASCII). */
export function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return text.length;
}

/** Writes text's UTF-8 bytes at buf[0, len), `len` being utf8Length(text) and buf at least that long. */
export function writeUtf8(text: string, len: number, buf: Buffer): void {
  if (len === text.length) for (let i = 0; i < len; i++) buf[i] = text.charCodeAt(i);
  else buf.write(text, 0, 'utf8');
}
