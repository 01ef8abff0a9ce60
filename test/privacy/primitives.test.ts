/**
 * Published test vectors for the primitives the privacy stage builds on node:crypto:
 * AES-CMAC (RFC 4493 §4), AES-SIV (RFC 5297 appendix A), Crypto-PAn (the sample trace of the
 * reference distribution, and IPv6 results of an independent implementation of the same rule) and
 * ipcrypt-deterministic (draft-denis-ipcrypt test vectors).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode } from '../../src/privacy/base32.js';
import { AesCmac } from '../../src/privacy/cmac.js';
import { CryptoPan } from '../../src/privacy/crypto-pan.js';
import { formatIp, parseIp } from '../../src/decode/ip/ip-text.js';
import { IpcryptDeterministic } from '../../src/privacy/ipcrypt.js';
import { AesSiv } from '../../src/privacy/siv.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('AES-CMAC, RFC 4493 §4', () => {
  const key = hex('2b7e1516 28aed2a6 abf71588 09cf4f3c');
  const msg = hex(
    '6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51 30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710',
  );
  const cases: Array<[number, string]> = [
    [0, 'bb1d6929 e9593728 7fa37d12 9b756746'],
    [16, '070a16b4 6b4d4144 f79bdd9d d04a287c'],
    [40, 'dfa66747 de9ae630 30ca3261 1497c827'],
    [64, '51f0bebf 7e3b9d92 fc497417 79363cfe'],
  ];
  for (const [len, tag] of cases) {
    it(`Example with Mlen = ${len}`, () => {
      const cmac = new AesCmac(key);
      assert.equal(cmac.mac(msg.subarray(0, len)).toString('hex'), hex(tag).toString('hex'));
      // The reused CBC context must not carry state from one message to the next.
      assert.equal(cmac.mac(msg.subarray(0, len)).toString('hex'), hex(tag).toString('hex'));
    });
  }
});

describe('AES-SIV, RFC 5297 appendix A', () => {
  it('A.1 deterministic authenticated encryption', () => {
    const siv = new AesSiv(hex('fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff'));
    const ad = hex('10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627');
    const pt = hex('11223344 55667788 99aabbcc ddee');
    const out = siv.encrypt(pt, [ad]);
    assert.equal(out.toString('hex'), hex('85632d07 c6e8f37f 950acd32 0a2ecc93 40c02b96 90c4dc04 daef7f6a fe5c').toString('hex'));
    assert.deepEqual(siv.decrypt(out, [ad]), pt);
  });

  it('A.2 nonce-based authenticated encryption', () => {
    const siv = new AesSiv(hex('7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f'));
    const ad1 = hex('00112233 44556677 8899aabb ccddeeff deaddada deaddada ffeeddcc bbaa9988 77665544 33221100');
    const ad2 = hex('10203040 50607080 90a0');
    const nonce = hex('09f91102 9d74e35b d84156c5 635688c0');
    const pt = hex('74686973 20697320 736f6d65 20706c61 696e7465 78742074 6f20656e 63727970 74207573 696e6720 5349562d 414553');
    const out = siv.encrypt(pt, [ad1, ad2, nonce]);
    assert.equal(
      out.toString('hex'),
      hex('7bdb6e3b 432667eb 06f4d14b ff2fbd0f cb900f2f ddbe4043 26601965 c889bf17 dba77ceb 094fa663 b7a3f748 ba8af829 ea64ad54 4a272e9c 485b62a3 fd5c0d').toString('hex'),
    );
    assert.deepEqual(siv.decrypt(out, [ad1, ad2, nonce]), pt);
  });

  it('rejects an altered ciphertext, other associated data and a wrong key', () => {
    const key = hex('fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff');
    const siv = new AesSiv(key);
    const out = siv.encrypt(Buffer.from('hello'), []);
    const bad = Buffer.from(out);
    bad[bad.length - 1]! ^= 1;
    assert.equal(siv.decrypt(bad), null);
    assert.equal(siv.decrypt(out, [Buffer.from('x')]), null);
    const other = Buffer.from(key);
    other[0]! ^= 1;
    assert.equal(new AesSiv(other).decrypt(out), null);
    assert.equal(siv.decrypt(out.subarray(0, 15)), null);
  });
});

describe('AES-256 variants (the ones in use), cross-checked once against pyca/cryptography', () => {
  it('AES-CMAC with a 256-bit key', () => {
    const cmac = new AesCmac(Buffer.from(Array.from({ length: 32 }, (_, i) => i)));
    assert.equal(cmac.mac(Buffer.alloc(0)).toString('hex'), '6bf0a293d8cba0101f0089727691b7fb');
    assert.equal(cmac.mac(Buffer.alloc(16)).toString('hex'), '377822c09348ad3bcf3f1987bcf89b4a');
    assert.equal(cmac.mac(Buffer.from(Array.from({ length: 40 }, (_, i) => i))).toString('hex'), '7bae7a94c624d7aa58a7d2541eb8002b');
  });
  it('AEAD_AES_SIV_CMAC_512 without associated data', () => {
    const siv = new AesSiv(Buffer.from(Array.from({ length: 64 }, (_, i) => i)));
    const cases: Array<[string, string]> = [
      ['', 'd4fc53b9c44c2aeea87bfb8c983b136c'],
      ['a@b', 'c112fd445dafdbf5f1cb8bf1c44be9863e9c42'],
      [
        'c3eF6f58-363323Cd-8058EB88-10300252@fe80:0:0:0:21a:a0ff:fe07:32e0',
        '4317b0dab29f0cd998880bf66e2f95cd20b537edd2e6476a6f1ed5c17a3ae1aa9a161a9b9e7e5090f9568211f60ca20566df4fd682cc3382b1e237712130aa4213b5878d0456d99be2c552e9b46134a4fd',
      ],
    ];
    for (const [pt, ct] of cases) {
      assert.equal(siv.encrypt(Buffer.from(pt)).toString('hex'), ct, pt);
      assert.equal(siv.decrypt(Buffer.from(ct, 'hex'))?.toString(), pt);
    }
  });
});

/** Key of the Crypto-PAn reference distribution's sample. */
const PAN_KEY = Buffer.from([21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2]);

