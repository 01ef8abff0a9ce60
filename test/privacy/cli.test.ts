/** `decrypt`, `encrypt-value`, `keygen` and the shared `--encrypt` options, run in-process. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildEncryptor } from '../../src/cli/privacy-commands.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { parsePrivacyConfig } from '../../src/privacy/config.js';
import { FieldCiphers } from '../../src/privacy/ciphers.js';
import { createEncryptor } from '../../src/privacy/processor.js';
import { TrackEvent } from '../../src/track/track-event.js';
import { ecsOf, KEY_A, KEY_B } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sipsentry-cli-'));
const keyFileA = join(dir, 'a.key');
const keyFileB = join(dir, 'b.key');
const KEY_HEX_A = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
writeFileSync(keyFileA, KEY_HEX_A + '\n');
writeFileSync(keyFileB, Buffer.alloc(32, 0xb5).toString('hex') + '\n');

interface Run {
  out: string;
  err: string;
  code: number | null;
}

const HARNESS = fileURLToPath(new URL('./cli-harness.js', import.meta.url));

/** Runs the privacy commands in a child process like the real CLI. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const r = spawnSync(process.execPath, [HARNESS, ...args], { encoding: 'utf8', env: { ...process.env, ...env, SIPSENTRY_CLI_HARNESS: '1' } });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

function event(callId: string): TrackEvent {
  const e = new TrackEvent('other-ok', 1_715_677_200_000_000);
  e.client = { ip: '192.0.2.1', port: 5060 };
  e.server = { ip: '192.0.2.2', port: 5060 };
  e.callId = callId;
  e.from = 'sip:alice@example.com';
  e.user = 'alice';
  e.method = 'OPTIONS';
  return e;
}

describe('sipsentry encrypt-value', () => {
  const c = new FieldCiphers(KEY_A);
  it('prints the ciphertext to search for', async () => {
    assert.deepEqual(await run(['encrypt-value', '--field', 'ip', '--key-file', keyFileA, '192.0.2.1']), { out: c.ip('192.0.2.1') + '\n', err: '', code: 0 });
    assert.equal((await run(['encrypt-value', '--field', 'ip', '--key-file', keyFileA, '192.0.2.0/24'])).out, c.ipNetwork('192.0.2.0/24') + '\n');
    assert.equal((await run(['encrypt-value', '--field', 'uri-user', '--prefix', '--key-file', keyFileA, '+49'])).out, c.user('+49') + '\n');
    assert.equal((await run(['encrypt-value', '--field', 'uri-host', '--key-file', keyFileA, 'Example.COM'])).out, c.host('example.com') + '\n');
    assert.equal((await run(['encrypt-value', '--field', 'call-id', '--key-env', 'K', 'a@b'], { K: KEY_HEX_A })).out, c.callId('a@b') + '\n');
    assert.equal((await run(['encrypt-value', '--field', 'call-id', '--key-env', 'K', 'a@b'], { K: '' })).code, 2);
  });
  it('refuses a prefix search on a field that does not keep prefixes, and a missing key', async () => {
    const r = await run(['encrypt-value', '--field', 'call-id', '--prefix', '--key-file', keyFileA, 'abc']);
    assert.equal(r.code, 2);
    assert.match(r.err, /not prefix-preserving/);
    const k = await run(['encrypt-value', '--field', 'ip', '1.2.3.4']);
    assert.equal(k.code, 2);
    assert.match(k.err, /needs a key/);
    const full = await run(['encrypt-value', '--field', 'ip', '--ip-mode', 'full', '--key-file', keyFileA, '10.0.0.0/8']);
    assert.equal(full.code, 2);
  });
});

describe('sipsentry decrypt', () => {
  const enc = createEncryptor({ groups: ['ips', 'uris', 'call_id', 'user', 'user_agent'], key: KEY_A });
  const plain = [toEcs(event('one@x')), toEcs(event('two@x'))];
  const lines = [event('one@x'), event('two@x')].map((e) => {
    enc(e);
    return JSON.stringify(ecsOf(e));
  });
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, lines.join('\n') + '\n\n');

  it('writes the events decrypted; every key given is tried by key id', async () => {
    const out = join(dir, 'plain.ndjson');
    const r = await run(['decrypt', input, '-o', out, '--key-file', keyFileB, '--key-file', keyFileA]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)), plain);
  });

  it('wrong key: clear error, exit 1, nothing written', async () => {
    const out = join(dir, 'wrong.ndjson');
    const r = await run(['decrypt', input, '-o', out, '--key-file', keyFileB]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`line 1: event encrypted with key ${KEY_A.id}, but the key given is ${KEY_B.id}`));
    assert.equal(readFileSync(out, 'utf8'), '');
  });

  it('input that is not NDJSON: error with the line number', async () => {
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, lines[0] + '\n{oops\n');
    const out = join(dir, 'bad.out');
    const r = await run(['decrypt', bad, '-o', out, '--key-file', keyFileA]);
    assert.equal(r.code, 1);
    assert.match(r.err, /line 2: not a JSON document/);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 1);
  });
});

describe('sipsentry keygen', () => {
  it('writes a new key file readable only by its owner and prints the key id', async () => {
    const f = join(dir, 'new.key');
    const r = await run(['keygen', '-o', f]);
    assert.equal(r.code, 0);
    assert.match(readFileSync(f, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.match(r.err, /key id [0-9a-f]{8}/);
    assert.ok(!r.err.includes(readFileSync(f, 'utf8').trim()));
    assert.equal((await run(['keygen', '-o', f])).code, 1);
  });
});

describe('--encrypt options (replay, run)', () => {
  const scheme = async (args: string[], env?: NodeJS.ProcessEnv): Promise<string | null> => {
    const r = await run(['replay', 'x.pcap', ...args], env);
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { scheme: string | null }).scheme;
  };
  it('build the encryptor the options ask for', async () => {
    assert.equal(await scheme(['--encrypt', 'ips,call_id', '--ip-mode', 'full', '--key-file', keyFileA]), `${KEY_A.id}/ips,call_id,ip-full`);
    assert.equal(await scheme([]), null);
  });
  it('report configuration errors before the action, exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--encrypt', 'all'], /needs a key/],
      [['--encrypt', 'macs', '--key-file', keyFileA], /unknown encryption group "macs"/],
      [['--encrypt', 'all', '--passphrase-env', 'PW'], /salt/],
      [['--encrypt', 'all', '--key-file', join(dir, 'nope')], /ENOENT/],
      [['--encrypt', 'all', '--key-file', keyFileA, '--ip-mode', 'half'], /prefix or full/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(['replay', 'x.pcap', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, msg);
      assert.equal(r.out, '');
    }
  });
  it('a passphrase from the environment with a salt', async () => {
    const env = { SIPSENTRY_TEST_PASSPHRASE: 'correct horse battery staple' };
    assert.equal(await scheme(['--encrypt', 'all', '--passphrase-env', 'SIPSENTRY_TEST_PASSPHRASE', '--salt', 'sipsentry kat salt'], env), '5d4ee3f4/ips,uris,call_id,user,user_agent');
  });
});

describe('configuration file section under the options', () => {
  it('the section alone turns encryption on; options win over it', () => {
    const section = parsePrivacyConfig({ encrypt: 'all', keyFile: keyFileA });
    assert.equal(buildEncryptor({}, section)?.scheme, `${KEY_A.id}/ips,uris,call_id,user,user_agent`);
    assert.equal(buildEncryptor({ encrypt: 'none' }, section), null);
    assert.equal(buildEncryptor({ encrypt: 'ips', keyFile: [keyFileB] }, section)?.scheme, `${KEY_B.id}/ips`);
    const opts = {};
    assert.equal(buildEncryptor(opts), null);
    assert.notEqual(buildEncryptor(opts, section), null, 'a result built without the section is not reused with it');
  });
});
