import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { LineSink } from '../pipeline/line-sink.js';
import { DEFAULT_CACHE_SIZE } from '../privacy/cache.js';
import {
  checkKeySource,
  emptyKeySource,
  loadKeys,
  parseGroups,
  parseIpMode,
  parseThread,
  PrivacyConfigError,
  type PrivacyConfig,
} from '../privacy/config.js';
import { DecryptError, DocumentDecryptor } from '../privacy/decrypt.js';
import { generateKeyHex, KeyError, KeyRing, parseKeyText, type MasterKey } from '../privacy/keys.js';
import { encryptorFromConfig, type Encryptor } from '../privacy/processor.js';
import { FieldCiphers } from '../privacy/ciphers.js';

/**
 * CLI side of field encryption: the options `replay` and `run` share (`privacyOptions`), the
 * encryptor they build from them (`buildEncryptor`), and the `decrypt`, `encrypt-value` and
 * `keygen` commands. Secrets are read from files and environment variables only (never from the
 * command line, where `ps` would show them) and never printed: messages name the source.
 */

export interface PrivacyCliOptions {
  encrypt?: string;
  ipMode?: string;
  keyFile?: string[];
  keyEnv?: string;
  passphraseEnv?: string;
  salt?: string;
  encryptThread?: string;
}

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Key options: shared by every command that needs a key. */
function keyOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--key-file <file>', `master key file: 64 hex digits or base64 per line, # comments (${what}; repeatable)`, collect)
    .option('--key-env <var>', 'environment variable holding the master key (hex or base64)')
    .option('--passphrase-env <var>', 'environment variable holding a passphrase, stretched with scrypt and --salt')
    .option('--salt <salt>', 'salt for --passphrase-env: configured once, the same on every probe and reader');
}

/**
 * Adds `--encrypt`, `--ip-mode` and the key options to a command (replay, run), validated (and the
 * encryptor built) before its action. `base` gives the configuration file's `privacy` section,
 * when there is one; the action then calls `buildEncryptor(opts, base())` and gets the same encryptor.
 */
export function privacyOptions(cmd: Command, base?: () => PrivacyConfig | undefined): Command {
  cmd
    .option('--encrypt <groups>', 'encrypt field groups before output: comma list of ips, uris, call_id, user, user_agent, or all')
    .option('--ip-mode <mode>', 'address encryption: prefix (Crypto-PAn, subnets stay subnets) or full (ipcrypt, no prefix relation)')
    .option('--encrypt-thread <where>', 'worker (default: a second thread encrypts, the packet thread only hands events over) or inline');
  keyOptions(cmd, 'the first key encrypts');
  cmd.hook('preAction', (thisCommand) => {
    try {
      buildEncryptor(thisCommand.opts<PrivacyCliOptions>(), base?.());
    } catch (err) {
      if (err instanceof PrivacyConfigError || err instanceof KeyError) thisCommand.error(`sipsentry: ${err.message}`, { exitCode: EXIT_USAGE, code: 'sipsentry.privacy' });
      throw err;
    }
  });
  return cmd;
}

/** The options over a configuration file's `privacy` section (options win; key sources replace the file's). */
export function privacyConfigFromOptions(opts: PrivacyCliOptions, base?: PrivacyConfig): PrivacyConfig {
  const cfg: PrivacyConfig = base ? { ...base, groups: [...base.groups], key: { ...base.key, keyFiles: [...base.key.keyFiles] } } : { groups: [], ipMode: 'prefix', key: emptyKeySource(), cacheSize: DEFAULT_CACHE_SIZE, thread: 'worker' };
  if (opts.encrypt !== undefined) cfg.groups = parseGroups(opts.encrypt);
  if (opts.ipMode !== undefined) cfg.ipMode = parseIpMode(opts.ipMode);
  if (opts.encryptThread !== undefined) cfg.thread = parseThread(opts.encryptThread);
  if (opts.keyFile !== undefined || opts.keyEnv !== undefined || opts.passphraseEnv !== undefined) {
    cfg.key = { ...emptyKeySource(), scrypt: cfg.key.scrypt, salt: cfg.key.salt, keyFiles: opts.keyFile ?? [], keyEnv: opts.keyEnv ?? null, passphraseEnv: opts.passphraseEnv ?? null };
  }
  if (opts.salt !== undefined) cfg.key.salt = opts.salt;
  checkKeySource(cfg.key, cfg.groups.length > 0);
  return cfg;
}

const built = new WeakMap<object, { base: PrivacyConfig | undefined; enc: Encryptor | null }>();

/**
 * The encryptor the options (over the configuration's `privacy` section, if given) ask for, or
 * null when no group is on. Built once per options object and section (a passphrase costs a scrypt
 * run). Throws PrivacyConfigError / KeyError with a message fit for the user; `privacyOptions`
 * already reports those before the action runs.
 */
export function buildEncryptor(opts: PrivacyCliOptions, base?: PrivacyConfig): Encryptor | null {
  const known = built.get(opts);
  if (known !== undefined && known.base === base) return known.enc;
  const enc = encryptorFromConfig(privacyConfigFromOptions(opts, base));
  built.set(opts, { base, enc });
  return enc;
}

/** Whether the encryptor of these options runs on a worker thread (privacy.thread, --encrypt-thread). */
export function encryptOnWorker(opts: PrivacyCliOptions, base?: PrivacyConfig): boolean {
  return privacyConfigFromOptions(opts, base).thread === 'worker';
}

