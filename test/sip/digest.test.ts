import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { crlf } from './samples.js';

function msg(start: string, lines: string[]) {
  const b = crlf([start, 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:bob@biloxi.com>;tag=1', 'To: <sip:bob@biloxi.com>', 'Call-ID: auth@x', 'CSeq: 2 REGISTER', ...lines, '', '']);
  return parseSipMessage(b, 0, b.length);
}
const REG = 'REGISTER sip:biloxi.com SIP/2.0';

test('Authorization: quoted and token values (RFC 3261 §22.4 / RFC 2617)', () => {
  const m = msg(REG, [
    'Authorization: Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5',
  ]);
  assert.deepEqual(m.credentials, {
    scheme: 'Digest',
    username: 'bob',
    realm: 'biloxi.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    uri: 'sip:biloxi.com',
    response: '6629fae49393a05397450978507c4ef1',
    algorithm: 'MD5',
    header: 'authorization',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
});

test('Authorization: any order, case-insensitive names and scheme, odd spacing, folded', () => {
  const m = msg(REG, ['Authorization: dIgEsT   RESPONSE = "abc" ,URI="sip:x",', '   Nonce="n\\"1" , UserName = "al\\\\ice",REALM=r.example.com']);
  const c = m.credentials;
  assert.equal(c?.scheme, 'Digest');
  assert.equal(c?.response, 'abc');
  assert.equal(c?.uri, 'sip:x');
  assert.equal(c?.nonce, 'n"1');
  assert.equal(c?.username, 'al\\ice');
  assert.equal(c?.realm, 'r.example.com');
  assert.equal(c?.algorithm, null);
});

test('Proxy-Authorization when there is no Authorization', () => {
  const m = msg('INVITE sip:bob@biloxi.com SIP/2.0', ['Proxy-Authorization: Digest username="alice", realm="atlanta.com", nonce="wf84f1ceczx41ae6cbe5aea9c8e88d359", uri="sip:bob@biloxi.com", response="42ce3cef44b22f50c6a6071bc8"']);
  assert.equal(m.credentials?.header, 'proxy-authorization');
  assert.equal(m.credentials?.username, 'alice');
  assert.equal(m.credentials?.response, '42ce3cef44b22f50c6a6071bc8');
});

test('Authorization wins over Proxy-Authorization; no credentials -> null', () => {
  const m = msg(REG, ['Proxy-Authorization: Digest username="p"', 'Authorization: Digest username="a"']);
  assert.equal(m.credentials?.header, 'authorization');
  assert.equal(m.credentials?.username, 'a');
  assert.equal(msg(REG, []).credentials, null);
});

test('non-Digest scheme and junk are tolerated', () => {
  const b = msg(REG, ['Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==']);
  assert.equal(b.credentials?.scheme, 'Basic');
  assert.equal(b.credentials?.username, null);
  const j = msg(REG, ['Authorization: Digest ,,, username="x" junk, =, realm=', 'X-After: 1']);
  assert.equal(j.credentials?.scheme, 'Digest');
  assert.equal(j.credentials?.username, 'x');
  assert.equal(j.credentials?.realm, '');
  assert.equal(msg(REG, ['Authorization: ']).credentials, null);
});

test('WWW-Authenticate challenge with stale=true / TRUE / "true" / false', () => {
  const start = 'SIP/2.0 401 Unauthorized';
  const a = msg(start, ['WWW-Authenticate: Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5']);
  assert.deepEqual(a.challenge, {
    scheme: 'Digest', realm: 'atlanta.com', nonce: 'f84f1cec41e6cbe5aea9c8e88d359', stale: false, header: 'www-authenticate',
    algorithm: 'MD5', qop: 'auth', opaque: '', domain: 'sip:boxesbybob.com',
  });
  assert.equal(msg(start, ['WWW-Authenticate: Digest realm="r", nonce="n", stale=true']).challenge?.stale, true);
  assert.equal(msg(start, ['WWW-Authenticate: Digest STALE=TRUE, realm="r"']).challenge?.stale, true);
  assert.equal(msg(start, ['WWW-Authenticate: Digest realm="r", stale="true"']).challenge?.stale, true);
  assert.equal(msg(start, ['WWW-Authenticate: Digest realm="r", stale=yes']).challenge?.stale, false);
});

test('Proxy-Authenticate when there is no WWW-Authenticate; first header wins', () => {
  const m = msg('SIP/2.0 407 Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="atlanta.com", nonce="first"', 'Proxy-Authenticate: Digest realm="other.com", nonce="second"']);
  assert.deepEqual(m.challenge, { scheme: 'Digest', realm: 'atlanta.com', nonce: 'first', stale: false, header: 'proxy-authenticate', algorithm: null, qop: null, opaque: null, domain: null });
  assert.equal(msg('SIP/2.0 200 OK', []).challenge, null);
});
