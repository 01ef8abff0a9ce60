import { createHash } from 'node:crypto';
import type { TrackEvent } from '../track/track-event.js';
import { userOf } from '../track/uri-keys.js';

/**
 * One document on its way to the outputs: the final JSON line (after the guard and encryption)
 * plus the few values every store indexes, so that stores need not parse the JSON again.
 */
export interface OutputRecord {
  /** The ECS document as one line of JSON (no newline). */
  readonly json: string;
  /** Deterministic id (hash of the document): a retried or resumed delivery never duplicates. */
  readonly id: string;
  /** @timestamp in milliseconds since the epoch. */
  readonly tsMs: number;
  /** ECS event.kind: `event`, `metric` (stats) or `alert`. */
  readonly kind: string;
  /** event.action (`call-start`, …, `stats`). */
  readonly action: string;
  readonly clientIp: string | null;
  readonly callId: string | null;
  /** The authentication user, else the From URI's user part. */
  readonly user: string | null;
}

/** 128 bits of SHA-256 in base64url: 22 characters, collision-free for any realistic volume. */
export function documentId(json: string): string {
  return createHash('sha256').update(json).digest('base64url').slice(0, 22);
}

/**
 * A record whose id is hashed on first use: the stores that key on it (Elasticsearch, SQLite,
 * PostgreSQL, CEF) read it, a plain NDJSON or syslog stream never pays for the hash.
 */
class LazyIdRecord implements OutputRecord {
  private _id: string | undefined = undefined;

  constructor(
    readonly json: string,
    readonly tsMs: number,
    readonly kind: string,
    readonly action: string,
    readonly clientIp: string | null,
    readonly callId: string | null,
    readonly user: string | null,
  ) {}

  get id(): string {
    return (this._id ??= documentId(this.json));
  }
}

export function recordFromEvent(e: TrackEvent, json: string): OutputRecord {
  return new LazyIdRecord(json, Math.floor(e.tsUs / 1000), 'event', e.action, e.client?.ip ?? null, e.callId, e.user ?? userOf(e.from));
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function at(doc: Record<string, unknown>, path: string): unknown {
  let cur: unknown = doc;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const o = cur as Record<string, unknown>;
    // ECS documents may carry dotted keys at any level; accept both shapes.
    if (k in o) cur = o[k];
    else return undefined;
  }
  return cur;
}

/** The record of any ECS document (stats, alerts, or an event read back from a spool). */
export function recordFromDocument(doc: Record<string, unknown>, json = JSON.stringify(doc)): OutputRecord {
  const ts = Date.parse(String(doc['@timestamp'] ?? ''));
  const from = str(at(doc, 'sip.from'));
  return new LazyIdRecord(
    json,
    Number.isFinite(ts) ? ts : 0,
    str(at(doc, 'event.kind')) ?? 'event',
    str(at(doc, 'event.action')) ?? 'unknown',
    str(at(doc, 'client.ip')) ?? str(at(doc, 'source.ip')),
    str(at(doc, 'sip.call_id')),
    str(at(doc, 'user.name')) ?? userOf(from),
  );
}

/** Parses a stored line back into its record (spool recovery, re-delivery). */
export function recordFromJson(json: string): OutputRecord {
  return recordFromDocument(JSON.parse(json) as Record<string, unknown>, json);
}
