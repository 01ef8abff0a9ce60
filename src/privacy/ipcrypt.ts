import { AesEcb } from './aes-block.js';
import { from16, to16 } from '../decode/ip/ip-text.js';

/**
 * ipcrypt-deterministic (draft-denis-ipcrypt, "Methods for IP Address Encryption and
 * Obfuscation"): the address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) is one AES-128 block.
 * Not prefix-preserving: every address maps to an unrelated one. The result is an IPv6 address
 * unless it happens to land in the mapped range, so an IPv4 address usually becomes IPv6 (and the
 * address family no longer shows).
 */
export class IpcryptDeterministic {
  private readonly aes: AesEcb;

  constructor(key: Buffer) {
    if (key.length !== 16) throw new RangeError('ipcrypt-deterministic key must be 16 bytes');
    this.aes = new AesEcb(Buffer.from(key));
  }

  /** 4 or 16 address bytes in, 4 or 16 out (4 only when the result is IPv4-mapped). */
  encrypt(addr: Buffer): Buffer {
    return from16(this.aes.encrypt(Buffer.from(to16(addr))));
  }

  decrypt(enc: Buffer): Buffer {
    return from16(this.aes.decrypt(Buffer.from(to16(enc))));
  }
}
