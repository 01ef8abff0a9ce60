import { DEFAULT_CACHE_SIZE } from './cache.js';
import { DEFAULT_SCRYPT, keyFromEnv, keyFromPassphraseEnv, readKeyFile, type MasterKey, type ScryptParams } from './keys.js';

/**
 * What to encrypt and with which key: the `privacy` section of the configuration file, which the
 * CLI options mirror (`--encrypt`, `--ip-mode`, `--key-file`, `--key-env`, `--passphrase-env`,
 * `--salt`). The configuration names where secrets are (a file, an environment variable), never
 * the secrets themselves, so a dump of it reveals nothing.
 */

/** Field groups, each switchable. Their order is the canonical order of the scheme tag. */
export const GROUPS = ['ips', 'uris', 'call_id', 'user', 'user_agent'] as const;
export type Group = (typeof GROUPS)[number];

/** `prefix`: Crypto-PAn (subnets stay subnets); `full`: ipcrypt-deterministic (no prefix relation). */
export type IpMode = 'prefix' | 'full';

export interface KeySource {
  /** Key files; the first key of the first file encrypts, every key decrypts. */
  keyFiles: string[];
  keyEnv: string | null;
  passphraseEnv: string | null;
  salt: string | null;
  scrypt: ScryptParams;
}

export interface PrivacyConfig {
  groups: Group[];
  ipMode: IpMode;
  key: KeySource;
  /** Entries per cache of recent encryptions (per field kind). */
  cacheSize: number;
  /** `worker`: encrypt on a worker thread (offload.ts); `inline`: on the packet thread. */
  thread: EncryptThread;
}

export type EncryptThread = 'worker' | 'inline';

export function parseThread(s: string): EncryptThread {
  if (s === 'worker' || s === 'inline') return s;
  throw new PrivacyConfigError(`privacy thread must be worker or inline, not "${s}"`);
}

export class PrivacyConfigError extends Error {
  override name = 'PrivacyConfigError';
}

export function emptyKeySource(): KeySource {
  return { keyFiles: [], keyEnv: null, passphraseEnv: null, salt: null, scrypt: { ...DEFAULT_SCRYPT } };
}

/** `all`, `none`, or a comma list of group names, in any order; returned in canonical order. */
export function parseGroups(spec: string | readonly string[]): Group[] {
  const items = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim().toLowerCase().replace(/-/g, '_')).filter((s) => s !== '');
  if (items.length === 1 && items[0] === 'all') return [...GROUPS];
  if (items.length === 1 && items[0] === 'none') return [];
  const set = new Set<Group>();
  for (const it of items) {
    if (!(GROUPS as readonly string[]).includes(it)) throw new PrivacyConfigError(`unknown encryption group "${it}" (groups: ${GROUPS.join(', ')}, or all)`);
    set.add(it as Group);
  }
  return GROUPS.filter((g) => set.has(g));
}

export function parseIpMode(s: string): IpMode {
  if (s === 'prefix' || s === 'full') return s;
  throw new PrivacyConfigError(`ip mode must be prefix or full, not "${s}"`);
}

const SECTION_KEYS = new Set(['encrypt', 'ipMode', 'keyFile', 'keyEnv', 'passphraseEnv', 'salt', 'scrypt', 'cacheSize', 'thread']);
const SECRET_KEYS = new Set(['key', 'master_key', 'passphrase', 'secret', 'password']);