/** Every key the options name, the encrypting one first. */
function keysFrom(opts: PrivacyCliOptions): MasterKey[] {
  const src = { ...emptyKeySource(), keyFiles: opts.keyFile ?? [], keyEnv: opts.keyEnv ?? null, passphraseEnv: opts.passphraseEnv ?? null, salt: opts.salt ?? null };
  checkKeySource(src, true);
  return loadKeys(src);
}

const FIELDS = ['ip', 'uri', 'uri-user', 'uri-host', 'call-id', 'user', 'user-agent', 'realm', 'text'] as const;
type FieldKind = (typeof FIELDS)[number];
const PREFIX_FIELDS: ReadonlySet<FieldKind> = new Set(['ip', 'uri-user', 'user']);

function fieldKind(v: string): FieldKind {
  if ((FIELDS as readonly string[]).includes(v)) return v as FieldKind;
  throw new InvalidArgumentError(`expected one of ${FIELDS.join(', ')}`);
}

/** The ciphertext an analyst searches for. Prefix-preserving fields also take a prefix (ip: a network a.b.0.0/16). */
export function encryptValue(c: FieldCiphers, field: FieldKind, value: string): string {
  switch (field) {
    case 'ip':
      return c.ipNetwork(value);
    case 'uri':
      return c.uri(value);
    case 'uri-user':
    case 'user':
      return c.user(value);
    case 'uri-host':
      return c.host(value);
    case 'call-id':
      return c.callId(value);
    case 'user-agent':
      return c.userAgent(value);
    case 'realm':
      return c.realm(value);
    case 'text':
      return c.text(value);
  }
}

/** Adds `decrypt`, `encrypt-value` and `keygen`. */
export function registerPrivacyCommands(program: Command): void {
  const fail = (cmd: Command, err: unknown): never => {
    if (err instanceof PrivacyConfigError || err instanceof KeyError || err instanceof RangeError) cmd.error(`sipsentry: ${err.message}`, { exitCode: EXIT_USAGE, code: 'sipsentry.privacy' });
    throw err;
  };

  const decrypt = program
    .command('decrypt')
    .description('Decrypt NDJSON events written with --encrypt (events name their key; several keys may be given for rotation). Plain events pass unchanged.')
    .argument('[events]', 'NDJSON file; "-" or nothing reads standard input', '-')
    .option('-o, --output <file>', 'write to a file instead of standard output', '-');
  keyOptions(decrypt, 'every key given is tried by key id');
  decrypt.action(async (input: string, opts: PrivacyCliOptions & { output: string }, cmd: Command) => {
    let ring: KeyRing;
    try {
      ring = new KeyRing(keysFrom(opts));
    } catch (err) {
      return fail(cmd, err);
    }
    const dec = new DocumentDecryptor(ring);
    const sink = new LineSink(opts.output);
    const stream = input === '-' ? process.stdin : createReadStream(input);
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const line of lines) {
        n++;
        if (line.trim() === '') continue;
        let doc: unknown;
        try {
          doc = JSON.parse(line);
        } catch {
          throw new DecryptError('not a JSON document');
        }
        if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new DecryptError('not a JSON object');
        sink.write(JSON.stringify(dec.decrypt(doc as Record<string, unknown>)));
      }
    } catch (err) {
      lines.close();
      await sink.close();
      const where = input === '-' ? 'stdin' : input;
      if (err instanceof DecryptError) {
        process.stderr.write(`sipsentry: ${where} line ${n}: ${err.message}\n`);
      } else {
        process.stderr.write(`sipsentry: ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      }
      process.exitCode = EXIT_RUNTIME;
      return;
    }
    await sink.close();
  });

  const ev = program
    .command('encrypt-value')
    .description('Print the ciphertext of a value, to search an encrypted index without decrypting it (same key and --ip-mode as the probe).')
    .argument('<value>', 'the plaintext; for ip also a network (10.1.0.0/16); for uri-user and user also a prefix (+49)')
    .requiredOption('--field <field>', `kind of value: ${FIELDS.join(', ')}`, fieldKind)
    .option('--prefix', 'the value is a prefix (uri-user, user, ip): print the ciphertext prefix to search with')
    .option('--ip-mode <mode>', 'address encryption the probe uses: prefix or full', 'prefix');
  keyOptions(ev, 'the first key is used');
  ev.action((value: string, opts: PrivacyCliOptions & { field: FieldKind; prefix?: boolean; ipMode: string }, cmd: Command) => {
    try {
      if (opts.prefix && !PREFIX_FIELDS.has(opts.field)) throw new PrivacyConfigError(`--field ${opts.field} is not prefix-preserving: only whole values can be searched`);
      const c = new FieldCiphers(keysFrom(opts)[0]!, parseIpMode(opts.ipMode));
      process.stdout.write(encryptValue(c, opts.field, value) + '\n');
    } catch (err) {
      fail(cmd, err);
    }
  });

  program
    .command('keygen')
    .description('Make a random 256-bit master key (64 hex digits); prints its key id on standard error.')
    .option('-o, --output <file>', 'write to a new file (mode 0600) instead of standard output', '-')
    .action((opts: { output: string }) => {
      const hex = generateKeyHex();
      const id = parseKeyText(hex, 'new key').id;
      if (opts.output === '-') process.stdout.write(hex + '\n');
      else {
        try {
          // 'wx': never overwrite a key that may still be needed to read old events.
          writeFileSync(opts.output, hex + '\n', { mode: 0o600, flag: 'wx' });
        } catch (err) {
          process.stderr.write(`sipsentry: ${opts.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
          process.exitCode = EXIT_RUNTIME;
          return;
        }
      }
      process.stderr.write(`sipsentry: key id ${id}\n`);
    });
}

