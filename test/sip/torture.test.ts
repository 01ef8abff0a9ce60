/**
 * Messages written after the RFC 4475 torture tests and the RFC 3261 §24 examples.
 * Valid ones must parse with every field right; invalid ones must report the stable error code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSipMessage } from '../../src/sip/parse.js';
import { parseUri } from '../../src/sip/uri.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { crlf, INVITE, OK_200, REGISTER_AUTH } from './samples.js';

function parse(b: Buffer) {
  return parseSipMessage(b, 0, b.length);
}

test('RFC 4475 §3.1.1.1 style: a short tortuous INVITE', () => {
  const sdp = ['v=0', 'o=mhandley 29739 7272939 IN IP4 192.0.2.3', 's=-', 'c=IN IP4 192.0.2.4', 't=0 0', 'm=audio 49217 RTP/AVP 0 12', 'm=video 3227 RTP/AVP 31', 'a=rtpmap:31 LPC', ''].join('\r\n');
  const m = parse(
    crlf([
      'INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0',
      'TO :',
      ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
      'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
      '  ;',
      '  tag = 98asjd8',
      'MaX-fOrWaRdS: 0068',
      'Call-ID: wsinv.ndaksdj@192.0.2.1',
      `Content-Length   : ${Buffer.byteLength(sdp)}`,
      'cseq: 0009',
      '  INVITE',
      'Via  : SIP  /   2.0',
      ' /UDP',
      '    192.0.2.2;branch=390skdjuw',
      's :',
      'NewFangledHeader:   newfangled value',
      ' continued newfangled value',
      'UnknownHeaderWithUnusualValue: ;;,,;;,;',
      'Content-Type: application/sdp',
      'Route:',
      ' <sip:services.example.com;lr;unknownwith=value;unknown-no-value>',
      'v:  SIP  / 2.0  / TCP     spindle.example.com   ;',
      '  branch  =   z9hG4bK9ikj8  ,',
      ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=',
      ' z9hG4bK30239',
      'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
      '      newvalue ;',
      '  secondparam ; q = 0.33',
      '',
      sdp,
    ]),
  );
  assert.equal(m.error, null);
  assert.equal(m.method, 'INVITE');
  assert.equal(m.requestUri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
  assert.deepEqual(m.to, { displayName: null, uri: 'sip:vivekg@chair-dnrc.example.com', tag: '1918181833n', params: { tag: '1918181833n' } });
  assert.deepEqual(m.from, { displayName: 'J Rosenberg \\"', uri: 'sip:jdrosen@example.com', tag: '98asjd8', params: { tag: '98asjd8' } });
  assert.equal(m.maxForwards, 68);
  assert.equal(m.callId, 'wsinv.ndaksdj@192.0.2.1');
  assert.deepEqual(m.cseq, { num: 9, method: 'INVITE' });
  assert.deepEqual(m.vias.map((v) => [v.transport, v.host, v.branch]), [
    ['UDP', '192.0.2.2', '390skdjuw'],
    ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
    ['UDP', '192.168.255.111', 'z9hG4bK30239'],
  ]);
  assert.equal(m.header('Subject'), '');
  assert.equal(m.header('newfangledheader'), 'newfangled value continued newfangled value');
  assert.equal(m.header('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  assert.equal(m.header('Route'), '<sip:services.example.com;lr;unknownwith=value;unknown-no-value>');
  assert.deepEqual(m.contacts, [{ star: false, displayName: 'Quoted string ""', uri: 'sip:jdrosen@example.com', expires: null, params: { newparam: 'newvalue', secondparam: '', q: '0.33' } }]);
  assert.equal(m.contentType, 'application/sdp');
  assert.equal(m.buf.toString('latin1', m.bodyStart, m.bodyEnd), sdp);
});

test('RFC 4475 §3.1.1.4/5 style: escaped characters and %00 in URIs are kept as written', () => {
  const m = parse(
    crlf([
      'INVITE sip:sip%3Auser%40example.com@example.net SIP/2.0',
      'To: sip:%75se%72@example.com',
      'From: <sip:I%20have%20spaces@example.net>;tag=938',
      'Max-Forwards: 87',
      'i: esc01.239409asdfakjkn23onasd0-3234',
      'CSeq: 234234 INVITE',
      'Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw',
      'C: application/sdp',
      'Contact: <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>',
      'Content-Length: 0',
      '',
      '',
    ]),
  );
  assert.equal(m.error, null);
  assert.equal(m.requestUri, 'sip:sip%3Auser%40example.com@example.net');
  assert.equal(parseUri(m.requestUri)?.user, 'sip%3Auser%40example.com');
  assert.equal(m.to?.uri, 'sip:%75se%72@example.com');
  assert.equal(m.from?.uri, 'sip:I%20have%20spaces@example.net');
  assert.equal(m.contacts[0].uri, 'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
  assert.deepEqual(parseUri(m.contacts[0].uri)?.params, { '%6c%72': '', 'n%61me': 'v%61lue%25%34%31' });
  const n = parse(crlf(['REGISTER sip:example.com SIP/2.0', 'To: sip:null-%00-null@example.com', 'From: sip:null-%00-null@example.com;tag=839923423', 'Max-Forwards: 70', 'Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd', 'CSeq: 14398234 REGISTER', 'Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw', 'Contact: <sip:%00@host5.example.com>', 'Contact: <sip:%00%00@host5.example.com>', 'L:0', '', '']));
  assert.equal(n.error, null);
  assert.deepEqual(n.contacts.map((c) => c.uri), ['sip:%00@host5.example.com', 'sip:%00%00@host5.example.com']);
});

test('RFC 4475 §3.1.1.6 style: a semicolon-separated user part (semiuri)', () => {
  const m = parse(crlf(['OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0', 'To: sip:j_user@example.com', 'From: sip:caller@example.org;tag=33242', 'Max-Forwards: 3', 'Call-ID: semiuri.0ha0isndaksdj', 'CSeq: 8 OPTIONS', 'Accept: application/sdp, application/pkcs7-mime,', '        multipart/mixed, multipart/signed,', '        message/sip, message/sipfrag', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw', 'l: 0', '', '']));
  assert.equal(m.error, null);
  const u = parseUri(m.requestUri);
  assert.equal(u?.user, 'user;par=u%40example.net');
  assert.equal(u?.host, 'example.com');
  assert.equal(m.header('Accept'), 'application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag');
});

test('RFC 4475 §3.1.1.7 style: two messages in one datagram; the body stops at Content-Length', () => {
  const first = crlf(['REGISTER sip:example.com SIP/2.0', 'To: sip:j.user@example.com', 'From: sip:j.user@example.com;tag=43251j3j324', 'Max-Forwards: 8', 'I: dblreq.0ha0isndaksdj99sdfafnl3lk233412', 'Contact: sip:j.user@host.example.com', 'CSeq: 8 REGISTER', 'Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492', 'Content-Length: 0', '', '']);
  const second = crlf(['INVITE sip:joe@example.com SIP/2.0', 't: sip:joe@example.com', '', '']);
  const b = Buffer.concat([first, second]);
  const m = parse(b);
  assert.equal(m.error, null);
  assert.equal(m.method, 'REGISTER');
  assert.equal(m.bodyStart, first.length);
  assert.equal(m.bodyEnd, first.length);
  const next = parseSipMessage(b, m.bodyEnd, b.length);
  assert.equal(next.method, 'INVITE');
  assert.equal(next.error?.code, SipErrorCode.MissingMandatory);
});

test('RFC 4475 §3.1.1.12 style: unquoted display name with LWS, and unknown URI schemes', () => {
  const m = parse(crlf(['OPTIONS sip:user@example.com SIP/2.0', 'To: isbn:2983792873', 'From: caller<sip:caller@example.com>;tag=323', 'Max-Forwards: 70', 'Call-ID: lwsdisp.1234abcd@funky.example.com', 'CSeq: 60 OPTIONS', 'Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw', 'l: 0', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.from?.displayName, 'caller');
  assert.equal(m.from?.tag, '323');
  assert.equal(m.to?.uri, 'isbn:2983792873');
  assert.equal(parseUri(m.to!.uri)?.scheme, 'isbn');
});

test('RFC 4475 §3.1.1.13 style: long values everywhere', () => {
  const long = 'very'.repeat(300) + 'longvalue';
  const vias = Array.from({ length: 40 }, (_, i) => `Via: SIP/2.0/TCP sip${i}.example.com:${5060 + i};branch=z9hG4bK${long.slice(0, 50)}${i}`);
  const m = parse(
    crlf([
      'INVITE sip:user@example.com SIP/2.0',
      `To: "I have a user name of ${long}" <sip:${long}@example.com>`,
      `From: sip:caller@example.net;tag=${long}`,
      `Call-ID: longreq.${long}`,
      'CSeq: 1 INVITE',
      ...vias,
      `Unknown-${long}-Header: ${long}`,
      'Content-Length: 0',
      '',
      '',
    ]),
  );
  assert.equal(m.error, null);
  assert.equal(m.to?.displayName, `I have a user name of ${long}`);
  assert.equal(m.from?.tag, long);
  assert.equal(m.callId, `longreq.${long}`);
  assert.equal(m.vias.length, 40);
  assert.equal(m.vias[39].port, 5099);
  assert.equal(m.header(`unknown-${long}-header`), long);
});

test('RFC 4475 §3.4 (inv2543) and §3.1.2.1 (badinv01) style: no branch, unknown auth scheme, empty params', () => {
  const m = parse(crlf(['INVITE sip:UserB@example.com SIP/2.0', 'Via: SIP/2.0/UDP iftgw.example.com', 'From: <sip:+13035551111@ift.client.example.net;user=phone>', 'Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>', 'To: sip:+16505552222@ss1.example.net;user=phone', 'Call-ID: inv2543.1717@ift.client.example.com', 'CSeq: 56 INVITE', 'Authorization: NoOneKnowsThisScheme opaque-data=here', 'Content-Type: application/sdp', '', 'v=0\r\n']));
  assert.equal(m.error, null);
  assert.equal(m.topVia?.branch, null);
  assert.equal(m.from?.tag, null);
  assert.equal(m.credentials?.scheme, 'NoOneKnowsThisScheme');
  assert.equal(m.credentials?.username, null);
  const b = parse(crlf(['INVITE sip:user@example.com SIP/2.0', 'To: sip:j.user@example.com', 'From: sip:caller@example.net;;tag=134161461246', 'Max-Forwards: 7', 'Call-ID: badinv01.0ha0isndaksdjasdf3234nas', 'CSeq: 8 INVITE', 'Via: SIP/2.0/UDP 192.0.2.15;;,;,,', 'Contact: "Joe" <sip:joe@example.org>;;;;', 'Content-Length: 0', '', '']));
  assert.equal(b.error, null);
  assert.equal(b.from?.tag, '134161461246');
  assert.deepEqual(b.vias.map((v) => v.host), ['192.0.2.15']);
  assert.deepEqual(b.contacts[0].params, {});
});

test('RFC 4475 §3.1.2 style invalid messages report stable codes', () => {
  const base = ['To: sip:j.user@example.com', 'From: sip:caller@example.net;tag=1', 'Max-Forwards: 70', 'Call-ID: inv@example.net', 'Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw'];
  const cases: Array<[string, string[], string]> = [
    ['clerr', ['INVITE sip:user@example.com SIP/2.0', ...base, 'CSeq: 1 INVITE', 'Content-Length: 9999', '', 'v=0'], SipErrorCode.TruncatedBody],
    ['ncl', ['INVITE sip:user@example.com SIP/2.0', ...base, 'CSeq: 1 INVITE', 'Content-Length: -999', '', 'v=0'], SipErrorCode.BadContentLength],
    ['scalar02', ['REGISTER sip:example.com SIP/2.0', ...base, 'CSeq: 36893488147419103232 REGISTER', 'Content-Length: 0', '', ''], SipErrorCode.BadCSeq],
    ['scalarlg', ['SIP/2.0 503 Service Unavailable', ...base, 'CSeq: 1 OPTIONS', 'Content-Length: 18446744073709551616', '', ''], SipErrorCode.BadContentLength],
    ['badvers', ['OPTIONS sip:t.watson@example.org SIP/7.0', ...base, 'CSeq: 1 OPTIONS', '', ''], SipErrorCode.BadVersion],
    ['mismatch01', ['OPTIONS sip:user@example.com SIP/2.0', ...base, 'CSeq: 1 INVITE', '', ''], SipErrorCode.CSeqMethodMismatch],
    ['insuf', ['INVITE sip:user@example.com SIP/2.0', 'CSeq: 193942 INVITE', 'Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf', '', ''], SipErrorCode.MissingMandatory],
    ['lwsruri', ['INVITE sip:user@example.com; lr SIP/2.0', ...base, 'CSeq: 1 INVITE', '', ''], SipErrorCode.BadStartLine],
    ['mcl01', ['OPTIONS sip:user@example.com SIP/2.0', ...base, 'Call-ID: other@example.net', 'CSeq: 1 OPTIONS', '', ''], SipErrorCode.DuplicateHeader],
  ];
  for (const [name, lines, code] of cases) {
    const m = parse(crlf(lines));
    assert.equal(m.error?.code, code, name);
  }
});

test('RFC 4475 §3.1.2.9 style: unquoted display name with a comma is tolerated in From/To', () => {
  const m = parse(crlf(['OPTIONS sip:user@example.com SIP/2.0', 'To: sip:user@example.com', 'From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43', 'Max-Forwards: 70', 'Call-ID: baddn.31415@c.example.com', 'Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKkdjuw', 'CSeq: 1 OPTIONS', '', '']));
  assert.equal(m.error, null);
  assert.equal(m.from?.displayName, 'Bell, Alexander');
  assert.equal(m.from?.tag, '43');
});

test('RFC 3261 §24 style INVITE / 200 OK / REGISTER samples: every common field', () => {
  const inv = parse(INVITE);
  assert.equal(inv.error, null);
  assert.equal(inv.headerCount, 13);
  assert.equal(inv.callId, '3848276298220188511@atlanta.example.com');
  assert.deepEqual(inv.cseq, { num: 1, method: 'INVITE' });
  assert.deepEqual(inv.topVia, { protocol: 'SIP/2.0/UDP', transport: 'UDP', host: 'client.atlanta.example.com', port: 5060, branch: 'z9hG4bK74bf9', received: null, rport: -1, maddr: null, ttl: null });
  assert.deepEqual(inv.from, { displayName: 'Alice Liddell', uri: 'sip:alice@atlanta.example.com', tag: '9fxced76sl', params: { tag: '9fxced76sl' } });
  assert.deepEqual(inv.to, { displayName: 'Bob', uri: 'sip:bob@biloxi.example.com', tag: null, params: {} });
  assert.equal(inv.maxForwards, 70);
  assert.equal(inv.userAgent, 'ExamplePhone/4.2.1');
  assert.equal(inv.sessionExpires, 1800);
  assert.equal(inv.contentLength, inv.bodyEnd - inv.bodyStart);
  assert.equal(inv.buf.toString('latin1', inv.bodyStart, inv.bodyStart + 4), 'v=0\r');

  const ok = parse(OK_200);
  assert.equal(ok.error, null);
  assert.equal(ok.status, 200);
  assert.equal(ok.vias.length, 3);
  assert.deepEqual(ok.vias.map((v) => v.received), ['192.0.2.3', '192.0.2.2', '192.0.2.1']);
  assert.equal(ok.to?.tag, 'a6c85cf');
  assert.deepEqual(ok.cseq, { num: 314159, method: 'INVITE' });

  const reg = parse(REGISTER_AUTH);
  assert.equal(reg.error, null);
  assert.equal(reg.expires, 7200);
  assert.deepEqual(reg.contacts, [{ star: false, displayName: null, uri: 'sip:bob@192.0.2.4', expires: 7200, params: { expires: '7200' } }]);
  assert.equal(reg.credentials?.username, 'bob');
  assert.equal(reg.credentials?.opaque, '');
});
