/**
 * Browser version of src/privacy/aes-block.ts (swapped in by ui/build/privacy-browser.mjs): the same
 * classes and semantics over @noble/ciphers' AES core instead of node:crypto cipher contexts.
 * noble's raw block function takes a block as four little-endian 32-bit words and an expanded
 * key, so the key schedule is computed once per object, as with the original's long-lived
 * contexts, and no alignment of the caller's buffers is needed. `Buffer`: the polyfill the plugin imports.
 */
import { unsafe } from '@noble/ciphers/aes.js';

type Block = (xk: Uint32Array, s0: number, s1: number, s2: number, s3: number) => { s0: number; s1: number; s2: number; s3: number };

const encryptBlock: Block = unsafe.encrypt;
const decryptBlock: Block = unsafe.decrypt;

export class AesEcb {
  private readonly key: Buffer;
  private readonly xk: Uint32Array;
  private xkDec: Uint32Array | null = null;

  constructor(key: Buffer) {
    checkKey(key);
    this.key = Buffer.from(key);
    this.xk = unsafe.expandKeyLE(this.key);
  }

  /** Encrypts whole blocks (length a multiple of 16). */
  encrypt(blocks: Buffer): Buffer {
    return ecb(encryptBlock, this.xk, blocks);
  }

  /** Decrypts whole blocks. The decryption schedule is made on first use: only the reading side needs it. */
  decrypt(blocks: Buffer): Buffer {
    this.xkDec ??= unsafe.expandKeyDecLE(this.key);
    return ecb(decryptBlock, this.xkDec, blocks);
  }
}

/**
 * CBC encryption with a zero IV, as CBC-MAC and CMAC need it. Mirrors the original exactly: a
 * running IV (the previous call's last output block) is XOR-ed into the first input block and
 * then chained in again, which cancels it; the caller's buffer is modified the same way.
 */
export class AesCbcChain {
  private readonly xk: Uint32Array;
  private readonly last = Buffer.alloc(16);

  constructor(key: Buffer) {
    checkKey(key);
    this.xk = unsafe.expandKeyLE(key);
  }

  /** All ciphertext blocks of `blocks` (modified: its first block is re-based) under a zero IV. */
  chain(blocks: Buffer): Buffer {
    const n = wholeBlocks(blocks);
    if (n === 0) throw new RangeError('AES-CBC chain: no block');
    for (let i = 0; i < 16; i++) blocks[i]! ^= this.last[i]!;
    const out = Buffer.allocUnsafe(n);
    const l = this.last;
    let s0 = word(l, 0), s1 = word(l, 4), s2 = word(l, 8), s3 = word(l, 12);
    for (let o = 0; o < n; o += 16) {
      ({ s0, s1, s2, s3 } = encryptBlock(this.xk, s0 ^ word(blocks, o), s1 ^ word(blocks, o + 4), s2 ^ word(blocks, o + 8), s3 ^ word(blocks, o + 12)));
      put(out, o, s0, s1, s2, s3);
    }
    out.copy(this.last, 0, n - 16);
    return out;
  }
}

/** Sixteen zero bytes; shared, never written. */
export const ZERO_BLOCK = Buffer.alloc(16);

function ecb(f: Block, xk: Uint32Array, blocks: Uint8Array): Buffer {
  const n = wholeBlocks(blocks);
  const out = Buffer.allocUnsafe(n);
  for (let o = 0; o < n; o += 16) {
    const r = f(xk, word(blocks, o), word(blocks, o + 4), word(blocks, o + 8), word(blocks, o + 12));
    put(out, o, r.s0, r.s1, r.s2, r.s3);
  }
  return out;
}

/** Node would buffer a partial block and return short output; no caller relies on that, so refuse it. */
function wholeBlocks(b: Uint8Array): number {
  if (b.length % 16 !== 0) throw new RangeError(`AES blocks: length ${b.length} is not a multiple of 16`);
  return b.length;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError(`AES key must be 16, 24 or 32 bytes, not ${key.length}`);
}

function word(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

function put(b: Uint8Array, o: number, s0: number, s1: number, s2: number, s3: number): void {
  put32(b, o, s0);
  put32(b, o + 4, s1);
  put32(b, o + 8, s2);
  put32(b, o + 12, s3);
}

function put32(b: Uint8Array, o: number, w: number): void {
  b[o] = w;
  b[o + 1] = w >>> 8;
  b[o + 2] = w >>> 16;
  b[o + 3] = w >>> 24;
}
