/** Tracking limits and timers. All durations in seconds (packet time). */
export interface TrackOptions {
  /** A non-INVITE transaction, or an INVITE with no provisional reply, times out after this (RFC 3261 Timer B/F = 64·T1). */
  transactionTimeout: number;
  /** An INVITE that got a provisional reply but no final one times out after this (RFC 3261 §13.3.1.1 guidance: 3 min). */
  inviteProceedingTimeout: number;
  /** A final reply seen only on a downstream leg waits this long for the copy sent to the original client. */
  pendingFinalWait: number;
  /** A reply seen before its request is held this long for the request (captures from several points are not perfectly ordered). 0 disables. */
  replyHold: number;
  /** Transactions and ended calls linger this long to absorb retransmissions (RFC 3261 Timer J/D order). */
  linger: number;
  /** An established call silent for this long ends with originator `timeout`. */
  callTimeout: number;
  /** Grace after a binding's expiry before reg-expired. */
  regExpiryGrace: number;
  /** Identical successful OPTIONS pings between the same parties within this window are keep-alives. */
  keepaliveWindow: number;
  /** Expiry assumed for a binding when neither the reply nor the request says (RFC 3261 §10.2.1.1 suggests 3600). */
  defaultExpires: number;
  maxTransactions: number;
  maxCalls: number;
  maxBindings: number;
  maxKeepalives: number;
  maxHeldReplies: number;
}

export const defaultTrackOptions: TrackOptions = {
  transactionTimeout: 32,
  inviteProceedingTimeout: 180,
  pendingFinalWait: 4,
  replyHold: 0.5,
  linger: 32,
  callTimeout: 3600,
  regExpiryGrace: 30,
  keepaliveWindow: 300,
  defaultExpires: 3600,
  // Sized so a 1M-distinct-Call-ID INVITE flood stays well under 1 GiB of heap (measured by
  // bench/guard/track-memory: ~2.6 KB per pending INVITE with its call, ~2 KB per binding).
  maxTransactions: 250_000,
  maxCalls: 200_000,
  maxBindings: 300_000,
  maxKeepalives: 200_000,
  maxHeldReplies: 10_000,
};
