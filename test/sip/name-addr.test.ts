import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { crlf } from './samples.js';

/** A response carrying the given extra header lines (From/To supplied unless overridden). */
function msg(lines: string[]) {
  const hasFrom = lines.some((l) => /^(from|f)\s*:/i.test(l));
  const hasTo = lines.some((l) => /^(to|t)\s*:/i.test(l));
  const b = crlf([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
    ...(hasFrom ? [] : ['From: <sip:alice@atlanta.com>;tag=1']),
    ...(hasTo ? [] : ['To: <sip:bob@biloxi.com>']),
    'Call-ID: na@x',
    'CSeq: 1 INVITE',
    ...lines,
    '',
    '',
  ]);
  return parseSipMessage(b, 0, b.length);
}

test('name-addr with token display name, tag and other params', () => {
  const m = msg(['From: Alice Liddell <sip:alice@atlanta.com;transport=tcp>;tag=1928301774;x-flag;Q=0.5']);
  assert.deepEqual(m.from, {
    displayName: 'Alice Liddell',
    uri: 'sip:alice@atlanta.com;transport=tcp',
    tag: '1928301774',
    params: { tag: '1928301774', 'x-flag': '', q: '0.5' },
  });
});

test('quoted display name with escapes (RFC 3261 §25.1 quoted-pair)', () => {
  const m = msg(['To: "J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8']);
  assert.deepEqual(m.to, {
    displayName: 'J Rosenberg \\"',
    uri: 'sip:jdrosen@example.com',
    tag: '98asjd8',
    params: { tag: '98asjd8' },
  });
});

test('quoted display name with commas, semicolons and angle brackets inside', () => {
  const m = msg(['From: "Doe, John; <boss>" <sip:jd@example.com>;tag=a']);
  assert.equal(m.from?.displayName, 'Doe, John; <boss>');
  assert.equal(m.from?.uri, 'sip:jd@example.com');
  assert.equal(m.from?.tag, 'a');
});

test('UTF-8 display names are decoded as UTF-8', () => {
  const m = msg(['From: "Zoë Ørsted" <sip:zoe@example.com>;tag=u', 'To: Jürgen <sip:j@example.com>']);
  assert.equal(m.from?.displayName, 'Zoë Ørsted');
  assert.equal(m.to?.displayName, 'Jürgen');
});

test('empty quoted display name is "" and no display name is null', () => {
  const m = msg(['From: "" <sip:anon@example.com>;tag=z', 'To: <sip:bob@biloxi.com>']);
  assert.equal(m.from?.displayName, '');
  assert.equal(m.to?.displayName, null);
});

test('addr-spec without angle brackets: parameters belong to the header (RFC 3261 §20.10)', () => {
  const m = msg(['From: sip:alice@atlanta.com;tag=88sja8x;user=phone', 'To: sip:+12125551212@server.phone2net.com']);
  assert.deepEqual(m.from, { displayName: null, uri: 'sip:alice@atlanta.com', tag: '88sja8x', params: { tag: '88sja8x', user: 'phone' } });
  assert.deepEqual(m.to, { displayName: null, uri: 'sip:+12125551212@server.phone2net.com', tag: null, params: {} });
});

test('display name directly followed by < (no space), as scanners send it', () => {
  const m = msg(['From: "sipvicious"<sip:100@1.1.1.1>;tag=6438663139613632', 'To: 011972599501806<sip:011972599501806@131.243.4.150>']);
  assert.equal(m.from?.displayName, 'sipvicious');
  assert.equal(m.from?.tag, '6438663139613632');
  assert.equal(m.to?.displayName, '011972599501806');
  assert.equal(m.to?.uri, 'sip:011972599501806@131.243.4.150');
});

test('quoted tag value is unquoted; first of repeated params wins; __proto__ ignored', () => {
  const m = msg(['From: <sip:a@x>;tag="q t";tag=second;__proto__=x;constructor=y']);
  assert.equal(m.from?.tag, 'q t');
  assert.deepEqual(m.from?.params, { tag: 'q t', constructor: 'y' });
  assert.equal(Object.getPrototypeOf(m.from?.params), Object.prototype);
});

test('unparseable From/To -> null (message still usable)', () => {
  for (const v of ['', '<sip:unterminated@x', '"unterminated <sip:a@b>', '"name" sip:no-brackets@x', '<>']) {
    const m = msg([`From: ${v}`]);
    assert.equal(m.from, null, v);
    assert.equal(m.callId, 'na@x', v);
  }
});

test('P-Asserted-Identity: first identity of a comma list', () => {
  const m = msg(['P-Asserted-Identity: "Cullen Jennings" <sip:fluffy@cisco.com>, <tel:+14085264000>']);
  assert.deepEqual(m.pai, { displayName: 'Cullen Jennings', uri: 'sip:fluffy@cisco.com', tag: null, params: {} });
  assert.equal(msg([]).pai, null);
});

test('Contact: comma lists and repeated headers, commas inside quotes and <> do not split', () => {
  const m = msg([
    'Contact: "Mr. Watson, Jr." <sip:watson@worcester.bell-telephone.com;a=1,2>;q=0.7; expires=3600,',
    '  "Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1',
    'm: <sip:w@192.0.2.9:5070>;expires=0;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"',
  ]);
  assert.deepEqual(m.contacts, [
    { star: false, displayName: 'Mr. Watson, Jr.', uri: 'sip:watson@worcester.bell-telephone.com;a=1,2', expires: 3600, params: { q: '0.7', expires: '3600' } },
    { star: false, displayName: 'Mr. Watson', uri: 'mailto:watson@bell-telephone.com', expires: null, params: { q: '0.1' } },
    { star: false, displayName: null, uri: 'sip:w@192.0.2.9:5070', expires: 0, params: { expires: '0', '+sip.instance': '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>' } },
  ]);
});

test('Contact: * (remove all bindings) and invalid expires values', () => {
  const star = msg(['Contact: *', 'Expires: 0']);
  assert.deepEqual(star.contacts, [{ star: true, displayName: null, uri: '*', expires: null, params: {} }]);
  assert.equal(star.expires, 0);
  const bad = msg(['Contact: <sip:a@b>;expires=soon, <sip:c@d>;expires=99999999999, <sip:e@f>;expires']);
  assert.deepEqual(bad.contacts.map((c) => c.expires), [null, null, null]);
  assert.equal(msg([]).contacts.length, 0);
});

test('Contact list with an unparseable element keeps the others', () => {
  const m = msg(['Contact: <sip:a@b>, <>, ;x=1, sip:c@d;expires=60']);
  assert.deepEqual(m.contacts.map((c) => c.uri), ['sip:a@b', 'sip:c@d']);
});

test('getters are cached: the same object on every access', () => {
  const m = msg(['Contact: <sip:a@b>']);
  assert.equal(m.from, m.from);
  assert.equal(m.contacts, m.contacts);
  assert.equal(m.vias, m.vias);
});
