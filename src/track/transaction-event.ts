import { TrackEvent, type EventAction } from './track-event.js';
import type { Transaction } from './transaction.js';
import { userOf } from './uri-keys.js';

/** The fact stated about a transaction: what its request and deciding reply said. */
export function transactionEvent(action: EventAction, tsUs: number, t: Transaction): TrackEvent {
  const e = new TrackEvent(action, tsUs);
  e.client = t.client;
  e.server = t.server;
  e.transport = t.transport;
  e.encap = t.encap;
  e.callId = t.callId;
  e.from = t.fromUri;
  e.to = t.toUri;
  e.fromTag = t.fromTag;
  e.toTag = t.finalToTag;
  e.requestUri = t.requestUri || null;
  e.method = t.method;
  if (t.finalStatus > 0) {
    e.status = t.finalStatus;
    e.reason = t.finalReason;
  }
  e.userAgent = t.userAgent;
  e.serverAgent = t.serverAgent;
  e.pai = t.pai;
  e.user = t.authUser ?? userOf(t.fromUri);
  e.realm = t.authRealm;
  e.partial = t.partial;
  e.trace = t.trace.toString();
  return e;
}
