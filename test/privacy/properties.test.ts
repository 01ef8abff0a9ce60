/**
 * Properties (fast-check): every cipher round-trips; Crypto-PAn and the user-part cipher keep
 * exactly the common prefix of their inputs (no more, no less); encrypted URIs are still URIs;
 * a wrong key never decrypts an authenticated value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FieldCiphers } from '../../src/privacy/ciphers.js';
import { CryptoPan } from '../../src/privacy/crypto-pan.js';
import { formatIp, parseIp } from '../../src/decode/ip/ip-text.js';
import { PrefixCipher } from '../../src/privacy/prefix-cipher.js';
import { normalizeUri } from '../../src/privacy/uri.js';
import { parseUri } from '../../src/sip/uri.js';
import { KEY_A, KEY_B } from './helpers.js';

// Seeded so CI runs are reproducible; change the seed to explore further.
const RUNS = { numRuns: 300, seed: 5297 };
const prefixMode = new FieldCiphers(KEY_A, 'prefix');
const fullMode = new FieldCiphers(KEY_A, 'full');
const otherKey = new FieldCiphers(KEY_B, 'prefix');

/** Number of leading bits two equal-length byte strings share. */
function commonBits(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return n * 8;
}

/** Pairs of byte strings of one length that share exactly `k` leading bits (or are equal). */
function pairSharing(len: number): fc.Arbitrary<[Uint8Array, Uint8Array]> {
  return fc.tuple(fc.uint8Array({ minLength: len, maxLength: len }), fc.uint8Array({ minLength: len, maxLength: len }), fc.integer({ min: 0, max: len * 8 })).map(([a, rnd, k]) => {
    if (k === len * 8) return [a, Uint8Array.from(a)] as [Uint8Array, Uint8Array];
    const b = Uint8Array.from(a);
    for (let i = k + 1; i < len * 8; i++) {
      const bit = (rnd[i >>> 3]! >>> (7 - (i & 7))) & 1;
      b[i >>> 3] = (b[i >>> 3]! & ~(0x80 >>> (i & 7))) | (bit << (7 - (i & 7)));
    }
    b[k >>> 3]! ^= 0x80 >>> (k & 7);
    return [a, b] as [Uint8Array, Uint8Array];
  });
}

describe('IP addresses', () => {
  const pan = new CryptoPan(KEY_A.subkey('ip/crypto-pan', 32));
  for (const len of [4, 16]) {
    it(`Crypto-PAn keeps exactly the common prefix (IPv${len === 4 ? 4 : 6})`, () => {
      fc.assert(
        fc.property(pairSharing(len), ([a, b]) => {
          const ea = pan.encrypt(Buffer.from(a));
          const eb = pan.encrypt(Buffer.from(b));
          assert.equal(commonBits(ea, eb), commonBits(a, b));
          assert.deepEqual(pan.decrypt(ea), Buffer.from(a));
        }),
        RUNS,
      );
    });
  }
  it('round trip, both modes, both families (text in RFC 5952 form)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const canonical = formatIp(parseIp(ip)!);
        for (const c of [prefixMode, fullMode]) {
          const e = c.ip(canonical);
          assert.ok(parseIp(e), `not an address: ${e}`);
          assert.equal(c.decryptIp(e), canonical);
        }
        // Prefix mode keeps the family; the result is a valid address of it.
        assert.equal(parseIp(prefixMode.ip(canonical))!.length, parseIp(canonical)!.length);
      }),
      RUNS,
    );
  });
  it('a network encrypts to the network of its addresses', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, len) => {
        const net = prefixMode.ipNetwork(`${ip}/${len}`);
        const [addr, l] = net.split('/');
        assert.equal(Number(l), len);
        assert.ok(commonBits(parseIp(addr!)!, parseIp(prefixMode.ip(ip))!) >= len);
      }),
      RUNS,
    );
  });
});

describe('user parts', () => {
  const pc = new PrefixCipher(KEY_A.subkey('user', 64));
  it('keep exactly the common prefix of their bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => pairSharing(n)), ([a, b]) => {
        const ea = pc.encrypt(a);
        assert.equal(commonBits(ea, pc.encrypt(b)), commonBits(a, b));
        assert.equal(ea.length, a.length);
        assert.deepEqual(pc.decrypt(ea), Buffer.from(a));
      }),
      RUNS,
    );
  });
  it('a string prefix encrypts to a prefix of the ciphertext (dialled-number prefixes)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }), (p, rest) => {
        assert.ok(prefixMode.user(p + rest).startsWith(prefixMode.user(p)));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[0-9]{1,15}$/), fc.integer({ min: 0, max: 15 }), (num, k) => {
        const p = num.slice(0, k);
        assert.ok(prefixMode.user(num).startsWith(prefixMode.user(p)));
      }),
      RUNS,
    );
  });
  it('round trip any Unicode text; output is lower-case hex', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const e = prefixMode.user(s);
        assert.match(e, /^(?:[0-9a-f]{2})*$/);
        assert.equal(prefixMode.decryptUser(e), s);
      }),
      RUNS,
    );
  });
});

