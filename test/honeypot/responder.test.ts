import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/index.js';
import { BUILTIN_PERSONAS, MAX_RESPONSE_BYTES, personaOptionSchema, personaSchema, resolvePersona, respond, toTag } from '../../src/honeypot/index.js';
import type { Answer, Persona, ResponderContext } from '../../src/honeypot/index.js';

const KEY = Buffer.alloc(32, 7);
const SRC_IP = '192.0.2.7';
const SRC_PORT = 40000;
const SERVER = 'Server: Asterisk PBX 18.20.0';

function ctx(persona: Persona = resolvePersona('asterisk')): ResponderContext {
  let n = 0;
  return { persona, srcIp: SRC_IP, srcPort: SRC_PORT, tagKey: KEY, nonce: () => `nonce${++n}` };
}

/** A request from its header lines (CRLF added), ending with an empty line. */
function req(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
}

function answer(buf: Buffer, c: ResponderContext = ctx()): Answer {
  return respond(parseSipMessage(buf, 0, buf.length), c);
}

/** The responses as text (fails when nothing is answered). */
function texts(a: Answer): string[] {
  assert.equal(a.kind, 'answer', `expected an answer, got ${JSON.stringify(a)}`);
  return a.kind === 'answer' ? a.responses.map((b) => b.toString('utf8')) : [];
}

function lines(text: string): string[] {
  assert.ok(text.endsWith('\r\n\r\n'), 'response ends with an empty line');
  return text.slice(0, -4).split('\r\n');
}

/** A SIPVicious-style request (peers.md §5.1) with the given method, Request-URI and user. */
function vicious(method: string, uri: string, user: string, extra: string[] = [], callId = '1234567890'): Buffer {
  return req(
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-2103912345;rport',
    'Max-Forwards: 70',
    `To: "${user}"<sip:${user}@192.0.2.1>`,
    `From: "${user}"<sip:${user}@192.0.2.1>;tag=3130310131323334`,
    'User-Agent: friendly-scanner',
    `Call-ID: ${callId}`,
    'Contact: sip:100@10.0.0.5:5060',
    `CSeq: 1 ${method}`,
    'Accept: application/sdp',
    ...extra,
    'Content-Length: 0',
  );
}

const VIA_OUT = 'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-2103912345;received=192.0.2.7;rport=40000';
const TAG = toTag(KEY, '1234567890');

test('OPTIONS gets 200 with Allow, Accept, Supported and the persona Server, byte for byte', () => {
  const [r, ...more] = texts(answer(vicious('OPTIONS', 'sip:100@192.0.2.1', '100')));
  assert.equal(more.length, 0);
  assert.equal(
    r,
    [
      'SIP/2.0 200 OK',
      VIA_OUT,
      'From: "100"<sip:100@192.0.2.1>;tag=3130310131323334',
      `To: "100"<sip:100@192.0.2.1>;tag=${TAG}`,
      'Call-ID: 1234567890',
      'CSeq: 1 OPTIONS',
      'Allow: OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER',
      'Accept: application/sdp',
      'Supported: 100rel, timer, replaces, norefersub',
      SERVER,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
});

test('optionsStatus of the persona sets the OPTIONS status', () => {
  const p = resolvePersona({ name: 'asterisk', optionsStatus: 404 });
  assert.match(texts(answer(vicious('OPTIONS', 'sip:100@192.0.2.1', '100'), ctx(p)))[0]!, /^SIP\/2\.0 404 Not Found\r\n/);
});

test('REGISTER without credentials: 401 with a Digest challenge for a known user, 404 for an unknown one', () => {
  const p = resolvePersona({ name: 'asterisk', knownUsers: ['101', '105'] });
  const [r] = texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '101'), ctx(p)));
  assert.deepEqual(lines(r!), [
    'SIP/2.0 401 Unauthorized',
    VIA_OUT,
    'From: "101"<sip:101@192.0.2.1>;tag=3130310131323334',
    `To: "101"<sip:101@192.0.2.1>;tag=${TAG}`,
    'Call-ID: 1234567890',
    'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="asterisk", nonce="nonce1", algorithm=MD5, qop="auth"',
    SERVER,
    'Content-Length: 0',
  ]);
  const [nf] = texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '102'), ctx(p)));
  assert.deepEqual(lines(nf!), [
    'SIP/2.0 404 Not Found',
    VIA_OUT,
    'From: "102"<sip:102@192.0.2.1>;tag=3130310131323334',
    `To: "102"<sip:102@192.0.2.1>;tag=${TAG}`,
    'Call-ID: 1234567890',
    'CSeq: 1 REGISTER',
    SERVER,
    'Content-Length: 0',
  ]);
});

test('an empty knownUsers list makes every user known (challenged)', () => {
  assert.match(texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '3735928559')))[0]!, /^SIP\/2\.0 401 Unauthorized\r\n/);
});

