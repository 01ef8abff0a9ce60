/**
 * Known answers of sipsentry's own schemes, generated once with the first implementation and
 * frozen: a change here changes every ciphertext already in somebody's index. Do not regenerate
 * to make a failing test pass; a deliberate scheme change needs a new scheme tag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldCiphers } from '../../src/privacy/ciphers.js';
import { keyFromPassphrase } from '../../src/privacy/keys.js';
import { formatScheme } from '../../src/privacy/scheme.js';
import { KEY_A } from './helpers.js';

const KAT = {
  keyId: 'fedaa5af',
  scheme: 'fedaa5af/ips,uris,call_id,user,user_agent',
  ip: {
    '192.0.2.1': '193.248.60.193',
    '192.0.2.200': '193.248.60.72',
    '198.51.100.7': '198.77.107.252',
    '2001:db8::1': '1016:f9e9:5f00:1fff:7f8:24ff:3011:ff80',
    '2001:db8::2': '1016:f9e9:5f00:1fff:7f8:24ff:3011:ff82',
    'fe80::21a:a0ff:fe07:32e0': 'fe97:703f:1f8:c18:29a:acf7:9dff:2521',
  },
  ipNetwork: {
    '192.0.2.0/24': '193.248.60.0/24',
    '2001:db8::/32': '1016:f9e9::/32',
  },
  ipFull: {
    '192.0.2.1': 'f43c:66ae:65a:f855:7431:afcf:38b3:41a2',
    '2001:db8::1': '54a3:5151:a7f6:9668:396c:248d:1561:b77c',
  },
  user: {
    alice: '7efd2f4275',
    '+4930123456': '3880b4370be03701d3db52',
    '+49': '3880b4',
    '': '',
    José: '40898fc017',
    // Longer than 16 bytes: the tail goes through the CMAC chain.
    'a-very-long-user-name-0123456789': '7ea153700b808c8f7860993b11396b56f27042782177821ad1129438882532d0',
    '+493012345678901234': '3880b4370be03701d3db5204d62747e8ad0e73',
  },
  host: {
    'example.com': 'fe4lfb5yx67ioofs5kaujoibgfmo3mz4i7u4ca4ness6rmxw3a6q.invalid',
    'EXAMPLE.com': 'fe4lfb5yx67ioofs5kaujoibgfmo3mz4i7u4ca4ness6rmxw3a6q.invalid',
    '192.0.2.1': '193.248.60.193',
    '[2001:db8::1]': '1016:f9e9:5f00:1fff:7f8:24ff:3011:ff80',
  },
  uri: {
    'sip:alice@example.com': 'sip:7efd2f4275@fe4lfb5yx67ioofs5kaujoibgfmo3mz4i7u4ca4ness6rmxw3a6q.invalid',
    'sips:+4930123456@example.com:5061;transport=tls;maddr=192.0.2.9?Subject=x':
      'sips:3880b4370be03701d3db52@fe4lfb5yx67ioofs5kaujoibgfmo3mz4i7u4ca4ness6rmxw3a6q.invalid:5061;transport=tls;~xtecdevmbbqvkxa2zr53dgbgeti7yekjyp5wjrys7n4zfqg6wpla?~=ejnnihwgyca63nwm5fbia5yxjjzy3yqaviwknn723xgkpbhyaxaq',
    'tel:+15551234567;phone-context=example.com': 'tel:3885ac11148a56cb88102b18;~szzq3blllis6m2sq4jmz6vw35usqlzwn2oc4iirlhhr4b5ch3bsmw7rydzujbutacku7tvxizbkaw',
    'sip:192.0.2.1;lr': 'sip:193.248.60.193;lr',
    'urn:service:sos': 'sip:njkual45uyxvtujaxxeogrgfltg3n6ulcufpgktg55cd2k4leo4q.opaque-uri.invalid',
  },
  callId: {
    'a@b': 'hdgggeisbkwnj4fzu3xeynfiliiqjsquppookw675xko4r32a4qq',
    '3c26700a1a3a@192.0.2.1': 't4kiuhfdsfns4jovdtnfuitxdlm2i2spc2sqkwh6xspxfiux5j2mh34lie5j33q4vvriqsqbctnou',
  },
  userAgent: {
    'Yealink SIP-T46S 66.86.0.15': '2egwtojtizqifchuhht3wl4jhv4mog7xjzd2vxo2vlqkohmbassd25ukcsjxgucgln4abqiy2tasw',
  },
  realm: {
    'example.com': 'fe4lfb5yx67ioofs5kaujoibgfmo3mz4i7u4ca4ness6rmxw3a6q.invalid',
  },
  text: {
    'Forbidden by policy': '~klzryzzje3mx7qxgcaitlfwnauaona7teymv34li2t6k6cxmxk5mp6pwct7ycwmo5t345jnhyjxs6',
  },
} as const;

describe('known answers (key 000102…1f)', () => {
  const c = new FieldCiphers(KEY_A, 'prefix');
  const full = new FieldCiphers(KEY_A, 'full');
  const check = (table: Readonly<Record<string, string>>, enc: (v: string) => string, dec?: (v: string) => string | null, plain?: (v: string) => string): void => {
    for (const [p, e] of Object.entries(table)) {
      assert.equal(enc(p), e, `encrypt ${JSON.stringify(p)}`);
      if (dec) assert.equal(dec(e), plain ? plain(p) : p, `decrypt ${JSON.stringify(e)}`);
    }
  };

  it('key id and scheme tag', () => {
    assert.equal(KEY_A.id, KAT.keyId);
    assert.equal(formatScheme(KEY_A.id, ['user_agent', 'ips', 'user', 'uris', 'call_id'], 'prefix'), KAT.scheme);
  });
  it('IP addresses, Crypto-PAn', () => check(KAT.ip, (v) => c.ip(v), (v) => c.decryptIp(v)));
  it('networks, Crypto-PAn', () => check(KAT.ipNetwork, (v) => c.ipNetwork(v)));
  it('IP addresses, ipcrypt-deterministic', () => check(KAT.ipFull, (v) => full.ip(v), (v) => full.decryptIp(v)));
  it('users and URI user parts', () => check(KAT.user, (v) => c.user(v), (v) => c.decryptUser(v)));
  it('URI hosts', () => check(KAT.host, (v) => c.host(v), (v) => c.decryptHost(v), (v) => (v.startsWith('[') ? v.slice(1, -1) : v.toLowerCase())));
  it('URIs', () => check(KAT.uri, (v) => c.uri(v), (v) => c.decryptUri(v)));
  it('Call-IDs', () => check(KAT.callId, (v) => c.callId(v), (v) => c.decryptCallId(v)));
  it('User-Agents', () => check(KAT.userAgent, (v) => c.userAgent(v), (v) => c.decryptUserAgent(v)));
  it('realms', () => check(KAT.realm, (v) => c.realm(v), (v) => c.decryptRealm(v)));
  it('residual text', () => check(KAT.text, (v) => c.text(v), (v) => c.decryptText(v)));
  it('passphrase → key (scrypt N=2^17, r=8, p=1)', () => {
    const k = keyFromPassphrase('correct horse battery staple', 'sipsentry kat salt', 'kat');
    assert.equal(k.id, '5d4ee3f4');
  });
});
