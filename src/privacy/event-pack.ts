import type { Alert } from '../events/alert.js';
import type { OutputRecord } from '../events/record.js';
import { TrackEvent, type EventAction, type Originator, type RateInfo } from '../track/track-event.js';

/**
 * Flat batches for the encryption worker (offload.ts). A structured clone of an object writes
 * every property name with every value; a flat array of the values alone is several times cheaper
 * to clone, and cloning is what the packet thread pays for handing the work away.
 *
 * A batch is one array: per item a tag, then its values.
 *   EVENT     the 37 values of a TrackEvent (its `subject` stays behind: it belongs to the tracker)
 *   ALERT     the Alert (rare: cloned as an object) and whether the allowlist covers its source
 *   DOCUMENT  a finished ECS document (stats)
 * The reply is one array too: per item the 8 fields of an OutputRecord, then the alert document
 * (ALERT) or null.
 */
export const Tag = { EVENT: 0, ALERT: 1, DOCUMENT: 2, REKEY: 3 } as const;

export function packEvent(e: TrackEvent, out: unknown[]): void {
  const c = e.client;
  const s = e.server;
  out.push(
    Tag.EVENT, e.action, e.tsUs, e.startUs, e.endUs,
    c === null ? null : c.ip, c === null ? 0 : c.port, s === null ? null : s.ip, s === null ? 0 : s.port,
    e.transport, e.callId, e.from, e.to, e.fromTag, e.toTag, e.requestUri, e.method, e.status, e.reason,
    e.contact, e.expires, e.userAgent, e.serverAgent, e.pai, e.user, e.realm, e.pddMs, e.ringMs,
    e.originator, e.timeout, e.cancelled, e.partial, e.trace, e.errorCode, e.errorMessage, e.errorOffset,
    e.bytes, e.payloadPrefix, e.encap, e.keyId, e.rate,
  );
}

/** Values per packed event, the tag included. */
export const EVENT_SLOTS = 41;

/** The event packed at `a[i]` (its tag); the inverse of packEvent. */
export function unpackEvent(a: readonly unknown[], i: number): TrackEvent {
  const e = new TrackEvent(a[i + 1] as EventAction, a[i + 2] as number);
  e.startUs = a[i + 3] as number | null;
  e.endUs = a[i + 4] as number | null;
  if (a[i + 5] !== null) e.client = { ip: a[i + 5] as string, port: a[i + 6] as number };
  if (a[i + 7] !== null) e.server = { ip: a[i + 7] as string, port: a[i + 8] as number };
  e.transport = a[i + 9] as string;
  e.callId = a[i + 10] as string | null;
  e.from = a[i + 11] as string | null;
  e.to = a[i + 12] as string | null;
  e.fromTag = a[i + 13] as string | null;
  e.toTag = a[i + 14] as string | null;
  e.requestUri = a[i + 15] as string | null;
  e.method = a[i + 16] as string | null;
  e.status = a[i + 17] as number | null;
  e.reason = a[i + 18] as string | null;
  e.contact = a[i + 19] as string | null;
  e.expires = a[i + 20] as number | null;
  e.userAgent = a[i + 21] as string | null;
  e.serverAgent = a[i + 22] as string | null;
  e.pai = a[i + 23] as string | null;
  e.user = a[i + 24] as string | null;
  e.realm = a[i + 25] as string | null;
  e.pddMs = a[i + 26] as number | null;
  e.ringMs = a[i + 27] as number | null;
  e.originator = a[i + 28] as Originator | null;
  e.timeout = a[i + 29] as boolean;
  e.cancelled = a[i + 30] as boolean;
  e.partial = a[i + 31] as boolean;
  e.trace = a[i + 32] as string | null;
  e.errorCode = a[i + 33] as string | null;
  e.errorMessage = a[i + 34] as string | null;
  e.errorOffset = a[i + 35] as number | null;
  e.bytes = a[i + 36] as number | null;
  e.payloadPrefix = a[i + 37] as string | null;
  e.encap = a[i + 38] as readonly string[];
  e.keyId = a[i + 39] as string | null;
  e.rate = a[i + 40] as RateInfo | null;
  return e;
}

export function packAlert(a: Alert, allowlisted: boolean, out: unknown[]): void {
  out.push(Tag.ALERT, a, allowlisted);
}

export function packDocument(doc: Record<string, unknown>, out: unknown[]): void {
  out.push(Tag.DOCUMENT, doc);
}

/** Values per item of a reply. */
export const RECORD_SLOTS = 9;

export function packRecord(r: OutputRecord, doc: Record<string, unknown> | null, out: unknown[]): void {
  out.push(r.json, r.id, r.tsMs, r.kind, r.action, r.clientIp, r.callId, r.user, doc);
}

export function unpackRecord(a: readonly unknown[], i: number): OutputRecord {
  return {
    json: a[i] as string,
    id: a[i + 1] as string,
    tsMs: a[i + 2] as number,
    kind: a[i + 3] as string,
    action: a[i + 4] as string,
    clientIp: a[i + 5] as string | null,
    callId: a[i + 6] as string | null,
    user: a[i + 7] as string | null,
  };
}