describe('Crypto-PAn', () => {
  const pan = new CryptoPan(PAN_KEY);
  // sample_trace_raw / sample_trace_sanitized of the reference implementation.
  const v4: Array<[string, string]> = [
    ['128.11.68.132', '135.242.180.132'],
    ['129.118.74.4', '134.136.186.123'],
    ['130.132.252.244', '133.68.164.234'],
    ['141.223.7.43', '141.167.8.160'],
    ['141.233.145.108', '141.129.237.235'],
    ['152.163.225.39', '151.140.114.167'],
    ['156.29.3.236', '147.225.12.42'],
    ['165.247.96.84', '162.9.99.234'],
    ['166.107.77.190', '160.132.178.185'],
    ['192.102.249.13', '252.138.62.131'],
    ['192.215.32.125', '252.43.47.189'],
    ['192.233.80.103', '252.25.108.8'],
    ['192.41.57.43', '252.222.221.184'],
    ['193.150.244.223', '253.169.52.216'],
    ['195.205.63.100', '255.186.223.5'],
    ['24.0.250.221', '100.15.198.226'],
    ['4.3.88.225', '124.60.155.63'],
    ['64.14.118.196', '0.255.183.58'],
    ['10.185.25.118', '117.161.29.118'],
  ];
  it('IPv4: the reference sample trace', () => {
    for (const [plain, anon] of v4) {
      assert.equal(formatIp(pan.encrypt(parseIp(plain)!)), anon, plain);
      assert.equal(formatIp(pan.decrypt(parseIp(anon)!)), plain, anon);
    }
  });
  it('IPv6: the same rule over 128 bits', () => {
    const v6: Array<[string, string]> = [
      ['::1', '78ff:f001:9fc0:20df:8380:b1f1:704:ed'],
      ['::2', '78ff:f001:9fc0:20df:8380:b1f1:704:ef'],
      ['::ffff', '78ff:f001:9fc0:20df:8380:b1f1:704:f838'],
      ['2001:db8::1', '4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e'],
      ['2001:db8::2', '4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c'],
    ];
    for (const [plain, anon] of v6) {
      assert.equal(formatIp(pan.encrypt(parseIp(plain)!)), anon, plain);
      assert.equal(formatIp(pan.decrypt(parseIp(anon)!)), plain, anon);
    }
  });
});

describe('ipcrypt-deterministic, draft-denis-ipcrypt test vectors', () => {
  const cases: Array<[string, string, string]> = [
    ['0123456789abcdeffedcba9876543210', '0.0.0.0', 'bde9:6789:d353:824c:d7c6:f58a:6bd2:26eb'],
    ['1032547698badcfeefcdab8967452301', '255.255.255.255', 'aed2:92f6:ea23:58c3:48fd:8b8:74e8:45d8'],
    ['2b7e151628aed2a6abf7158809cf4f3c', '192.0.2.1', '1dbd:c1b9:fff1:7586:7d0b:67b4:e76e:4777'],
  ];
  for (const [key, plain, enc] of cases) {
    it(`${plain}`, () => {
      const c = new IpcryptDeterministic(hex(key));
      assert.equal(formatIp(c.encrypt(parseIp(plain)!)), enc);
      assert.equal(formatIp(c.decrypt(parseIp(enc)!)), plain);
    });
  }
});

describe('base32 (RFC 4648 §10 vectors, lower case, no padding)', () => {
  const cases: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
  for (const [plain, enc] of cases) {
    it(JSON.stringify(plain), () => {
      assert.equal(base32Encode(Buffer.from(plain)), enc);
      assert.equal(base32Decode(enc)?.toString(), plain);
      assert.equal(base32Decode(enc.toUpperCase())?.toString(), plain);
    });
  }
  it('rejects foreign characters, impossible lengths and non-zero trailing bits', () => {
    assert.equal(base32Decode('mzxw1'), null);
    assert.equal(base32Decode('m'), null);
    assert.equal(base32Decode('mz'), null);
  });
});

describe('IP text', () => {
  it('parses and formats both families like the decoder', () => {
    for (const ip of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '::', '::1', '2001:db8::1', 'fe80::21a:a0ff:fe07:32e0', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '2001:db8:0:0:1::1']) {
      const b = parseIp(ip);
      assert.ok(b, ip);
      assert.equal(formatIp(b), ip === '2001:db8:0:0:1::1' ? '2001:db8::1:0:0:1' : ip);
    }
    assert.equal(formatIp(parseIp('FE80:0:0:0:21A:A0FF:FE07:32E0')!), 'fe80::21a:a0ff:fe07:32e0');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', '', '1.2.3.4 ', '::1.2.3']) {
      assert.equal(parseIp(bad), null, bad);
    }
  });
});