const USER = fc.stringMatching(/^(?:[A-Za-z0-9\-_.!~*'()&=+$,/]|%[0-9A-F]{2}){1,20}$/);
const LABEL = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/);
const HOST = fc.oneof(
  fc.array(LABEL, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
  fc.ipV4(),
  fc.ipV6().map((v) => `[${v}]`),
);
const PARAM = fc.oneof(
  fc.constantFrom('lr', 'ob', 'transport=udp', 'transport=TCP', 'user=phone', 'method=INVITE'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(?:=[A-Za-z0-9.:\-_+]{0,12})?$/),
);
const SIP_URI = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips', 'SIP'),
    user: fc.option(USER),
    password: fc.option(fc.stringMatching(/^[A-Za-z0-9]{0,8}$/)),
    host: HOST,
    port: fc.option(fc.integer({ min: 0, max: 65535 })),
    params: fc.array(PARAM, { maxLength: 4 }),
    headers: fc.option(fc.stringMatching(/^[A-Za-z]{1,8}=[A-Za-z0-9%]{0,12}(?:&[A-Za-z]{1,8}=[A-Za-z0-9]{0,8})?$/)),
  })
  .map((u) => {
    let s = u.scheme + ':';
    if (u.user !== null) s += u.user + (u.password !== null ? ':' + u.password : '') + '@';
    s += u.host + (u.port !== null ? ':' + u.port : '');
    for (const p of u.params) s += ';' + p;
    if (u.headers !== null) s += '?' + u.headers;
    return s;
  });
const TEL_URI = fc.tuple(fc.stringMatching(/^\+?[0-9]{3,15}$/), fc.array(PARAM, { maxLength: 2 })).map(([n, p]) => 'tel:' + n + p.map((x) => ';' + x).join(''));

describe('URIs', () => {
  it('round trip to the normalised spelling, and stay URIs the parser reads', () => {
    fc.assert(
      fc.property(fc.oneof(SIP_URI, TEL_URI), (uri) => {
        for (const c of [prefixMode, fullMode]) {
          const e = c.uri(uri);
          assert.equal(c.decryptUri(e), normalizeUri(uri), `${uri} → ${e}`);
          const parsed = parseUri(e);
          assert.ok(parsed, `not a URI: ${e}`);
          const plain = parseUri(uri)!;
          assert.equal(parsed.scheme, plain.scheme);
          assert.equal(parsed.port, plain.port);
          if (plain.user !== null) assert.match(parsed.user ?? '', /^(?:[0-9a-f]{2})*$/);
        }
      }),
      RUNS,
    );
  });
  it('user and host are encrypted apart: same host or same user give the same part', () => {
    fc.assert(
      fc.property(USER, USER, HOST, (u1, u2, host) => {
        const a = prefixMode.uri(`sip:${u1}@${host}`);
        const b = prefixMode.uri(`sip:${u2}@${host}`);
        assert.equal(a.slice(a.indexOf('@')), b.slice(b.indexOf('@')));
        assert.equal(a.slice(4, a.indexOf('@')), prefixMode.user(u1));
      }),
      RUNS,
    );
  });
  it('any text round-trips (what does not split as a URI is encrypted whole)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        assert.equal(prefixMode.decryptUri(prefixMode.uri(s)), normalizeUri(s));
      }),
      RUNS,
    );
  });
});

describe('authenticated values (Call-ID, User-Agent, hosts, residual text)', () => {
  it('round trip, equal inputs give equal outputs, and another key fails cleanly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
        assert.equal(prefixMode.decryptCallId(prefixMode.callId(s)), s);
        assert.equal(prefixMode.callId(s), new FieldCiphers(KEY_A).callId(s));
        assert.equal(prefixMode.decryptUserAgent(prefixMode.userAgent(s)), s);
        assert.equal(prefixMode.decryptText(prefixMode.text(s)), s);
        assert.equal(prefixMode.decryptRealm(prefixMode.realm(s)), s);
        assert.match(prefixMode.callId(s), /^[a-z2-7]+$/);
        assert.equal(otherKey.decryptCallId(prefixMode.callId(s)), null);
        assert.equal(otherKey.decryptUserAgent(prefixMode.userAgent(s)), null);
        assert.equal(otherKey.decryptText(prefixMode.text(s)), null);
        // Purposes are separated: a Call-ID ciphertext is not a User-Agent ciphertext.
        assert.equal(prefixMode.decryptUserAgent(prefixMode.callId(s)), null);
      }),
      RUNS,
    );
  });
  it('host names are case-folded and become valid host names under .invalid', () => {
    fc.assert(
      // Dotted quads are addresses, which the address cipher handles (tested above), not host names.
      fc.property(fc.array(LABEL, { minLength: 1, maxLength: 6 }).map((l) => l.join('.')).filter((h) => !/^\d+(\.\d+){3}$/.test(h)), (h) => {
        const e = prefixMode.host(h);
        assert.equal(e, prefixMode.host(h.toUpperCase()));
        assert.match(e, /^(?:[a-z2-7]{1,63}\.)+invalid$/);
        assert.equal(prefixMode.decryptHost(e), h.toLowerCase());
      }),
      RUNS,
    );
  });
});
