import type { SipPayload } from '../decode/sip-payload.js';
import type { SipMessage } from '../sip/message.js';
import { Tracked, TrackedKind } from './tracked.js';

/**
 * A reply whose request has not been seen yet. Captures taken at several points (mirror ports,
 * several interfaces) can stamp a reply a few milliseconds before its request; holding the reply
 * briefly lets the request arrive first, so the reply is matched instead of taken for an orphan.
 * Owns copies of its bytes.
 */
export class HeldReply extends Tracked {
  readonly kind = TrackedKind.HeldReply;

  constructor(
    readonly key: string,
    readonly payload: SipPayload,
    readonly msg: SipMessage,
  ) {
    super();
  }

  static of(key: string, p: SipPayload, m: SipMessage): HeldReply {
    const owned = m.copy();
    return new HeldReply(key, { ...p, buf: owned.buf, start: owned.start, end: owned.end }, owned);
  }
}