test('every challenge carries a fresh nonce', () => {
  const c = ctx();
  const a = texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '101'), c))[0]!;
  const b = texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '101'), c))[0]!;
  assert.match(a, /nonce="nonce1"/);
  assert.match(b, /nonce="nonce2"/);
});

test('INVITE gets 100 Trying (no To tag) then 407 with Proxy-Authenticate', () => {
  const rs = texts(answer(vicious('INVITE', 'sip:0046123456@192.0.2.1', '100')));
  assert.equal(rs.length, 2);
  assert.deepEqual(lines(rs[0]!), [
    'SIP/2.0 100 Trying',
    VIA_OUT,
    'From: "100"<sip:100@192.0.2.1>;tag=3130310131323334',
    'To: "100"<sip:100@192.0.2.1>',
    'Call-ID: 1234567890',
    'CSeq: 1 INVITE',
    SERVER,
    'Content-Length: 0',
  ]);
  assert.deepEqual(lines(rs[1]!), [
    'SIP/2.0 407 Proxy Authentication Required',
    VIA_OUT,
    'From: "100"<sip:100@192.0.2.1>;tag=3130310131323334',
    `To: "100"<sip:100@192.0.2.1>;tag=${TAG}`,
    'Call-ID: 1234567890',
    'CSeq: 1 INVITE',
    'Proxy-Authenticate: Digest realm="asterisk", nonce="nonce1", algorithm=MD5, qop="auth"',
    SERVER,
    'Content-Length: 0',
  ]);
});

test('INVITE to an unknown Request-URI user: 100 then 404', () => {
  const p = resolvePersona({ name: 'asterisk', knownUsers: ['101'] });
  const rs = texts(answer(vicious('INVITE', 'sip:999@192.0.2.1', '101'), ctx(p)));
  assert.deepEqual(rs.map((r) => r.split('\r\n')[0]), ['SIP/2.0 100 Trying', 'SIP/2.0 404 Not Found']);
  const known = texts(answer(vicious('INVITE', 'sip:101@192.0.2.1', '999'), ctx(p)));
  assert.deepEqual(known.map((r) => r.split('\r\n')[0]), ['SIP/2.0 100 Trying', 'SIP/2.0 407 Proxy Authentication Required']);
});

test('SUBSCRIBE and MESSAGE without credentials get 407', () => {
  for (const method of ['SUBSCRIBE', 'MESSAGE']) {
    const [r] = texts(answer(vicious(method, 'sip:100@192.0.2.1', '100')));
    assert.match(r!, /^SIP\/2\.0 407 Proxy Authentication Required\r\n/);
    assert.match(r!, /\r\nProxy-Authenticate: Digest realm="asterisk", nonce="nonce1", algorithm=MD5, qop="auth"\r\n/);
  }
});

test('credentials are always refused with 403, whatever they contain', () => {
  const auth = 'Authorization: Digest username="101", realm="asterisk", nonce="nonce1", uri="sip:192.0.2.1", response="6629fae49393a05397450978507c4ef1", algorithm=MD5';
  const [r] = texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '101', [auth])));
  assert.deepEqual(lines(r!), [
    'SIP/2.0 403 Forbidden',
    VIA_OUT,
    'From: "101"<sip:101@192.0.2.1>;tag=3130310131323334',
    `To: "101"<sip:101@192.0.2.1>;tag=${TAG}`,
    'Call-ID: 1234567890',
    'CSeq: 1 REGISTER',
    SERVER,
    'Content-Length: 0',
  ]);
  const proxy = texts(answer(vicious('INVITE', 'sip:100@192.0.2.1', '100', ['Proxy-Authorization: Digest garbage'])));
  assert.deepEqual(proxy.map((x) => x.split('\r\n')[0]), ['SIP/2.0 100 Trying', 'SIP/2.0 403 Forbidden']);
});

test('ACK, responses and malformed requests get nothing', () => {
  assert.deepEqual(answer(vicious('ACK', 'sip:100@192.0.2.1', '100')), { kind: 'none' });
  const response = req('SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>;tag=2', 'Call-ID: x', 'CSeq: 1 OPTIONS', 'Content-Length: 0');
  assert.deepEqual(answer(response), { kind: 'none' });
  const badLine = req('OPTIONS sip:100@192.0.2.1', 'Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS');
  assert.equal(answer(badLine).kind, 'malformed');
  const http = req('GET / HTTP/1.1', 'Host: example.org');
  assert.equal(answer(http).kind, 'malformed');
  for (const drop of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const all = ['Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS'];
    const a = answer(req('OPTIONS sip:100@192.0.2.1 SIP/2.0', ...all.filter((h) => !h.startsWith(drop + ':'))));
    assert.equal(a.kind, 'malformed', `without ${drop}`);
  }
  const unparseableVia = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: garbage', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS');
  assert.equal(answer(unparseableVia).kind, 'malformed');
  const mismatch = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 INVITE');
  assert.equal(answer(mismatch).kind, 'malformed');
});

