/**
 * In-browser decryption of event documents, loaded by the UI only when the user enters a key. A
 * thin wrapper over src/privacy itself (bundled for the browser by ui/build/privacy-browser.mjs),
 * so the page decrypts exactly as `sipsentry decrypt` does. The key stays in this page: nothing
 * here talks to the network.
 */
import { FieldCiphers } from '../../../src/privacy/ciphers.js';
import type { IpMode } from '../../../src/privacy/config.js';
import { DocumentDecryptor } from '../../../src/privacy/decrypt.js';
import { DEFAULT_SCRYPT, KeyRing, keyFromPassphrase, parseKeyText, type MasterKey, type ScryptParams } from '../../../src/privacy/keys.js';

export interface BrowserDecryptor {
  /** The key's id, as events name it in `sip.key_id` (`<id>/<groups>`). */
  readonly keyId: string;
  /** A decrypted copy of an event document (`sip.key_id` removed); throws an Error naming both key ids on a wrong key. */
  decryptDoc(doc: Record<string, unknown>): Record<string, unknown>;
  /** One address, or null when it is not a ciphertext of this key. `ipMode` as in the scheme (`ip-full` → 'full'). */
  decryptIp(ciphertext: string, ipMode?: IpMode): string | null;
  decryptCallId(ciphertext: string): string | null;
}

/** A key as pasted: 64 hex digits or the base64 of 32 bytes (a key file line). */
export function makeDecryptor(keyText: string): BrowserDecryptor {
  return wrap(parseKeyText(keyText, 'pasted key'));
}

/** The key of a passphrase and salt (same scrypt parameters as the probe, default ones unless configured otherwise). */
export function makeDecryptorFromPassphrase(passphrase: string, salt: string, scrypt: ScryptParams = DEFAULT_SCRYPT): BrowserDecryptor {
  return wrap(keyFromPassphrase(passphrase, salt, 'passphrase', scrypt));
}

function wrap(key: MasterKey): BrowserDecryptor {
  const docs = new DocumentDecryptor(new KeyRing([key]));
  // Field ciphers per address mode, made on first use (each derives its sub-keys).
  const ciphers = new Map<IpMode, FieldCiphers>();
  const fields = (mode: IpMode): FieldCiphers => {
    let c = ciphers.get(mode);
    if (c === undefined) ciphers.set(mode, (c = new FieldCiphers(key, mode)));
    return c;
  };
  return {
    keyId: key.id,
    decryptDoc: (doc) => docs.decrypt(doc),
    decryptIp: (ciphertext, ipMode = 'prefix') => fields(ipMode).decryptIp(ciphertext),
    decryptCallId: (ciphertext) => fields('prefix').decryptCallId(ciphertext),
  };
}
