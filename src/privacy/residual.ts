import { KNOWN_METHODS } from '../sip/methods.js';

/**
 * Fields outside the groups that could still carry plaintext: reason phrases, parse-error
 * messages, extension method names (which the message trace repeats) and payload prefixes. With
 * any group on, a value stays readable only when it is one of the fixed texts below (standard
 * phrases, the parser's own messages, known methods); anything else is encrypted (`~<base32>`,
 * reversible by `sipsentry decrypt`). An unknown value is never trusted to be harmless.
 */

const METHODS: ReadonlySet<string> = new Set(KNOWN_METHODS);

export function isPlainMethod(m: string): boolean {
  return METHODS.has(m);
}

/** Reason phrases of the IANA SIP response-code registry, plus what the probe itself states. */
const REASON_LIST = [
  'Trying', 'Ringing', 'Call Is Being Forwarded', 'Queued', 'Session Progress', 'Early Dialog Terminated',
  'OK', 'Accepted', 'No Notification',
  'Multiple Choices', 'Moved Permanently', 'Moved Temporarily', 'Use Proxy', 'Alternative Service',
  'Bad Request', 'Unauthorized', 'Payment Required', 'Forbidden', 'Not Found', 'Method Not Allowed', 'Not Acceptable',
  'Proxy Authentication Required', 'Request Timeout', 'Conflict', 'Gone', 'Length Required', 'Conditional Request Failed',
  'Request Entity Too Large', 'Request-URI Too Long', 'Request URI Too Long', 'Unsupported Media Type', 'Unsupported URI Scheme',
  'Unknown Resource-Priority', 'Bad Extension', 'Extension Required', 'Session Interval Too Small', 'Interval Too Brief',
  'Bad Location Information', 'Bad Alert Message', 'Use Identity Header', 'Provide Referrer Identity', 'Flow Failed',
  'Anonymity Disallowed', 'Bad Identity-Info', 'Bad Identity Info', 'Unsupported Certificate', 'Invalid Identity Header',
  'First Hop Lacks Outbound Support', 'Max-Breadth Exceeded', 'Bad Info Package', 'Consent Needed',
  'Temporarily Unavailable', 'Temporarily not available', 'Call/Transaction Does Not Exist', 'Call Leg/Transaction Does Not Exist',
  'Loop Detected', 'Too Many Hops', 'Address Incomplete', 'Ambiguous', 'Busy Here', 'Request Terminated',
  'Not Acceptable Here', 'Bad Event', 'Request Pending', 'Undecipherable', 'Security Agreement Required',
  'Server Internal Error', 'Internal Server Error', 'Not Implemented', 'Bad Gateway', 'Service Unavailable', 'Server Time-out',
  'Server Timeout', 'Version Not Supported', 'Message Too Large', 'Push Notification Service Not Supported',
  'Precondition Failure', 'Busy Everywhere', 'Decline', 'Does Not Exist Anywhere', 'Global Not Acceptable', 'Unwanted', 'Rejected',
];
const REASONS: ReadonlySet<string> = new Set(REASON_LIST);
const REASONS_LOWER: ReadonlySet<string> = new Set(REASON_LIST.map((r) => r.toLowerCase()));

export function isPlainReason(r: string): boolean {
  // Exact spelling first: the common case, without allocating a lower-cased copy.
  return REASONS.has(r) || REASONS_LOWER.has(r.toLowerCase());
}

/** The SIP parser's messages (digits stand for `#`): fixed texts that never quote the message. */
const ERROR_TEMPLATES: ReadonlySet<string> = new Set([
  'no start line',
  'continuation line before any header',
  'header line without a token name and colon',
  'more than # header lines',
  'no empty line ends the header section',
  'Content-Length # but # body bytes present',
  'SIP-Version is not SIP/#.#',
  'Status-Code is not three digits in #..#',
  'Request-Line is not Method SP Request-URI SP SIP-Version',
  'Request-Line has no Request-URI',
  'Request-Line has no SIP-Version',
  'Request-Line has extra elements (white space in the Request-URI?)',
  'Content-Length is not a decimal number',
  'Content-Length repeated with different values',
  'CSeq is not a #-bit number followed by a method',
  'CSeq method differs from the request method',
  'single-valued header repeated with a different value',
]);
const MISSING = /^missing (?:Call-ID|CSeq|From|To|Via)(?:, (?:Call-ID|CSeq|From|To|Via))*$/;

export function isPlainErrorMessage(msg: string): boolean {
  return ERROR_TEMPLATES.has(msg.replace(/[0-9]+/g, '#')) || MISSING.test(msg);
}

/** Error codes are the parser's constants (`sip.bad_start_line`); anything else is not trusted. */
export function isPlainErrorCode(code: string): boolean {
  return /^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/.test(code) && code.length <= 64;
}

/**
 * Rewrites the method names of a message trace (`>INVITE <407 >ACK{2} …[3] >FOO`) that are not
 * known methods; statuses, arrows, retransmission counts and the dropped-token marker stay.
 */
export function mapTrace(trace: string, method: (m: string) => string): string {
  let changed = false;
  const tokens = trace.split(' ');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const m = /^([<>])(.+?)(\{[0-9]+\})?$/.exec(t);
    if (m === null) {
      if (/^…\[[0-9]+\]$/.test(t)) continue;
      tokens[i] = method(t);
      changed = true;
      continue;
    }
    const body = m[2]!;
    if (/^[0-9]{3}$/.test(body)) continue;
    const out = method(body);
    if (out !== body) {
      tokens[i] = m[1]! + out + (m[3] ?? '');
      changed = true;
    }
  }
  return changed ? tokens.join(' ') : trace;
}