test('a bare CR inside a copied header is not reflected', () => {
  const injected = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1\rX-Injected: yes', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS');
  assert.equal(answer(injected).kind, 'malformed');
});

test('CANCEL gets 200 with the To tag of the INVITE; BYE gets 481', () => {
  const invite = texts(answer(vicious('INVITE', 'sip:100@192.0.2.1', '100')))[1]!;
  const [cancel] = texts(answer(vicious('CANCEL', 'sip:100@192.0.2.1', '100')));
  assert.match(cancel!, /^SIP\/2\.0 200 OK\r\n/);
  assert.match(cancel!, /\r\nCSeq: 1 CANCEL\r\n/);
  const tagOf = (r: string) => /\r\nTo: [^\r]*;tag=([0-9a-f]+)\r\n/.exec(r)?.[1];
  assert.equal(tagOf(cancel!), tagOf(invite));
  const [bye] = texts(answer(vicious('BYE', 'sip:100@192.0.2.1', '100')));
  assert.match(bye!, /^SIP\/2\.0 481 Call\/Transaction Does Not Exist\r\n/);
});

test('unknown methods get 501; known methods the persona does not allow get 405 with Allow', () => {
  const [r501] = texts(answer(vicious('FOO', 'sip:100@192.0.2.1', '100')));
  assert.match(r501!, /^SIP\/2\.0 501 Not Implemented\r\n/);
  const generic = resolvePersona('generic');
  const [r405] = texts(answer(vicious('PUBLISH', 'sip:100@192.0.2.1', '100'), ctx(generic)));
  assert.match(r405!, /^SIP\/2\.0 405 Method Not Allowed\r\n/);
  assert.match(r405!, /\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, MESSAGE, INFO, REFER\r\n/);
  assert.match(r405!, /\r\nServer: SIP Server\r\n/);
});

test('To tag: stable per Call-ID, different across Call-IDs, never added over an existing tag', () => {
  const tagOf = (r: string) => /\r\nTo: [^\r]*;tag=([^\r;]+)\r\n/.exec(r)?.[1];
  const a = tagOf(texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '101', [], 'call-a')))[0]!);
  const a2 = tagOf(texts(answer(vicious('OPTIONS', 'sip:100@192.0.2.1', '100', [], 'call-a')))[0]!);
  const b = tagOf(texts(answer(vicious('REGISTER', 'sip:192.0.2.1', '101', [], 'call-b')))[0]!);
  assert.equal(a, toTag(KEY, 'call-a'));
  assert.equal(a, a2);
  assert.notEqual(a, b);
  const inDialog = req('BYE sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:100@192.0.2.1>;tag=theirs', 'Call-ID: x', 'CSeq: 2 BYE');
  const [bye] = texts(answer(inDialog));
  assert.match(bye!, /\r\nTo: <sip:100@192\.0\.2\.1>;tag=theirs\r\n/);
});

test('Via: all copied in order; received/rport noted on the top one only (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  const rest = ['From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS'];
  const viasOf = (r: string) => r.split('\r\n').filter((l) => l.startsWith('Via: '));
  // Several Via lines, a comma list in the first one, rport without value.
  const multi = req(
    'OPTIONS sip:100@192.0.2.1 SIP/2.0',
    'Via: SIP/2.0/UDP host.example:5060;branch=z9hG4bK-top;rport , SIP/2.0/UDP 10.1.1.1;branch=z9hG4bK-mid;rport',
    'v: SIP/2.0/TCP 10.2.2.2:5070;branch=z9hG4bK-low;received=10.9.9.9',
    ...rest,
  );
  assert.deepEqual(viasOf(texts(answer(multi))[0]!), [
    'Via: SIP/2.0/UDP host.example:5060;branch=z9hG4bK-top;received=192.0.2.7;rport=40000, SIP/2.0/UDP 10.1.1.1;branch=z9hG4bK-mid;rport',
    'Via: SIP/2.0/TCP 10.2.2.2:5070;branch=z9hG4bK-low;received=10.9.9.9',
  ]);
  // No rport, sent-by is the source address: copied unchanged.
  const same = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-1', ...rest);
  assert.deepEqual(viasOf(texts(answer(same))[0]!), ['Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-1']);
  // No rport, another address: received only.
  const nat = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1', ...rest);
  assert.deepEqual(viasOf(texts(answer(nat))[0]!), ['Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;received=192.0.2.7']);
  // A received the client wrote itself is replaced, not repeated; a quoted ';' or ',' is not a separator.
  const forged = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.5;received=203.0.113.9;x="a;b,c";branch=z9hG4bK-1;rport', ...rest);
  assert.deepEqual(viasOf(texts(answer(forged))[0]!), ['Via: SIP/2.0/UDP 10.0.0.5;x="a;b,c";branch=z9hG4bK-1;received=192.0.2.7;rport=40000']);
  // Source port noted as rport even when the sent-by matches the source (RFC 3581 §4).
  const samePort = req('OPTIONS sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK-1', ...rest);
  assert.deepEqual(viasOf(texts(answer(samePort))[0]!), ['Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-1;received=192.0.2.7;rport=40000']);
});

