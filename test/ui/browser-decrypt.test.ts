/**
 * The web UI's decryptor: src/privacy bundled for the browser (ui/build/privacy-browser.mjs swaps
 * the Node modules for shims), run in a vm context with only browser globals, against documents
 * the probe's own encryptor wrote.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { toEcs } from '../../src/events/ecs-event.js';
import { GROUPS } from '../../src/privacy/config.js';
import { DocumentDecryptor } from '../../src/privacy/decrypt.js';
import { keyFromPassphrase, KeyRing, type ScryptParams } from '../../src/privacy/keys.js';
import { createEncryptor } from '../../src/privacy/processor.js';
import { TrackEvent } from '../../src/track/track-event.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { authFailedSample, ecsOf, KEY_A, KEY_B } from '../privacy/helpers.js';

/** ui/src/crypto/decryptor.ts as seen from outside the bundle (not imported: it is built for the browser). */
interface BrowserDecryptor {
  readonly keyId: string;
  decryptDoc(doc: Record<string, unknown>): Record<string, unknown>;
  decryptIp(ciphertext: string, ipMode?: 'prefix' | 'full'): string | null;
  decryptCallId(ciphertext: string): string | null;
}
interface DecryptorModule {
  makeDecryptor(keyText: string): BrowserDecryptor;
  makeDecryptorFromPassphrase(passphrase: string, salt: string, scrypt?: ScryptParams): BrowserDecryptor;
}

const HEX_A = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const B64_B = Buffer.alloc(32, 0xb5).toString('base64');
const FAST: ScryptParams = { N: 1024, r: 8, p: 1 };
const ENTRY = 'ui/src/crypto/decryptor.ts';

function samples(): TrackEvent[] {
  const a = authFailedSample();

  // IPv6 client, IPv4 server; users longer than 16 bytes (the prefix cipher's CMAC part), IPv6
  // hosts, a password, encrypted parameters and headers, an opaque URI, non-ASCII text.
  const b = new TrackEvent('call-attempt', 1_715_677_300_000_000);
  b.client = { ip: '2001:db8:85a3::8a2e:370:7334', port: 5062 };
  b.server = { ip: '198.51.100.7', port: 5060 };
  b.transport = 'tcp';
  b.callId = 'a84b4c76e66710-very-long-call-identifier@pc33.atlanta.example.com';
  b.from = 'sips:+493012345678901234567890:secret@[2001:db8::7]:5061;transport=tls;maddr=10.0.0.1?subject=hi';
  b.to = 'sip:bob.the.builder.with.a.long.name@pbx.example.org:5080;transport=tcp;x-foo=bar';
  b.requestUri = 'sip:bob.the.builder.with.a.long.name@[2001:db8::10]:5060';
  b.contact = '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>';
  b.pai = 'sip:+15551234567@carrier.example.net;user=phone';
  b.method = 'FROB';
  b.status = 480;
  b.reason = 'Blocked by 192.0.2.1';
  b.user = 'bob.the.builder.with.a.long.name';
  b.realm = 'PBX.example.org';
  b.userAgent = 'Zoiper rv2.10 — Ünïcode ✓';
  b.serverAgent = 'Asterisk PBX 20.5.0';
  b.trace = '>FROB <100 <480 >ACK';

  const c = new TrackEvent('parse-error', 1_715_677_400_000_000);
  c.client = { ip: '203.0.113.99', port: 40000 };
  // Not an IPv4-mapped address: in ip mode full the probe itself decrypts ::ffff:a.b.c.d to a.b.c.d.
  c.server = { ip: 'fd00:1:2:3::1', port: 5060 };
  c.errorCode = 'sip.internal';
  c.errorMessage = 'TypeError: bad header "From: <sip:carol@example.org>"';
  c.payloadPrefix = '474554202f737461722d313233343536';

  const d = new TrackEvent('reg-new', 1_715_677_500_000_000);
  d.client = { ip: '192.0.2.33', port: 5060 };
  d.server = { ip: '192.0.2.1', port: 5060 };
  d.callId = 'reg-1@192.0.2.33';
  d.from = d.to = d.requestUri = 'sip:dave@example.com';
  d.contact = 'sip:dave@[2001:db8::33]:5060;transport=udp';
  d.expires = 3600;
  d.user = 'dave';
  return [a, b, c, d];
}

