import { AesCbcChain, AesEcb, ZERO_BLOCK } from './aes-block.js';

/** Doubling in GF(2^128) (RFC 4493 §2.3, RFC 5297 §2.3): shift left one bit, reduce by 0x87. */
export function dbl(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const v = b[i]!;
    out[i] = ((v << 1) | carry) & 0xff;
    carry = v >>> 7;
  }
  if (carry) out[15]! ^= 0x87;
  return out;
}

/**
 * AES-CMAC (RFC 4493; NIST SP 800-38B). The whole message goes through one CBC call; the final
 * block is pre-whitened with the subkey (K1 for a complete block, K2 for a padded one).
 */
export class AesCmac {
  readonly ecb: AesEcb;
  readonly cbc: AesCbcChain;
  readonly k1: Buffer;
  readonly k2: Buffer;

  constructor(key: Buffer) {
    this.ecb = new AesEcb(key);
    this.cbc = new AesCbcChain(key);
    this.k1 = dbl(this.ecb.encrypt(Buffer.from(ZERO_BLOCK)));
    this.k2 = dbl(this.k1);
  }

  /**
   * CMAC of msg; with `xorEnd`, of msg with its last 16 bytes XOR-ed with it first (S2V's
   * "xorend", RFC 5297 §2.4), without copying the message twice.
   */
  mac(msg: Uint8Array, xorEnd?: Uint8Array): Buffer {
    const len = msg.length;
    const n = len === 0 ? 1 : Math.ceil(len / 16);
    const complete = len > 0 && len % 16 === 0;
    const buf = Buffer.allocUnsafe(n * 16);
    buf.set(msg);
    if (!complete) {
      buf[len] = 0x80;
      buf.fill(0, len + 1);
    }
    if (xorEnd !== undefined) for (let i = 0; i < 16; i++) buf[len - 16 + i]! ^= xorEnd[i]!;
    const sub = complete ? this.k1 : this.k2;
    const last = (n - 1) * 16;
    for (let i = 0; i < 16; i++) buf[last + i]! ^= sub[i]!;
    const out = this.cbc.chain(buf);
    return out.subarray(last);
  }
}