test('IPv6 sources: the same address written differently needs no received', () => {
  const c = { ...ctx(), srcIp: '2001:db8::1', srcPort: 5060 };
  const r = req('OPTIONS sip:100@[2001:db8::9] SIP/2.0', 'Via: SIP/2.0/UDP [2001:DB8:0::1]:5060;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>', 'Call-ID: x', 'CSeq: 1 OPTIONS');
  assert.match(texts(answer(r, c))[0]!, /\r\nVia: SIP\/2\.0\/UDP \[2001:DB8:0::1\]:5060;branch=z9hG4bK-1\r\n/);
});

test('an empty persona realm challenges with the Request-URI host', () => {
  const [r] = texts(answer(vicious('REGISTER', 'sip:pbx.example.com', '101'), ctx(resolvePersona('freeswitch'))));
  assert.match(r!, /\r\nWWW-Authenticate: Digest realm="pbx\.example\.com", nonce="nonce1", algorithm=MD5, qop="auth"\r\n/);
  assert.match(r!, /\r\nServer: FreeSWITCH-mod_sofia\/1\.10\.9-release~64bit\r\n/);
});

test('size bound: a response that would exceed MAX_RESPONSE_BYTES is not sent at all', () => {
  const manyVias = Array.from({ length: 30 }, (_, i) => `Via: SIP/2.0/UDP 10.0.${i}.1:5060;branch=z9hG4bK-hop${i}`);
  const big = req('INVITE sip:100@192.0.2.1 SIP/2.0', ...manyVias, 'From: <sip:a@b>;tag=1', 'To: <sip:100@b>', 'Call-ID: x', 'CSeq: 1 INVITE');
  assert.ok(big.length > MAX_RESPONSE_BYTES);
  assert.deepEqual(answer(big), { kind: 'too-large' });
  // A large body is not reflected: the answer stays small.
  const body = 'v=0\r\n' + 'a=x\r\n'.repeat(2000);
  const withBody = Buffer.concat([
    req('MESSAGE sip:100@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1', 'From: <sip:a@b>;tag=1', 'To: <sip:100@b>', 'Call-ID: x', 'CSeq: 1 MESSAGE', 'Content-Type: text/plain', `Content-Length: ${body.length}`),
    Buffer.from(body),
  ]);
  const a = answer(withBody);
  assert.equal(a.kind, 'answer');
  if (a.kind === 'answer') for (const r of a.responses) assert.ok(r.length < 600, `response of ${r.length} bytes`);
});

test('persona schema: strict, built-ins, overrides, no header injection', () => {
  assert.deepEqual(personaOptionSchema.parse('asterisk'), BUILTIN_PERSONAS.asterisk);
  const custom = personaOptionSchema.parse({ name: 'asterisk', realm: 'pbx', knownUsers: ['101'] });
  assert.equal(custom.userAgent, 'Asterisk PBX 18.20.0');
  assert.equal(custom.realm, 'pbx');
  assert.deepEqual(custom.knownUsers, ['101']);
  const other = personaOptionSchema.parse({ name: 'my-pbx', userAgent: 'Yeastar' });
  assert.equal(other.userAgent, 'Yeastar');
  assert.deepEqual(other.allow, BUILTIN_PERSONAS.generic.allow);
  assert.equal(personaOptionSchema.safeParse({ name: 'asterisk', user_agent: 'x' }).success, false);
  assert.equal(personaOptionSchema.safeParse('cisco').success, false);
  assert.equal(personaSchema.safeParse({ ...BUILTIN_PERSONAS.asterisk, userAgent: 'x\r\nX-Evil: 1' }).success, false);
  assert.equal(personaSchema.safeParse({ ...BUILTIN_PERSONAS.asterisk, realm: 'a"b' }).success, false);
  assert.equal(personaSchema.safeParse({ ...BUILTIN_PERSONAS.asterisk, allow: ['IN VITE'] }).success, false);
  // Overrides never alter the built-ins.
  resolvePersona({ name: 'asterisk', knownUsers: ['1'] }).allow.push('X');
  assert.deepEqual(BUILTIN_PERSONAS.asterisk.knownUsers, []);
  assert.ok(!BUILTIN_PERSONAS.asterisk.allow.includes('X'));
});
