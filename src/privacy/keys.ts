import { hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

/**
 * Key material. One 256-bit master key per deployment, from a key file, an environment variable,
 * or a passphrase stretched with scrypt (memory-hard) and a configured salt. Every cipher gets its
 * own sub-key through HKDF-SHA256 with a purpose label, so no two uses share a key. The key id
 * (HKDF output too, 4 bytes hex) names the key in every event without revealing it.
 *
 * Secrets never leave this file as text: errors name the source, never its content, and a key
 * object prints and serialises as its id only.
 */

export const MASTER_KEY_BYTES = 32;
const HKDF_SALT = Buffer.from('sipsentry privacy v1');

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 2^17 × 8 × 128 B = 128 MiB and a fraction of a second per derivation: costly to guess at scale. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = { N: 1 << 17, r: 8, p: 1 };

export class KeyError extends Error {
  override name = 'KeyError';
}

export class MasterKey {
  readonly id: string;
  readonly #bytes: Buffer;

  /** `origin` says where the key came from (a file name, an environment variable), for messages. */
  constructor(bytes: Uint8Array, readonly origin: string) {
    if (bytes.length !== MASTER_KEY_BYTES) throw new KeyError(`${origin}: a master key is ${MASTER_KEY_BYTES} bytes`);
    this.#bytes = Buffer.from(bytes);
    this.id = this.subkey('key-id', 4).toString('hex');
  }

  /** HKDF-SHA256 (RFC 5869) sub-key for one purpose. */
  subkey(purpose: string, length: number): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#bytes, HKDF_SALT, 'sipsentry/' + purpose, length));
  }

  /**
   * The key for the encryption worker thread of this process (structured-clone data, never
   * written anywhere): the worker builds the same MasterKey from it without reading the sources
   * (or running scrypt) again.
   */
  forWorker(): { bytes: Uint8Array; origin: string } {
    return { bytes: Uint8Array.from(this.#bytes), origin: this.origin };
  }

  toJSON(): { id: string; origin: string } {
    return { id: this.id, origin: this.origin };
  }

  toString(): string {
    return `key ${this.id} (${this.origin})`;
  }

  [inspect.custom](): string {
    return `MasterKey { id: '${this.id}', origin: '${this.origin}' }`;
  }
}

/** A key written as 64 hex digits or as base64 of 32 bytes. */
export function parseKeyText(text: string, origin: string): MasterKey {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return new MasterKey(Buffer.from(t, 'hex'), origin);
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === MASTER_KEY_BYTES) return new MasterKey(b, origin);
  }
  throw new KeyError(`${origin}: not a 256-bit key (expected 64 hex digits or the base64 of 32 bytes)`);
}

/**
 * Keys of a key file: one per line (hex or base64; `#` starts a comment), or a file of exactly 32
 * raw bytes. The first key encrypts; all of them decrypt (rotation: put the new key first).
 */
export function readKeyFile(path: string): MasterKey[] {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new KeyError(`key file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
  }
  const origin = `key file ${path}`;
  if (raw.length === MASTER_KEY_BYTES && !/^[\x20-\x7e\r\n\t]*$/.test(raw.toString('latin1'))) return [new MasterKey(raw, origin)];
  const keys: MasterKey[] = [];
  const lines = raw.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (line === '') continue;
    keys.push(parseKeyText(line, `${origin} line ${i + 1}`));
  }
  if (keys.length === 0) throw new KeyError(`${origin}: no key in it`);
  return keys;
}

export function keyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): MasterKey {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new KeyError(`environment variable ${name} is not set`);
  return parseKeyText(v, `environment variable ${name}`);
}

/** scrypt(passphrase, salt) → master key. The salt is not secret but must be the same on both sides. */
export function keyFromPassphrase(passphrase: string, salt: string, origin: string, params: ScryptParams = DEFAULT_SCRYPT): MasterKey {
  if (passphrase === '') throw new KeyError(`${origin}: the passphrase is empty`);
  if (salt === '') throw new KeyError(`${origin}: a passphrase needs a salt (configure one; the same on every probe and reader)`);
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw new KeyError(`${origin}: scrypt N must be a power of two`);
  const bytes = scryptSync(passphrase.normalize('NFC'), salt, MASTER_KEY_BYTES, { N, r, p, maxmem: 256 * N * r + (32 << 20) });
  return new MasterKey(bytes, origin);
}

export function keyFromPassphraseEnv(name: string, salt: string, env: NodeJS.ProcessEnv = process.env, params?: ScryptParams): MasterKey {
  const v = env[name];
  if (v === undefined || v === '') throw new KeyError(`environment variable ${name} (passphrase) is not set`);
  return keyFromPassphrase(v, salt, `passphrase from environment variable ${name}`, params);
}

/** A fresh random key as 64 hex digits. */
export function generateKeyHex(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('hex');
}

/** Several keys for reading: events name their key by id, so old and new keys can be held at once. */
export class KeyRing {
  private readonly byId = new Map<string, MasterKey>();

  constructor(keys: readonly MasterKey[]) {
    for (const k of keys) if (!this.byId.has(k.id)) this.byId.set(k.id, k);
  }

  get(id: string): MasterKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  get size(): number {
    return this.byId.size;
  }
}