/** Documents are JSON in the browser; also turns the vm realm's objects into this realm's for deepEqual. */
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('browser decryptor bundle', () => {
  let dir: string;
  let plugin: (root: string) => Plugin;
  let esmChunk: string;
  let esmOutputs: Metafile['outputs'];
  let ctx: vm.Context;
  let api: DecryptorModule;
  const opts = (): BuildOptions => ({ absWorkingDir: REPO_ROOT, bundle: true, platform: 'browser', target: ['chrome110', 'firefox115', 'safari16'], logLevel: 'silent', plugins: [plugin(REPO_ROOT)] });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipsentry-ui-decrypt-'));
    plugin = ((await import(pathToFileURL(join(REPO_ROOT, 'ui', 'build', 'privacy-browser.mjs')).href)) as { privacyBrowserPlugin: (root: string) => Plugin }).privacyBrowserPlugin;
    // As scripts/build-ui.mjs builds it (ESM, splitting, minified), from a page that loads the decryptor lazily.
    const app = join(dir, 'app.js');
    writeFileSync(app, `export const load = () => import(${JSON.stringify(join(REPO_ROOT, ENTRY))});\n`);
    const esm = await build({ ...opts(), entryPoints: { app }, outdir: join(dir, 'esm'), format: 'esm', splitting: true, minify: true, metafile: true });
    esmOutputs = esm.metafile.outputs;
    const chunk = Object.keys(esmOutputs).find((f) => esmOutputs[f]!.entryPoint === ENTRY);
    assert.ok(chunk !== undefined, 'the decryptor is a chunk of its own');
    esmChunk = readFileSync(join(REPO_ROOT, chunk), 'utf8');
    // The same modules as a classic script, to run in a context that has only browser globals.
    await build({ ...opts(), entryPoints: [ENTRY], outfile: join(dir, 'iife.js'), format: 'iife', globalName: 'sipsentryDecryptor' });
    // Only globals a page has and the bundle uses: no Buffer, process, require.
    ctx = vm.createContext({ crypto: webcrypto, TextEncoder, TextDecoder, structuredClone });
    vm.runInContext(readFileSync(join(dir, 'iife.js'), 'utf8'), ctx, { filename: 'decryptor-iife.js' });
    api = ctx.sipsentryDecryptor as DecryptorModule;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has no Node imports and runs without Node globals', (t) => {
    const outputs = Object.keys(esmOutputs).filter((f) => f.endsWith('.js'));
    for (const code of [...outputs.map((f) => readFileSync(join(REPO_ROOT, f), 'utf8')), readFileSync(join(dir, 'iife.js'), 'utf8')]) {
      assert.doesNotMatch(code, /["'`]node:/);
      assert.doesNotMatch(code, /\brequire\s*\(/);
    }
    assert.equal(vm.runInContext('[typeof Buffer, typeof process, typeof require, typeof global, typeof module].join()', ctx), 'undefined,undefined,undefined,undefined,undefined');
    assert.equal(typeof api.makeDecryptor, 'function');
    t.diagnostic(`decryptor chunk, ESM minified: ${esmChunk.length} bytes`);
  });

  it('the page loads none of it (nor the Buffer polyfill) until the decryptor is imported', () => {
    const entry = Object.entries(esmOutputs).find(([, o]) => o.entryPoint !== undefined && o.entryPoint !== ENTRY)!;
    const eager = [entry[0], ...entry[1].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)];
    for (const f of eager) {
      const inputs = Object.keys(esmOutputs[f]!.inputs);
      assert.ok(!inputs.some((i) => /buffer|@noble|src\/privacy|ui\/src/.test(i)), `${f} holds ${inputs.join(', ')}`);
    }
  });

  it('an unshimmed Node import fails the build', async () => {
    await assert.rejects(
      build({ ...opts(), stdin: { contents: "import 'node:path';", resolveDir: REPO_ROOT }, write: false, format: 'esm' }),
      /node:path has no browser shim/,
    );
  });

  it('key ids match the probe’s, hex and base64', () => {
    assert.equal(api.makeDecryptor(HEX_A).keyId, KEY_A.id);
    assert.equal(api.makeDecryptor(`  ${B64_B}\n`).keyId, KEY_B.id);
    assert.throws(() => api.makeDecryptor('not a key'), (err: Error) => err.name === 'KeyError' && /pasted key: not a 256-bit key/.test(err.message));
  });

  for (const ipMode of ['prefix', 'full'] as const) {
    it(`decrypts every group, ip mode ${ipMode}, exactly as the probe's DocumentDecryptor`, () => {
      const probe = new DocumentDecryptor(new KeyRing([KEY_A]));
      const browser = api.makeDecryptor(HEX_A);
      const enc = createEncryptor({ groups: GROUPS, key: KEY_A, ipMode });
      const plain = samples();
      samples().forEach((e, i) => {
        enc(e);
        const doc = ecsOf(e);
        const before = json(doc);
        const expected = toEcs(plain[i]!);
        assert.notEqual((doc.client as { ip: string }).ip, (expected.client as { ip: string }).ip, 'encrypted');
        const mine = probe.decrypt(doc);
        assert.deepEqual(mine, expected, `probe, sample ${i}`);
        const got = browser.decryptDoc(doc);
        assert.deepEqual(json(got), json(mine), `browser, sample ${i}`);
        assert.deepEqual(json(got), json(expected));
        assert.deepEqual(json(doc), before, 'input document unchanged');
      });
    });
  }

  it('a wrong key throws an Error naming both key ids', () => {
    const e = samples()[0]!;
    createEncryptor({ groups: GROUPS, key: KEY_A })(e);
    const doc = ecsOf(e);
    const VmError = vm.runInContext('Error', ctx) as ErrorConstructor;
    assert.throws(
      () => api.makeDecryptor(B64_B).decryptDoc(doc),
      (err: Error) => err instanceof VmError && err.message.includes(KEY_A.id) && err.message.includes(KEY_B.id),
    );
  });

  it('decryptIp and decryptCallId round-trip; non-ciphertexts give null', () => {
    const d = api.makeDecryptor(HEX_A);
    const wrong = api.makeDecryptor(B64_B);
    for (const ipMode of ['prefix', 'full'] as const) {
      const c = createEncryptor({ groups: ['ips'], key: KEY_A, ipMode }).ciphers;
      for (const ip of ['192.0.2.10', '10.1.2.3', '2001:db8::5', 'fe80::1:2ff:fe33:4455']) {
        const ct = c.ip(ip);
        assert.notEqual(ct, ip);
        assert.equal(d.decryptIp(ct, ipMode), ip, `${ip} ${ipMode}`);
      }
      assert.equal(d.decryptIp('not an address', ipMode), null);
    }
    assert.equal(d.decryptIp(createEncryptor({ groups: ['ips'], key: KEY_A }).ciphers.ip('192.0.2.77')), '192.0.2.77', 'prefix by default');
    const c = createEncryptor({ groups: ['call_id'], key: KEY_A }).ciphers;
    for (const id of ['3c26700a1a3a@192.0.2.10', 'x', 'a'.repeat(200) + '@host']) {
      assert.equal(d.decryptCallId(c.callId(id)), id);
      assert.equal(wrong.decryptCallId(c.callId(id)), null);
    }
    assert.equal(d.decryptCallId('3c26700a1a3a@192.0.2.10'), null);
  });

  it('a passphrase gives the probe’s key (scrypt N, r, p honoured)', () => {
    const pass = 'correct horse – bättery staple';
    const key = keyFromPassphrase(pass, 'site-salt', 'test', FAST);
    const d = api.makeDecryptorFromPassphrase(pass, 'site-salt', FAST);
    assert.equal(d.keyId, key.id);
    assert.notEqual(api.makeDecryptorFromPassphrase(pass, 'site-salt', { N: 2048, r: 8, p: 1 }).keyId, key.id);
    assert.equal(api.makeDecryptorFromPassphrase(pass, 'site-salt', { N: 1024, r: 4, p: 2 }).keyId, keyFromPassphrase(pass, 'site-salt', 'test', { N: 1024, r: 4, p: 2 }).id);
    const e = samples()[1]!;
    createEncryptor({ groups: GROUPS, key, ipMode: 'full' })(e);
    assert.deepEqual(json(d.decryptDoc(ecsOf(e))), json(toEcs(samples()[1]!)));
  });
});
