import { alertToEcs, type Alert } from '../events/alert.js';
import { eventToJson } from '../events/ndjson.js';
import { recordFromDocument, recordFromEvent, type OutputRecord } from '../events/record.js';
import type { TrackEvent } from '../track/track-event.js';
import type { Encryptor } from './processor.js';

/**
 * The last step before the outputs: encryption (when on), serialisation and the record. Done here
 * on the packet thread (`inlineRecords`) or on a worker thread (`EncryptionWorker`, offload.ts),
 * both through the three functions below, so either way gives the same records in the same order.
 */

/** Receives each finished record, and for an alert its document too (webhook and exec hooks). */
export type RecordReceiver = (r: OutputRecord, alertDoc: Record<string, unknown> | null) => void;

export interface RecordMaker {
  event(e: TrackEvent): void;
  alert(a: Alert, allowlisted: boolean): void;
  /** A finished ECS document (stats). */
  document(doc: Record<string, unknown>): void;
  /** Resolves once every item handed in so far has reached the receiver. */
  flush(): Promise<void>;
  /** flush(), then release what the maker holds (the worker thread). */
  close(): Promise<void>;
  /** Items handed in from now on are encrypted with `enc` (key rotation); earlier ones keep the old key. */
  rekey(enc: Encryptor): void;
}

export function eventRecord(enc: Encryptor | null, e: TrackEvent): OutputRecord {
  enc?.(e);
  return recordFromEvent(e, eventToJson(e));
}

/** An alert's record and its document (hooks receive the document). */
export function alertRecord(enc: Encryptor | null, a: Alert, allowlisted: boolean): { record: OutputRecord; doc: Record<string, unknown> } {
  enc?.alert(a);
  const doc = alertToEcs(a, allowlisted);
  return { record: recordFromDocument(doc, JSON.stringify(doc)), doc };
}

export function documentRecord(enc: Encryptor | null, doc: Record<string, unknown>): OutputRecord {
  const d = enc !== null ? enc.statsDocument(doc) : doc;
  return recordFromDocument(d, JSON.stringify(d));
}

/** Every item finished at once, on the caller's thread. */
export function inlineRecords(enc: Encryptor | null, receive: RecordReceiver): RecordMaker {
  return {
    rekey: (next) => {
      enc = next;
    },
    event: (e) => receive(eventRecord(enc, e), null),
    alert: (a, allowlisted) => {
      const { record, doc } = alertRecord(enc, a, allowlisted);
      receive(record, doc);
    },
    document: (doc) => receive(documentRecord(enc, doc), null),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
