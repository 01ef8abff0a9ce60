/** Key sources, sub-keys and key ids, the configuration section, the scheme tag; secrets never printed. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { describePrivacyConfig, loadKeys, parseGroups, parsePrivacyConfig, PrivacyConfigError } from '../../src/privacy/config.js';
import { generateKeyHex, KeyError, keyFromEnv, keyFromPassphrase, KeyRing, parseKeyText, readKeyFile } from '../../src/privacy/keys.js';
import { formatScheme, parseScheme } from '../../src/privacy/scheme.js';
import { KEY_A, KEY_B } from './helpers.js';

const HEX_A = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const FAST = { N: 1024, r: 8, p: 1 };
const dir = mkdtempSync(join(tmpdir(), 'sipsentry-keys-'));

describe('master keys', () => {
  it('hex and base64 spell the same key; the id is HKDF-derived, 8 hex digits', () => {
    const a = parseKeyText(HEX_A, 't');
    const b = parseKeyText(Buffer.from(HEX_A, 'hex').toString('base64'), 't');
    const c = parseKeyText(Buffer.from(HEX_A, 'hex').toString('base64url'), 't');
    assert.equal(a.id, KEY_A.id);
    assert.equal(b.id, a.id);
    assert.equal(c.id, a.id);
    assert.match(a.id, /^[0-9a-f]{8}$/);
    assert.notEqual(KEY_B.id, KEY_A.id);
  });
  it('sub-keys differ per purpose and per key', () => {
    assert.notDeepEqual(KEY_A.subkey('host', 64), KEY_A.subkey('call-id', 64));
    assert.notDeepEqual(KEY_A.subkey('host', 64), KEY_B.subkey('host', 64));
    assert.deepEqual(KEY_A.subkey('host', 64), KEY_A.subkey('host', 64));
  });
  it('never shows the key material (JSON, String, inspect, enumeration, errors)', () => {
    const k = parseKeyText(HEX_A, 'test');
    const shown = [JSON.stringify(k), String(k), inspect(k), inspect(k, { showHidden: true }), Object.keys(k).join(','), JSON.stringify({ nested: [k] })];
    for (const s of shown) {
      assert.ok(!s.includes(HEX_A) && !s.includes(HEX_A.slice(0, 16)), s);
      assert.ok(!s.includes('0, 1, 2, 3'), s);
    }
    const bad = 'zz' + HEX_A.slice(2);
    assert.throws(() => parseKeyText(bad, 'env X'), (e: Error) => e instanceof KeyError && !e.message.includes(bad) && e.message.includes('env X'));
  });
  it('key files: one key per line, comments, raw 32 bytes; the first key encrypts', () => {
    const f = join(dir, 'keys');
    writeFileSync(f, `# current\n${generateKeyHex()}\n\n# previous, still readable\n${HEX_A}  # comment\n`);
    const keys = readKeyFile(f);
    assert.equal(keys.length, 2);
    assert.equal(keys[1]!.id, KEY_A.id);
    const raw = join(dir, 'raw');
    writeFileSync(raw, Buffer.from(HEX_A, 'hex'));
    assert.equal(readKeyFile(raw)[0]!.id, KEY_A.id);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '# nothing\n');
    assert.throws(() => readKeyFile(empty), KeyError);
    assert.throws(() => readKeyFile(join(dir, 'missing')), /key file .*missing: ENOENT/);
    const bad = join(dir, 'bad');
    writeFileSync(bad, `${HEX_A}\nnot-a-key-secret\n`);
    assert.throws(() => readKeyFile(bad), (e: Error) => /line 2/.test(e.message) && !e.message.includes('not-a-key-secret'));
  });
  it('environment variable', () => {
    assert.equal(keyFromEnv('K', { K: HEX_A }).id, KEY_A.id);
    assert.throws(() => keyFromEnv('K', {}), /K is not set/);
  });
  it('passphrase: scrypt with the salt; the salt is required and changes the key', () => {
    const a = keyFromPassphrase('pass phrase', 'salt-1', 'p', FAST);
    assert.equal(keyFromPassphrase('pass phrase', 'salt-1', 'p', FAST).id, a.id);
    assert.notEqual(keyFromPassphrase('pass phrase', 'salt-2', 'p', FAST).id, a.id);
    assert.notEqual(keyFromPassphrase('pass phrase!', 'salt-1', 'p', FAST).id, a.id);
    assert.throws(() => keyFromPassphrase('pass phrase', '', 'p', FAST), /salt/);
    assert.throws(() => keyFromPassphrase('', 's', 'p', FAST), /empty/);
    assert.throws(() => keyFromPassphrase('x', 's', 'p', { N: 1000, r: 8, p: 1 }), /power of two/);
  });
  it('a key ring finds keys by id', () => {
    const ring = new KeyRing([KEY_A, KEY_B, KEY_A]);
    assert.equal(ring.size, 2);
    assert.equal(ring.get(KEY_B.id), KEY_B);
    assert.equal(ring.get('00000000'), undefined);
  });
});

describe('configuration section', () => {
  it('groups: all, none, lists in any order and spelling', () => {
    assert.deepEqual(parseGroups('all'), ['ips', 'uris', 'call_id', 'user', 'user_agent']);
    assert.deepEqual(parseGroups('user-agent, ips'), ['ips', 'user_agent']);
    assert.deepEqual(parseGroups('none'), []);
    assert.throws(() => parseGroups('ips,macs'), /unknown encryption group "macs"/);
  });
  it('parses a section and loads its keys', () => {
    const f = join(dir, 'k1');
    writeFileSync(f, HEX_A + '\n');
    const cfg = parsePrivacyConfig({ encrypt: ['ips', 'uris'], ipMode: 'full', keyFile: f, cacheSize: 100 });
    assert.deepEqual(cfg.groups, ['ips', 'uris']);
    assert.equal(cfg.ipMode, 'full');
    assert.equal(loadKeys(cfg.key)[0]!.id, KEY_A.id);
    const pp = parsePrivacyConfig({ encrypt: 'all', passphraseEnv: 'PW', salt: 's', scrypt: { n: 1024 } });
    assert.equal(loadKeys(pp.key, { PW: 'x' })[0]!.id, keyFromPassphrase('x', 's', 'p', FAST).id);
  });
  it('rejects secrets in the file, unknown settings, missing keys and a passphrase without salt', () => {
    assert.throws(() => parsePrivacyConfig({ encrypt: 'all', key: HEX_A }), (e: Error) => e instanceof PrivacyConfigError && !e.message.includes(HEX_A));
    assert.throws(() => parsePrivacyConfig({ passphrase: 'x' }), /secrets are not accepted/);
    assert.throws(() => parsePrivacyConfig({ encrypt: 'all', keyfile: 'x' }), /unknown setting/);
    assert.throws(() => parsePrivacyConfig({ encrypt: 'all' }), /needs a key/);
    assert.throws(() => parsePrivacyConfig({ encrypt: 'all', passphraseEnv: 'PW' }), /salt/);
    assert.deepEqual(parsePrivacyConfig({ encrypt: 'none' }).groups, []);
  });
  it('a dump shows where keys come from, never more', () => {
    const cfg = parsePrivacyConfig({ encrypt: 'all', passphraseEnv: 'PW', salt: 'site-salt' });
    const dump = JSON.stringify(describePrivacyConfig(cfg));
    assert.ok(dump.includes('"passphraseEnv":"PW"'));
    assert.ok(!dump.includes('site-salt'));
  });
});

describe('scheme tag', () => {
  it('formats and parses', () => {
    const tag = formatScheme(KEY_A.id, ['uris', 'ips'], 'full');
    assert.equal(tag, `${KEY_A.id}/ips,uris,ip-full`);
    const s = parseScheme(tag)!;
    assert.equal(s.keyId, KEY_A.id);
    assert.deepEqual([...s.groups], ['ips', 'uris']);
    assert.equal(s.ipMode, 'full');
    assert.equal(parseScheme(`${KEY_A.id}/ips,macs`), null);
    assert.equal(parseScheme('nonsense'), null);
    assert.equal(formatScheme(KEY_A.id, ['call_id'], 'full'), `${KEY_A.id}/call_id`);
  });
});
