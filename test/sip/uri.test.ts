import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUri } from '../../src/sip/uri.js';

test('sip URI with user, password, host, port, params and headers (RFC 3261 §19.1.3)', () => {
  assert.deepEqual(parseUri('sip:alice:secretword@atlanta.com;transport=tcp'), {
    scheme: 'sip', user: 'alice', password: 'secretword', host: 'atlanta.com', port: null, params: { transport: 'tcp' }, headers: null, opaque: null,
  });
  assert.deepEqual(parseUri('sips:alice@atlanta.com?subject=project%20x&priority=urgent'), {
    scheme: 'sips', user: 'alice', password: null, host: 'atlanta.com', port: null, params: {}, headers: 'subject=project%20x&priority=urgent', opaque: null,
  });
  assert.deepEqual(parseUri('sip:+1-212-555-1212:1234@gateway.com;user=phone'), {
    scheme: 'sip', user: '+1-212-555-1212', password: '1234', host: 'gateway.com', port: null, params: { user: 'phone' }, headers: null, opaque: null,
  });
  assert.deepEqual(parseUri('SIP:atlanta.com:5070;LR;Maddr=239.255.255.1;ttl=15'), {
    scheme: 'sip', user: null, password: null, host: 'atlanta.com', port: 5070, params: { lr: '', maddr: '239.255.255.1', ttl: '15' }, headers: null, opaque: null,
  });
  assert.deepEqual(parseUri('sip:alice;day=tuesday@atlanta.com'), {
    scheme: 'sip', user: 'alice;day=tuesday', password: null, host: 'atlanta.com', port: null, params: {}, headers: null, opaque: null,
  });
});

test('IPv6 references and bare IPv6 hosts', () => {
  assert.deepEqual(parseUri('sip:[2001:db8::10]:5070;transport=udp'), {
    scheme: 'sip', user: null, password: null, host: '2001:db8::10', port: 5070, params: { transport: 'udp' }, headers: null, opaque: null,
  });
  assert.equal(parseUri('sip:bob@[2001:db8::10]')?.host, '2001:db8::10');
  const bare = parseUri('sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0:5060');
  assert.equal(bare?.host, 'fe80:0:0:0:21a:a0ff:fe07:32e0');
  assert.equal(bare?.port, 5060);
  const compressed = parseUri('sip:bob@2001:db8::10;lr');
  assert.equal(compressed?.host, '2001:db8::10');
  assert.equal(compressed?.port, null);
  assert.deepEqual(compressed?.params, { lr: '' });
});

test('tel URI (RFC 3966)', () => {
  assert.deepEqual(parseUri('tel:+1-201-555-0123;phone-context=example.com'), {
    scheme: 'tel', user: '+1-201-555-0123', password: null, host: '', port: null, params: { 'phone-context': 'example.com' }, headers: null, opaque: null,
  });
  assert.equal(parseUri('TEL:7042')?.user, '7042');
});

test('other schemes keep the opaque part', () => {
  assert.deepEqual(parseUri('mailto:watson@bell-telephone.com'), {
    scheme: 'mailto', user: null, password: null, host: '', port: null, params: {}, headers: null, opaque: 'watson@bell-telephone.com',
  });
  assert.equal(parseUri('urn:service:sos')?.scheme, 'urn');
});

test('invalid URIs -> null', () => {
  for (const s of ['', 'alice@atlanta.com', ':nothing', 'sip:', 'sip:@', 'sip:host:99999', 'sip:host:12a', 'sip:[::1', 'sip:[]', 'sip:host junk', '1sip:x', 'si p:x', 'tel:', 'sip:[::1]x']) {
    assert.equal(parseUri(s), null, s);
  }
  assert.equal(parseUri('sip:' + 'a'.repeat(10000)), null);
  assert.equal(parseUri(undefined as unknown as string), null);
});

test('surrounding white space is ignored; first of repeated params wins', () => {
  const u = parseUri('  sip:bob@biloxi.com;transport=udp;transport=tcp  ');
  assert.equal(u?.host, 'biloxi.com');
  assert.deepEqual(u?.params, { transport: 'udp' });
});
