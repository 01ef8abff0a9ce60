/**
 * Fuzz test: mutated real messages never make the parser or any getter throw, never hang, keep
 * the invariants of a parse result, and leave no state behind that changes how the next
 * (known-good) message parses. Bounded to roughly ten seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSipMessage } from '../../src/sip/parse.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseUri } from '../../src/sip/uri.js';
import { SipErrorCode } from '../../src/sip/errors.js';
import { MAX_HEADERS } from '../../src/sip/header-index.js';
import { sharedPcap } from '../helpers/paths.js';
import { udpPayloads } from './pcap-payloads.js';
import { crlf, INVITE, OK_200, OPTIONS, REGISTER_AUTH } from './samples.js';

const FOLDED = crlf([
  'INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0',
  'TO :',
  ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
  'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
  '  ;',
  '  tag = 98asjd8',
  'Call-ID: wsinv.ndaksdj@192.0.2.1',
  'cseq: 0009',
  '  INVITE',
  'Via  : SIP  /   2.0',
  ' /UDP',
  '    192.0.2.2;branch=390skdjuw, SIP/2.0/TCP [2001:db8::1]:5061;rport=5;received=2001:db8::2',
  'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
  '      newvalue ;',
  '  secondparam ; q = 0.33, *',
  'WWW-Authenticate: Digest realm="a, b", nonce="x\\"y", stale=TRUE',
  'Proxy-Authorization: Digest username="u", uri="sip:x;lr", response=abc',
  'P-Asserted-Identity: "A, B" <sip:a@b>, <tel:+1555>',
  'Expires: 60',
  'Session-Expires: 90;refresher=uas',
  'Max-Forwards: 70',
  'Content-Type: multipart/mixed;boundary=x',
  'Content-Length: 4',
  '',
  'abcd',
]);

const REAL = [
  ...udpPayloads(sharedPcap('zeek_invalid-content-length.pcap')),
  ...udpPayloads(sharedPcap('suricata_sip-compact-form_sip_compact_form.pcap')),
  ...udpPayloads(sharedPcap('sipattacks_SIP-3700-unauthorized-401.pcap')).slice(0, 6),
].map((p) => Buffer.from(p.buf.subarray(p.start, p.end)));

const SEEDS: Buffer[] = [INVITE, OK_200, REGISTER_AUTH, OPTIONS, FOLDED, ...REAL];

const KNOWN_CODES = new Set<string>(Object.values(SipErrorCode));

/** Calls every getter and accessor; asserts the invariants of a parse result. */
function exercise(m: SipMessage): void {
  const len = m.end - m.start;
  if (m.error !== null) {
    assert.ok(KNOWN_CODES.has(m.error.code), m.error.code);
    assert.ok(m.error.offset >= 0 && m.error.offset <= len, `offset ${m.error.offset} of ${len}`);
    assert.equal(typeof m.error.reason, 'string');
  }
  assert.ok(m.start <= m.bodyStart && m.bodyStart <= m.bodyEnd && m.bodyEnd <= m.end);
  assert.ok(m.headerCount >= 0 && m.headerCount <= MAX_HEADERS);
  void m.method;
  void m.requestUri;
  void m.reason;
  void m.status;
  void m.callId;
  void m.cseq;
  const uris: string[] = [m.requestUri];
  for (const na of [m.from, m.to, m.pai]) if (na !== null) uris.push(na.uri);
  for (const c of m.contacts) uris.push(c.uri);
  for (const v of m.vias) assert.ok(v.port === null || (v.port >= 0 && v.port <= 65535));
  void m.topVia;
  void m.expires;
  void m.credentials;
  void m.challenge;
  void m.userAgent;
  void m.server;
  void m.contentLength;
  void m.contentType;
  void m.contentMediaType;
  void m.sessionExpires;
  void m.maxForwards;
  void m.body();
  for (const u of uris) parseUri(u);
  for (let i = 0; i < m.headerCount; i++) {
    const name = m.headerName(i);
    m.headerValue(i);
    m.headerId(i);
    // By-name lookups scan the whole index: a few suffice (keeps the harness linear).
    if (name !== '' && i < 16) {
      m.header(name);
      m.headerValues(name);
    }
  }
  m.header('X-Not-There');
  const c = m.copy();
  assert.equal(c.headerCount, m.headerCount);
  assert.equal(c.callId, m.callId);
}

