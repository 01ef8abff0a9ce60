import type { Endpoint } from './track-event.js';
import { Tracked, TrackedKind } from './tracked.js';
import type { Call } from './call.js';
import type { MessageTrace } from './message-trace.js';

/**
 * RFC 3261 §17 transaction states, as seen from the wire (we observe, we do not retransmit).
 * https://www.rfc-editor.org/rfc/rfc3261#section-17
 */
export const TxState = {
  Calling: 0, // request seen, no reply yet
  Proceeding: 1, // provisional reply seen
  Completed: 2, // final reply seen
  Terminated: 3, // outcome stated; lingering only to absorb retransmissions
} as const;
export type TxState = (typeof TxState)[keyof typeof TxState];

/** What the armed timer of a transaction means when it fires. */
export const TxTimer = { AwaitFinal: 0, PendingFinal: 1, Linger: 2 } as const;

export interface RegisterRequest {
  star: boolean;
  contacts: { uri: string; expires: number | null }[];
  expires: number | null;
}

/**
 * One copy of a message on one hop: proxies forward a request with a new top Via branch and new
 * addresses, and relay each reply back hop by hop. A copy seen again on the same hop is a
 * retransmission; the same message on another hop is a leg copy.
 */
export class Copy {
  constructor(
    readonly srcIp: string,
    readonly srcPort: number,
    readonly dstIp: string,
    readonly dstPort: number,
    /** Requests: the top Via branch. Replies: the To tag. */
    readonly tag: string,
    /** Replies: the status code; requests: 0. */
    readonly status: number,
    /** Trace handle of the first copy of this message, -1 on other hops. */
    readonly handle: number,
  ) {}

  sameHop(srcIp: string, srcPort: number, dstIp: string, dstPort: number): boolean {
    return this.srcPort === srcPort && this.dstPort === dstPort && this.srcIp === srcIp && this.dstIp === dstIp;
  }
}

/**
 * An observed transaction, keyed by Call-ID + CSeq number + CSeq method. The Via branch is kept per
 * leg but is not part of the key: real stacks reuse one branch across REGISTER refreshes, and each
 * proxy hop has its own branch, so only Call-ID and CSeq survive both habits.
 */
export class Transaction extends Tracked {
  readonly kind = TrackedKind.Transaction;
  state: TxState = TxState.Calling;
  timerMeaning: number = TxTimer.AwaitFinal;
  /** Request copies per hop (bounded). */
  requests: Copy[] = [];
  /** Reply copies per hop and status/to-tag (bounded). */
  responses: Copy[] = [];
  /** ACK copies (ACK for a non-2xx final belongs to the INVITE transaction, RFC 3261 §17.1.1.3). */
  acks: Copy[] | null = null;
  requestHandle = -1;
  ackHandle = -1;
  firstProvisionalUs = -1;
  first18xUs = -1;
  finalUs = -1;
  finalStatus = 0;
  finalReason = '';
  finalToTag: string | null = null;
  serverAgent: string | null = null;
  /** A final reply seen on a downstream hop, not yet on the hop back to the client. */
  pendingStatus = 0;
  /** Until when the transaction stays to absorb late copies (final + linger). */
  lingerUntilUs = 0;
  decided = false;
  challenged = false;
  /** The final reply was a challenge with stale=true (RFC 7616 §3.3: the UA retries with a fresh nonce). */
  finalStale = false;
  /** Built from a reply whose request was not seen (probe started late, or loss). */
  partial = false;
  /** REGISTER only: the request's contacts and Expires, applied when the 2xx arrives. */
  reg: RegisterRequest | null = null;
  /** REGISTER only: the contacts listed by the 2xx (the registrar's view of every binding, RFC 3261 §10.3 step 8). */
  regReply: RegisterRequest | null = null;

  constructor(
    readonly callId: string,
    readonly cseq: number,
    readonly method: string,
    readonly startUs: number,
    readonly client: Endpoint,
    readonly server: Endpoint,
    readonly transport: string,
    readonly encap: readonly string[],
    readonly fromUri: string | null,
    readonly fromTag: string | null,
    readonly toUri: string | null,
    readonly toTag: string | null,
    readonly requestUri: string,
    readonly userAgent: string | null,
    readonly pai: string | null,
    /** Digest username/realm when the request carried credentials (RFC 3261 §22.2, §22.3). */
    readonly authUser: string | null,
    readonly authRealm: string | null,
    readonly hasCredentials: boolean,
    readonly call: Call | null,
    readonly trace: MessageTrace,
  ) {
    super();
  }
}
