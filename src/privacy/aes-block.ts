import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';

/**
 * AES as a keyed block function over node:crypto. ECB keeps no state between blocks, so one
 * long-lived context serves every call: the key schedule is computed once and a batch of blocks
 * costs a single native call. Only primitives built on top of it (CMAC, SIV, Crypto-PAn) use it;
 * nothing encrypts data with bare ECB.
 */
export class AesEcb {
  private readonly enc: Cipher;
  private dec: Decipher | null = null;

  constructor(private readonly key: Buffer) {
    this.enc = createCipheriv(ecbName(key), key, null);
    this.enc.setAutoPadding(false);
  }

  /** Encrypts whole blocks (length a multiple of 16). */
  encrypt(blocks: Buffer): Buffer {
    return this.enc.update(blocks);
  }

  /** Decrypts whole blocks. The context is made on first use: only the reading side needs it. */
  decrypt(blocks: Buffer): Buffer {
    if (this.dec === null) {
      this.dec = createDecipheriv(ecbName(this.key), this.key, null);
      this.dec.setAutoPadding(false);
    }
    return this.dec.update(blocks);
  }
}

/**
 * CBC encryption with a zero IV, as CBC-MAC and CMAC need it, on one long-lived context. The
 * context's running IV is its previous output block; XOR-ing that into the first input block
 * cancels it, which gives exactly a fresh zero-IV chain without a new key schedule per message.
 */
export class AesCbcChain {
  private readonly cbc: Cipher;
  private readonly last = Buffer.alloc(16);

  constructor(key: Buffer) {
    this.cbc = createCipheriv(cbcName(key), key, Buffer.alloc(16));
    this.cbc.setAutoPadding(false);
  }

  /** All ciphertext blocks of `blocks` (modified: its first block is re-based) under a zero IV. */
  chain(blocks: Buffer): Buffer {
    for (let i = 0; i < 16; i++) blocks[i]! ^= this.last[i]!;
    const out = this.cbc.update(blocks);
    out.copy(this.last, 0, out.length - 16);
    return out;
  }
}

/** Sixteen zero bytes; shared, never written. */
export const ZERO_BLOCK = Buffer.alloc(16);

function bits(key: Buffer): number {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError(`AES key must be 16, 24 or 32 bytes, not ${key.length}`);
  return key.length * 8;
}

function ecbName(key: Buffer): string {
  return `aes-${bits(key)}-ecb`;
}

function cbcName(key: Buffer): string {
  return `aes-${bits(key)}-cbc`;
}
