import { AesEcb } from './aes-block.js';

/**
 * Crypto-PAn prefix-preserving address encryption (Xu, Fan, Ammar, Moon, ICNP 2002), the
 * AES-128 construction of the reference implementation, for IPv4 (32 bits) and IPv6 (128 bits).
 *
 * The 32-byte secret is an AES-128 key and a pad seed; pad = AES(key, seed). Output bit i is input
 * bit i XOR the first bit of AES(key, first i input bits ‖ pad bits i..127). So two addresses that
 * share an n-bit prefix encrypt to addresses that share exactly an n-bit prefix: subnets stay
 * subnets, and the result is still an address of the same family.
 *
 * Encryption knows every PRF input up front, so all 32 or 128 blocks go through one native call.
 * Decryption needs each recovered bit before the next input is known: one call per bit (the
 * reading side only, with its own cache).
 */
export class CryptoPan {
  private readonly aes: AesEcb;
  private readonly pad: Buffer;

  constructor(secret: Buffer) {
    if (secret.length !== 32) throw new RangeError('Crypto-PAn secret must be 32 bytes');
    this.aes = new AesEcb(Buffer.from(secret.subarray(0, 16)));
    this.pad = this.aes.encrypt(Buffer.from(secret.subarray(16, 32)));
  }

  /** Encrypts 4 (IPv4) or 16 (IPv6) address bytes. */
  encrypt(addr: Buffer): Buffer {
    const nbits = addr.length * 8;
    const blocks = Buffer.allocUnsafe(nbits * 16);
    for (let i = 0; i < nbits; i++) this.prfInput(addr, i, blocks, i * 16);
    const out = this.aes.encrypt(blocks);
    const res = Buffer.from(addr);
    for (let i = 0; i < nbits; i++) {
      if (out[i * 16]! & 0x80) res[i >>> 3]! ^= 0x80 >>> (i & 7);
    }
    return res;
  }

  decrypt(enc: Buffer): Buffer {
    const nbits = enc.length * 8;
    const res = Buffer.alloc(enc.length);
    const block = Buffer.allocUnsafe(16);
    for (let i = 0; i < nbits; i++) {
      this.prfInput(res, i, block, 0);
      const f = this.aes.encrypt(block)[0]! & 0x80;
      const bit = (enc[i >>> 3]! << (i & 7)) & 0x80;
      if ((f ^ bit) !== 0) res[i >>> 3]! |= 0x80 >>> (i & 7);
    }
    return res;
  }

  /** The block for output bit i: the first i bits of addr, then the pad's bits from i on. */
  private prfInput(addr: Buffer, i: number, out: Buffer, off: number): void {
    this.pad.copy(out, off);
    const whole = i >>> 3;
    for (let k = 0; k < whole; k++) out[off + k] = addr[k]!;
    const rem = i & 7;
    if (rem !== 0) {
      const mask = (0xff00 >>> rem) & 0xff;
      out[off + whole] = (addr[whole]! & mask) | (this.pad[whole]! & ~mask & 0xff);
    }
  }
}
