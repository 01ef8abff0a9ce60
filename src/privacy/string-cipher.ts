import { base32Decode, base32Encode } from './base32.js';
import { AesSiv } from './siv.js';
import { utf8Length, writeUtf8 } from './utf8.js';

/** Plaintext lengths are rounded up to this many bytes before encryption. */
export const PAD_BLOCK = 16;

/**
 * Deterministic authenticated encryption of a string: UTF-8, padded (0x80 then zeros, ISO/IEC
 * 7816-4) to a multiple of 16 bytes so only a length class shows, AES-SIV, base32. Equal strings
 * give equal ciphertexts (equality search and counting keep working); nothing else is revealed.
 * Decryption checks the SIV tag, so a wrong key or altered text is reported, never turned into
 * garbage.
 */
export class StringCipher {
  private readonly siv: AesSiv;

  constructor(key: Buffer) {
    this.siv = new AesSiv(key);
  }

  encrypt(text: string): string {
    const len = utf8Length(text);
    const padLen = (Math.floor(len / PAD_BLOCK) + 1) * PAD_BLOCK;
    if (this.padded.length < padLen) {
      this.padded = Buffer.alloc(padLen * 2);
      this.sealed = Buffer.alloc(padLen * 2 + 16);
    }
    const padded = this.padded;
    writeUtf8(text, len, padded);
    padded[len] = 0x80;
    padded.fill(0, len + 1, padLen);
    this.siv.encryptBlocks(padded, padLen, this.sealed);
    return base32Encode(this.sealed, 16 + padLen);
  }

  /** Scratch of encrypt (single-threaded use; nothing is kept across calls). */
  private padded = Buffer.alloc(256);
  private sealed = Buffer.alloc(512 + 16);

  /** The plaintext, or null when the text is not a ciphertext of this key. */
  decrypt(text: string): string | null {
    const ct = base32Decode(text);
    if (ct === null || ct.length < 16 + PAD_BLOCK || (ct.length - 16) % PAD_BLOCK !== 0) return null;
    const p = this.siv.decrypt(ct);
    if (p === null) return null;
    let end = p.length - 1;
    while (end >= 0 && p[end] === 0) end--;
    if (end < 0 || p[end] !== 0x80) return null;
    return p.toString('utf8', 0, end);
  }
}
