/**
 * Real-looking SIP messages shared by the sip tests and the benchmark. Written for this project
 * after RFC 3261 §24 and RFC 3665 style call flows; lines are joined with CRLF.
 */
export function crlf(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

const INVITE_SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join('\r\n');

/** A typical ~700-byte INVITE with SDP. */
export const INVITE = crlf([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport',
  'Max-Forwards: 70',
  'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl',
  'To: Bob <sip:bob@biloxi.example.com>',
  'Call-ID: 3848276298220188511@atlanta.example.com',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@client.atlanta.example.com;transport=udp>',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO',
  'Supported: replaces, timer',
  'User-Agent: ExamplePhone/4.2.1',
  'Session-Expires: 1800;refresher=uac',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(INVITE_SDP)}`,
  '',
  INVITE_SDP,
]);

export const OK_200 = crlf([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3',
  'Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1',
  'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:bob@192.0.2.4>',
  'Content-Length: 0',
  '',
  '',
]);

export const REGISTER_AUTH = crlf([
  'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7',
  'Max-Forwards: 70',
  'From: Bob <sip:bob@biloxi.example.com>;tag=456248',
  'To: Bob <sip:bob@biloxi.example.com>',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1827 REGISTER',
  'Contact: <sip:bob@192.0.2.4>;expires=7200',
  'Authorization: Digest username="bob", realm="atlanta.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="", uri="sips:ss2.biloxi.example.com", response="dfe56131d1958046689d83306477ecc"',
  'Expires: 7200',
  'Content-Length: 0',
  '',
  '',
]);

export const OPTIONS = crlf([
  'OPTIONS sip:100@192.0.2.10 SIP/2.0',
  'Via: SIP/2.0/UDP 198.51.100.7:5061;branch=z9hG4bK-1234;rport',
  'From: "sipvicious"<sip:100@1.1.1.1>;tag=6438663139613632',
  'To: "sipvicious"<sip:100@1.1.1.1>',
  'Call-ID: 1740123456',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
  'User-Agent: friendly-scanner',
  'Accept: application/sdp',
  'Content-Length: 0',
  '',
  '',
]);
