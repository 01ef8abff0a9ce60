/**
 * RFC 4648 §6 base32, lower-case, without padding: only letters a–z and digits 2–7, so the text
 * fits a Call-ID, a hostname label, a URI parameter and a keyword field, and survives case folding.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  DECODE[ALPHABET.charCodeAt(i)] = i;
  DECODE[ALPHABET.toUpperCase().charCodeAt(i)] = i;
}

const CODES = Buffer.from(ALPHABET, 'latin1');

/** Output scratch of base32Encode, grown on demand. */
let scratch = Buffer.alloc(1024);

/** The first `length` bytes of b (all of it by default). */
export function base32Encode(b: Uint8Array, length = b.length): string {
  const need = Math.ceil((length * 8) / 5);
  if (scratch.length < need) scratch = Buffer.alloc(need * 2);
  const out = scratch;
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < length; i++) {
    acc = ((acc << 8) | b[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[o++] = CODES[(acc >>> bits) & 31]!;
    }
  }
  if (bits > 0) out[o++] = CODES[(acc << (5 - bits)) & 31]!;
  return out.toString('latin1', 0, o);
}

/** The bytes, or null for a character outside the alphabet or a length no encoding produces. */
export function base32Decode(s: string): Buffer | null {
  const n = Math.floor((s.length * 5) / 8);
  const rem = s.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) return null;
  const out = Buffer.allocUnsafe(n);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, so each byte string has exactly one encoding.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
