import { timingSafeEqual } from 'node:crypto';
import { AesEcb, ZERO_BLOCK } from './aes-block.js';
import { AesCmac, dbl } from './cmac.js';

/**
 * AES-SIV, deterministic authenticated encryption (RFC 5297). The key is split in halves: K1 keys
 * S2V (AES-CMAC), K2 keys CTR. A 64-byte key gives AEAD_AES_SIV_CMAC_512 (AES-256 both halves);
 * 32 bytes gives AES-SIV-CMAC-256, the variant of the RFC's test vectors.
 * Output: V (16-byte synthetic IV, also the authentication tag) ‖ C. Equal inputs give equal
 * outputs; that determinism is what lets an index count and search on ciphertext.
 */
export class AesSiv {
  private readonly mac: AesCmac;
  private readonly ctr: AesEcb;
  /** CMAC(K1, <zero>): the first step of every S2V, fixed per key. */
  private readonly d0: Buffer;
  /** D0 ⊕ K1: the xorend of S2V and the CMAC whitening of a whole last block, in one. */
  private readonly d0k1: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32 && key.length !== 48 && key.length !== 64) throw new RangeError(`AES-SIV key must be 32, 48 or 64 bytes, not ${key.length}`);
    const half = key.length / 2;
    this.mac = new AesCmac(key.subarray(0, half));
    this.ctr = new AesEcb(key.subarray(half));
    this.d0 = this.mac.mac(ZERO_BLOCK);
    this.d0k1 = Buffer.allocUnsafe(16);
    for (let i = 0; i < 16; i++) this.d0k1[i] = this.d0[i]! ^ this.mac.k1[i]!;
  }

  /**
   * encrypt() without associated data for a plaintext of whole blocks (at least one), the string
   * cipher's case, writing V ‖ C into out[0, 16 + len). Reuses scratch space instead of allocating
   * per call: S2V of a single string of ≥ 16 bytes is CMAC(P xorend D0), and for whole blocks CMAC
   * whitens the last block with K1, so both XORs fold into one precomputed block.
   */
  encryptBlocks(p: Uint8Array, len: number, out: Buffer): void {
    if (len < 16 || len % 16 !== 0) throw new RangeError('encryptBlocks: the plaintext must be whole blocks');
    if (this.work.length < len) this.work = Buffer.alloc(len * 2);
    const m = this.work;
    m.set(p.subarray(0, len));
    const w = this.d0k1;
    for (let i = 0, o = len - 16; i < 16; i++) m[o + i]! ^= w[i]!;
    const chained = this.mac.cbc.chain(m.subarray(0, len));
    chained.copy(out, 0, len - 16, len); // V
    // CTR from Q = V with bits 63 and 31 cleared (RFC 5297 §2.6).
    const ctr = m; // the MAC input is spent; its space holds the counter blocks
    const q = this.q;
    chained.copy(q, 0, len - 16, len);
    q[8]! &= 0x7f;
    q[12]! &= 0x7f;
    for (let b = 0; b < len; b += 16) {
      q.copy(ctr, b);
      for (let i = 15; i >= 0; i--) {
        q[i] = (q[i]! + 1) & 0xff;
        if (q[i] !== 0) break;
      }
    }
    const ks = this.ctr.encrypt(ctr.subarray(0, len));
    for (let i = 0; i < len; i++) out[16 + i] = p[i]! ^ ks[i]!;
  }

  /** Scratch of encryptBlocks (single-threaded use; nothing is kept across calls). */
  private work = Buffer.alloc(256);
  private readonly q = Buffer.alloc(16);

  encrypt(plaintext: Uint8Array, ad: readonly Uint8Array[] = []): Buffer {
    const v = this.s2v(ad, plaintext);
    const out = Buffer.allocUnsafe(16 + plaintext.length);
    v.copy(out, 0);
    this.ctrXor(v, plaintext, out, 16);
    return out;
  }

  /** The plaintext, or null when the tag does not verify (wrong key, or altered ciphertext). */
  decrypt(ciphertext: Uint8Array, ad: readonly Uint8Array[] = []): Buffer | null {
    if (ciphertext.length < 16) return null;
    const v = Buffer.from(ciphertext.subarray(0, 16));
    const body = ciphertext.subarray(16);
    const p = Buffer.allocUnsafe(body.length);
    this.ctrXor(v, body, p, 0);
    const t = this.s2v(ad, p);
    return timingSafeEqual(t, v) ? p : null;
  }

  /** RFC 5297 §2.4: S2V over the associated-data strings and the plaintext (always the last string). */
  private s2v(ad: readonly Uint8Array[], p: Uint8Array): Buffer {
    let d = this.d0;
    for (const s of ad) {
      d = dbl(d);
      const m = this.mac.mac(s);
      for (let i = 0; i < 16; i++) d[i]! ^= m[i]!;
    }
    if (p.length >= 16) return this.mac.mac(p, d);
    const t = dbl(d);
    for (let i = 0; i < p.length; i++) t[i]! ^= p[i]!;
    t[p.length]! ^= 0x80;
    return this.mac.mac(t);
  }

  /** RFC 5297 §2.5/2.6: CTR keyed by K2 from Q = V with bits 63 and 31 cleared, 128-bit increment. */
  private ctrXor(v: Buffer, input: Uint8Array, out: Buffer, outOff: number): void {
    const n = input.length;
    if (n === 0) return;
    const blocks = Math.ceil(n / 16);
    const ctr = Buffer.allocUnsafe(blocks * 16);
    const q = Buffer.from(v);
    q[8]! &= 0x7f;
    q[12]! &= 0x7f;
    for (let b = 0; b < blocks; b++) {
      q.copy(ctr, b * 16);
      for (let i = 15; i >= 0; i--) {
        q[i] = (q[i]! + 1) & 0xff;
        if (q[i] !== 0) break;
      }
    }
    const ks = this.ctr.encrypt(ctr);
    for (let i = 0; i < n; i++) out[outOff + i] = input[i]! ^ ks[i]!;
  }
}
