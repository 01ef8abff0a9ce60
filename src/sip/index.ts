/** Public API of the sip stage. */
export { parseSipMessage, parseSipPayload } from './parse.js';
export { SipMessage } from './message.js';
export type { CSeq, Contact, DigestChallenge, DigestCredentials, NameAddr, SipParseError, Via } from './message.js';
export { parseUri } from './uri.js';
export type { SipUri } from './uri.js';
export { SipErrorCode } from './errors.js';
export { SipLeniency } from './leniency.js';
export { HeaderId, HEADER_NAMES, headerIdOf } from './header-names.js';
export { MAX_HEADERS } from './header-index.js';
