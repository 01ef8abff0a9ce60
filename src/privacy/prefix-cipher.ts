import { AesEcb } from './aes-block.js';
import { AesCmac } from './cmac.js';
import { utf8Length, writeUtf8 } from './utf8.js';

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Byte positions whose PRF input fits one AES block (prefix bytes plus one byte naming position and half). */
const SHORT = 16;

/**
 * Prefix-preserving encryption of byte strings of any length: Crypto-PAn's rule (output bit =
 * input bit XOR a pseudo-random function of the input bits before it), byte by byte.
 *
 * For byte j, the PRF gives a 256-bit table R_j of the whole bytes before it, b0..b(j-1); the pad
 * bit of bit k is R_j's bit number 2^k − 1 + (the k bits of b_j above it): one bit per node of the
 * byte's binary tree (255 nodes), so every bit prefix gets its own pseudo-random bit, as in
 * Crypto-PAn. R_j is two AES outputs:
 *  - j < 16: AES(K1, b0 … b(j-1) ‖ zeros ‖ (2j + t)) for t = 0, 1 — the prefix and its length fit
 *    one block (Crypto-PAn's own trick), so a value up to 16 bytes costs one native call;
 *  - j ≥ 16: AES-CMAC(K2, B(b0) ‖ … ‖ B(b(j-1)) ‖ F_t), a PRF on messages of any length
 *    (RFC 4493); B(b) is a block holding b, F_t an end block no B(b) equals. All those messages
 *    share one CBC chain, so the long part costs two more calls.
 *
 * Two strings sharing an n-bit prefix encrypt to strings sharing exactly an n-bit prefix; length
 * is kept. So a byte prefix ("+49") encrypts to a byte prefix of every value starting with it.
 * What leaks is what any prefix-preserving scheme leaks: the length of common prefixes.
 */
export class PrefixCipher {
  private readonly short: AesEcb;
  private readonly cmac: AesCmac;
  /** K1' ⊕ F1 and K1' ⊕ F2 of the CMAC: the whitened end blocks (messages are whole blocks). */
  private readonly end1: Buffer;
  private readonly end2: Buffer;

  /** `key`: 64 bytes, the short-prefix AES-256 key then the long-prefix CMAC key. */
  constructor(key: Buffer) {
    if (key.length !== 64) throw new RangeError('prefix cipher key must be 64 bytes');
    this.short = new AesEcb(Buffer.from(key.subarray(0, 32)));
    this.cmac = new AesCmac(Buffer.from(key.subarray(32)));
    this.end1 = Buffer.from(this.cmac.k1);
    this.end1[1]! ^= 1;
    this.end2 = Buffer.from(this.cmac.k1);
    this.end2[1]! ^= 2;
  }

  encrypt(input: Uint8Array): Buffer {
    const out = Buffer.alloc(input.length);
    this.encryptInto(input, input.length, out);
    return out;
  }

  /**
   * The text's UTF-8 bytes encrypted, as lower-case hex (two characters per byte, so a byte
   * prefix stays a string prefix).
   */
  encryptHex(text: string): string {
    const n = utf8Length(text);
    if (this.in.length < n) {
      this.in = Buffer.alloc(n * 2);
      this.out = Buffer.alloc(n * 2);
      this.hex = Buffer.alloc(n * 4);
    }
    const input = this.in;
    writeUtf8(text, n, input);
    const out = this.out;
    this.encryptInto(input, n, out);
    const hex = this.hex;
    for (let i = 0; i < n; i++) {
      const b = out[i]!;
      hex[2 * i] = HEX[b >>> 4]!;
      hex[2 * i + 1] = HEX[b & 15]!;
    }
    return hex.toString('latin1', 0, 2 * n);
  }

  /** Scratch of encryptHex and encryptInto (single-threaded use; nothing is kept across calls). */
  private in = Buffer.alloc(64);
  private out = Buffer.alloc(64);
  private hex = Buffer.alloc(128);
  private blocks = Buffer.alloc(SHORT * 32);

