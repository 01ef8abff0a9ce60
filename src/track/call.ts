import type { Endpoint } from './track-event.js';
import { Tracked, TrackedKind } from './tracked.js';
import { MessageTrace } from './message-trace.js';
import { own } from '../base/own.js';
import type { Transaction } from './transaction.js';

/**
 * Dialog states (RFC 3261 §12): an INVITE creates an early dialog with a provisional reply carrying a
 * to-tag and a confirmed one with a 2xx. `Failed` and `Ended` linger to absorb late copies.
 * https://www.rfc-editor.org/rfc/rfc3261#section-12
 */
export const CallState = { Early: 0, Confirmed: 1, Ended: 2, Failed: 3 } as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

/**
 * An INVITE dialog set, keyed by Call-ID + the caller's from-tag. Forked early dialogs (several
 * to-tags) belong to it; the first 2xx fixes the primary to-tag. One record however many times the
 * dialog crosses the capture point: proxy legs share Call-ID and tags.
 */
export class Call extends Tracked {
  readonly kind = TrackedKind.Call;
  state: CallState = CallState.Early;
  toTag: string | null = null;
  /** The INVITE transaction currently deciding the call (the latest initial INVITE, e.g. after a challenge). */
  invite: Transaction | null = null;
  firstInviteUs = -1;
  startUs = -1;
  lastActivityUs = -1;
  sessionExpires = 0;
  /** When silence ends an established call; the armed timer may be earlier and is then re-armed (refreshes do not touch the heap). */
  silenceDueUs = -1;
  cancelled = false;
  partial = false;
  authUser: string | null = null;
  serverAgent: string | null = null;
  /** A BYE was seen (call-end stated); later BYE copies and retransmissions are absorbed. */
  byeSeen = false;
  readonly trace = new MessageTrace();

  constructor(
    readonly key: string,
    public callId: string,
    readonly callerTag: string,
    public client: Endpoint,
    public server: Endpoint,
    public transport: string,
    public encap: readonly string[],
    public fromUri: string | null,
    public toUri: string | null,
    public requestUri: string | null,
    public userAgent: string | null,
    public pai: string | null,
    public contact: string | null,
  ) {
    super();
    // Calls live for minutes to hours: keep only the bytes they need (see own()).
    this.callId = own(callId)!;
    this.fromUri = own(fromUri);
    this.toUri = own(toUri);
    this.requestUri = own(requestUri);
    this.userAgent = own(userAgent);
    this.pai = own(pai);
    this.contact = own(contact);
  }
}
