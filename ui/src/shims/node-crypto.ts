/**
 * The part of node:crypto that src/privacy reaches from decrypt.ts and keys.ts, for the browser
 * bundle (AES itself is replaced with aes-block.ts). Synchronous like Node's, since the callers are.
 * `Buffer`: the polyfill (buffer-global.ts) the plugin imports into each module using it.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';

type BinaryLike = string | ArrayBufferView;

/** Strings are UTF-8, as in Node. */
function bytes(v: BinaryLike): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** HKDF (RFC 5869); like Node, returns an ArrayBuffer. Only SHA-256 is used, so only it is here. */
export function hkdfSync(digest: string, ikm: BinaryLike, salt: BinaryLike, info: BinaryLike, keylen: number): ArrayBuffer {
  if (digest.toLowerCase() !== 'sha256') throw new Error(`hkdfSync: digest ${digest} is not available in the browser`);
  return hkdf(sha256, bytes(ikm), bytes(salt), bytes(info), keylen).slice().buffer;
}

export interface ScryptOptions {
  N?: number;
  r?: number;
  p?: number;
  cost?: number;
  blockSize?: number;
  parallelization?: number;
  maxmem?: number;
}

/** scrypt (RFC 7914) with Node's option names and defaults (N 16384, r 8, p 1, maxmem 32 MiB). */
export function scryptSync(password: BinaryLike, salt: BinaryLike, keylen: number, o: ScryptOptions = {}): Buffer {
  const N = o.N ?? o.cost ?? 16384;
  const r = o.r ?? o.blockSize ?? 8;
  const p = o.p ?? o.parallelization ?? 1;
  return Buffer.from(scrypt(bytes(password), bytes(salt), { N, r, p, dkLen: keylen, maxmem: o.maxmem ?? 32 << 20 }));
}

export function randomBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  // getRandomValues fills at most 65536 bytes per call.
  for (let o = 0; o < size; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(size, o + 65536)));
  return out;
}

/** Constant-time comparison (no early exit); unequal lengths throw, as in Node. */
export function timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) throw new RangeError('Input buffers must have the same byte length');
  const x = bytes(a);
  const y = bytes(b);
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i]! ^ y[i]!;
  return d === 0;
}