  /** input[0, n) encrypted into out[0, n). */
  private encryptInto(input: Uint8Array, n: number, out: Buffer): void {
    for (let i = 0; i < n; i++) out[i] = input[i]!;
    if (n === 0) return;
    const ns = Math.min(n, SHORT);
    const blocks = this.blocks.subarray(0, ns * 32);
    blocks.fill(0);
    for (let j = 0; j < ns; j++) {
      const o = j * 32;
      for (let k = 0; k < j; k++) {
        blocks[o + k] = input[k]!;
        blocks[o + 16 + k] = input[k]!;
      }
      blocks[o + 15] = 2 * j;
      blocks[o + 31] = 2 * j + 1;
    }
    const r = this.short.encrypt(blocks);
    for (let j = 0; j < ns; j++) out[j] = input[j]! ^ treePad(r, j * 32, input[j]!);
    if (n > SHORT) this.encryptLong(input, n, out);
  }

  /** Bytes 16.. : chain states C_j over B(b0)..B(b(j-1)), then both end blocks of every prefix. */
  private encryptLong(input: Uint8Array, n: number, out: Buffer): void {
    const chain = Buffer.alloc((n - 1) * 16);
    for (let j = 0; j < n - 1; j++) chain[j * 16] = input[j]!;
    const states = this.cmac.cbc.chain(chain); // C_1 .. C_(n-1)
    const count = n - SHORT;
    const finals = Buffer.allocUnsafe(count * 32);
    for (let i = 0; i < count; i++) {
      const s = (SHORT + i - 1) * 16;
      const o = i * 32;
      for (let k = 0; k < 16; k++) {
        const c = states[s + k]!;
        finals[o + k] = c ^ this.end1[k]!;
        finals[o + 16 + k] = c ^ this.end2[k]!;
      }
    }
    const r = this.cmac.ecb.encrypt(finals);
    for (let i = 0; i < count; i++) out[SHORT + i] = input[SHORT + i]! ^ treePad(r, i * 32, input[SHORT + i]!);
  }

  decrypt(input: Uint8Array): Buffer {
    const n = input.length;
    const out = Buffer.alloc(n);
    const pair = Buffer.allocUnsafe(32);
    for (let j = 0; j < Math.min(n, SHORT); j++) {
      pair.fill(0);
      for (let k = 0; k < j; k++) {
        pair[k] = out[k]!;
        pair[16 + k] = out[k]!;
      }
      pair[15] = 2 * j;
      pair[31] = 2 * j + 1;
      out[j] = untree(this.short.encrypt(pair), input[j]!);
    }
    if (n <= SHORT) return out;
    // Long part: C_16 from the recovered first 16 bytes, then one byte at a time.
    const state = Buffer.from(this.cmac.cbc.chain(spread(out, SHORT)).subarray((SHORT - 1) * 16));
    const step = Buffer.allocUnsafe(16);
    for (let j = SHORT; j < n; j++) {
      for (let k = 0; k < 16; k++) {
        pair[k] = state[k]! ^ this.end1[k]!;
        pair[16 + k] = state[k]! ^ this.end2[k]!;
      }
      out[j] = untree(this.cmac.ecb.encrypt(pair), input[j]!);
      if (j < n - 1) {
        state.copy(step);
        step[0]! ^= out[j]!;
        this.cmac.ecb.encrypt(step).copy(state);
      }
    }
    return out;
  }
}

/** Blocks B(b0)..B(b(count-1)). */
function spread(b: Uint8Array, count: number): Buffer {
  const out = Buffer.alloc(count * 16);
  for (let j = 0; j < count; j++) out[j * 16] = b[j]!;
  return out;
}

/** The 8 pad bits of byte b from its 256-bit node table at r[off..off+32). */
function treePad(r: Buffer, off: number, b: number): number {
  let pad = 0;
  for (let k = 0; k < 8; k++) {
    const idx = (1 << k) - 1 + (b >>> (8 - k));
    pad = (pad << 1) | ((r[off + (idx >>> 3)]! >>> (7 - (idx & 7))) & 1);
  }
  return pad;
}

/** Inverse of the tree pad: each recovered bit selects the next node. */
function untree(r: Buffer, c: number): number {
  let p = 0;
  for (let k = 0; k < 8; k++) {
    const idx = (1 << k) - 1 + p;
    const f = (r[idx >>> 3]! >>> (7 - (idx & 7))) & 1;
    p = (p << 1) | (((c >>> (7 - k)) & 1) ^ f);
  }
  return p;
}