/** The known-good message still parses to the same fields. */
function checkKnownGood(): void {
  const m = parseSipMessage(INVITE, 0, INVITE.length);
  assert.equal(m.error, null);
  assert.equal(m.method, 'INVITE');
  assert.equal(m.callId, '3848276298220188511@atlanta.example.com');
  assert.deepEqual(m.cseq, { num: 1, method: 'INVITE' });
  assert.equal(m.topVia?.branch, 'z9hG4bK74bf9');
  assert.equal(m.from?.tag, '9fxced76sl');
  assert.equal(m.to?.tag, null);
  assert.equal(m.contacts[0]?.uri, 'sip:alice@client.atlanta.example.com;transport=udp');
}

const INSERTS = [0x0d, 0x0a, 0x3a, 0x22, 0x2c, 0x00, 0x3b, 0x3c, 0x3e, 0x5c, 0x20, 0x09, 0x3d, 0x5b, 0x5d, 0x25];

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'insert'; at: number; value: number }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'dupline'; at: number; times: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.constantFrom(...INSERTS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('dupline' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

/** Inputs stop growing here: a line without LF is the whole buffer, and duplicating it compounds. */
const MAX_INPUT = 256 * 1024;

function apply(seed: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const mu of muts) {
    if (b.length > MAX_INPUT) break;
    const at = Math.min(b.length, Math.floor(mu.at * b.length));
    if (mu.kind === 'flip') {
      if (b.length > 0) b[Math.min(at, b.length - 1)] = mu.value;
    } else if (mu.kind === 'insert') {
      b = Buffer.concat([b.subarray(0, at), Buffer.from([mu.value]), b.subarray(at)]);
    } else if (mu.kind === 'delete') {
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + mu.count))]);
    } else if (mu.kind === 'dupline') {
      const ls = b.lastIndexOf(0x0a, at - 1) + 1;
      let le = b.indexOf(0x0a, at);
      le = le < 0 ? b.length : le + 1;
      const line = b.subarray(ls, le);
      b = Buffer.concat([b.subarray(0, le), ...Array.from({ length: mu.times }, () => line), b.subarray(le)]);
    } else {
      b = b.subarray(0, at);
    }
  }
  return b;
}

test('truncation at every length of every seed', () => {
  for (const seed of SEEDS) {
    for (let n = 0; n <= seed.length; n++) {
      // A view into the full seed: bytes after `end` must not be read.
      exercise(parseSipMessage(seed, 0, n));
    }
  }
  checkKnownGood();
});

test('every single-byte insertion of CR, LF, colon, quote, comma, NUL, ... into INVITE', () => {
  for (const v of INSERTS) {
    for (let at = 0; at <= INVITE.length; at++) {
      const b = Buffer.concat([INVITE.subarray(0, at), Buffer.from([v]), INVITE.subarray(at)]);
      exercise(parseSipMessage(b, 0, b.length));
    }
  }
  checkKnownGood();
});

test('random mutations of real messages (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 12 }), fc.nat(64), (si, muts, pad) => {
      const b = apply(SEEDS[si], muts);
      // Parse as a view in the middle of a larger buffer, as a capture reader hands it over.
      const big = Buffer.concat([Buffer.alloc(pad, 0x0a), b, Buffer.from('\r\n\r\nSIP/2.0 200 OK\r\n')]);
      exercise(parseSipMessage(big, pad, pad + b.length));
      checkKnownGood();
    }),
    { seed: 4475, numRuns: 60000, interruptAfterTimeLimit: 7000 },
  );
});

test('random bytes and SIP-token soup (fast-check)', () => {
  const tokens = ['SIP/2.0', 'INVITE', ' ', '\r\n', '\n', ':', ';', ',', '"', '<', '>', '\\', 'Via', 'v', 'Call-ID', 'CSeq', 'From', 'To', 'Contact', 'l', 'Content-Length', '0', '99999999999', 'tag=', 'branch=', 'rport', '[', ']', 'sip:', '@', '*', 'Digest', 'realm=', '=', '\t', '\0', 'é'];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
        fc.array(fc.constantFrom(...tokens), { maxLength: 200 }).map((a) => Buffer.from(a.join(''))),
      ),
      (b) => {
        exercise(parseSipMessage(b, 0, b.length));
      },
    ),
    { seed: 3261, numRuns: 20000, interruptAfterTimeLimit: 1500 },
  );
  checkKnownGood();
});
