import type { Endpoint } from './track-event.js';
import { Tracked, TrackedKind } from './tracked.js';
import { own } from '../base/own.js';

/**
 * A registration binding (RFC 3261 §10): address-of-record → contact, with an expiry.
 * Keyed by (AoR, contact) so refreshes match whatever Call-ID the UA uses.
 * https://www.rfc-editor.org/rfc/rfc3261#section-10.2
 */
export class Binding extends Tracked {
  readonly kind = TrackedKind.Binding;
  expiresAtUs = 0;
  /** Created from a reply listing a binding we never saw registered: no reg-new was stated. */
  silent = false;

  constructor(
    readonly key: string,
    readonly aor: string,
    public contact: string,
    readonly createdUs: number,
    public callId: string,
    public client: Endpoint,
    public server: Endpoint,
    public transport: string,
    public encap: readonly string[],
    public userAgent: string | null,
    public user: string | null,
    public fromUri: string | null,
    public toUri: string | null,
    public requestUri: string | null,
  ) {
    super();
    // Bindings live for hours: keep only the bytes they need (see own()).
    this.contact = own(contact)!;
    this.callId = own(callId)!;
    this.userAgent = own(userAgent);
    this.user = own(user);
    this.fromUri = own(fromUri);
    this.toUri = own(toUri);
    this.requestUri = own(requestUri);
  }
}