/** The `privacy` section of the configuration file (a parsed YAML/JSON object), validated. */
export function parsePrivacyConfig(section: unknown): PrivacyConfig {
  const cfg: PrivacyConfig = { groups: [], ipMode: 'prefix', key: emptyKeySource(), cacheSize: DEFAULT_CACHE_SIZE, thread: 'worker' };
  if (section === undefined || section === null) return cfg;
  if (typeof section !== 'object' || Array.isArray(section)) throw new PrivacyConfigError('privacy: expected a mapping');
  const o = section as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (SECRET_KEYS.has(k)) throw new PrivacyConfigError(`privacy.${k}: secrets are not accepted in the configuration; use keyFile, keyEnv or passphraseEnv`);
    if (!SECTION_KEYS.has(k)) throw new PrivacyConfigError(`privacy.${k}: unknown setting`);
  }
  if (o.encrypt !== undefined) {
    if (typeof o.encrypt !== 'string' && !(Array.isArray(o.encrypt) && o.encrypt.every((x) => typeof x === 'string'))) {
      throw new PrivacyConfigError('privacy.encrypt: expected "all" or a list of groups');
    }
    cfg.groups = parseGroups(o.encrypt as string | string[]);
  }
  if (o.ipMode !== undefined) cfg.ipMode = parseIpMode(String(o.ipMode));
  if (o.keyFile !== undefined) {
    const files = Array.isArray(o.keyFile) ? o.keyFile : [o.keyFile];
    if (!files.every((f) => typeof f === 'string' && f !== '')) throw new PrivacyConfigError('privacy.keyFile: expected a path or a list of paths');
    cfg.key.keyFiles = files as string[];
  }
  cfg.key.keyEnv = optString(o, 'keyEnv');
  cfg.key.passphraseEnv = optString(o, 'passphraseEnv');
  cfg.key.salt = optString(o, 'salt');
  if (o.scrypt !== undefined) {
    const s = o.scrypt as Record<string, unknown>;
    const num = (k: string, d: number): number => {
      const v = s?.[k] ?? s?.[k.toUpperCase()];
      if (v === undefined) return d;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new PrivacyConfigError(`privacy.scrypt.${k}: expected a positive integer`);
      return v;
    };
    cfg.key.scrypt = { N: num('n', DEFAULT_SCRYPT.N), r: num('r', DEFAULT_SCRYPT.r), p: num('p', DEFAULT_SCRYPT.p) };
  }
  if (o.cacheSize !== undefined) {
    if (typeof o.cacheSize !== 'number' || !Number.isInteger(o.cacheSize) || o.cacheSize < 16) throw new PrivacyConfigError('privacy.cacheSize: expected an integer ≥ 16');
    cfg.cacheSize = o.cacheSize;
  }
  if (o.thread !== undefined) cfg.thread = parseThread(String(o.thread));
  checkKeySource(cfg.key, cfg.groups.length > 0);
  return cfg;
}

function optString(o: Record<string, unknown>, k: string): string | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v === '') throw new PrivacyConfigError(`privacy.${k}: expected a non-empty string`);
  return v;
}

/** A key source must name at least one key when encryption is on; a passphrase needs its salt. */
export function checkKeySource(src: KeySource, required: boolean): void {
  if (src.passphraseEnv !== null && src.salt === null) throw new PrivacyConfigError('a passphrase needs a salt (privacy.salt / --salt), the same on every probe and reader');
  if (required && src.keyFiles.length === 0 && src.keyEnv === null && src.passphraseEnv === null) {
    throw new PrivacyConfigError('encryption needs a key: keyFile / --key-file, keyEnv / --key-env, or passphraseEnv / --passphrase-env with salt / --salt');
  }
}

/** Every key the source names; the first one is the encrypting key. */
export function loadKeys(src: KeySource, env: NodeJS.ProcessEnv = process.env): MasterKey[] {
  const keys: MasterKey[] = [];
  for (const f of src.keyFiles) keys.push(...readKeyFile(f));
  if (src.keyEnv !== null) keys.push(keyFromEnv(src.keyEnv, env));
  if (src.passphraseEnv !== null) keys.push(keyFromPassphraseEnv(src.passphraseEnv, src.salt ?? '', env, src.scrypt));
  return keys;
}

/** The section as a configuration dump shows it: only where keys come from, never key material. */
export function describePrivacyConfig(cfg: PrivacyConfig): Record<string, unknown> {
  return {
    encrypt: cfg.groups,
    ipMode: cfg.ipMode,
    keyFile: cfg.key.keyFiles,
    keyEnv: cfg.key.keyEnv,
    passphraseEnv: cfg.key.passphraseEnv,
    salt: cfg.key.salt === null ? null : '(set)',
    scrypt: cfg.key.scrypt,
    cacheSize: cfg.cacheSize,
    thread: cfg.thread,
  };
}
