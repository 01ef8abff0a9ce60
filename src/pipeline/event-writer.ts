import { alertToEcs, type Alert } from '../events/alert.js';
import { eventToJson } from '../events/ndjson.js';
import type { Encryptor } from '../privacy/processor.js';
import { recordFromDocument, recordFromEvent, type OutputRecord } from '../events/record.js';
import type { TrackEvent } from '../track/track-event.js';

/**
 * The single write point after the guard: encryption (so the guard's summaries and the stats are
 * covered too), serialisation, and the record every output receives.
 */
export class EventWriter {
  private readonly alertListeners: Array<(doc: Record<string, unknown>) => void> = [];
  private readonly recordListeners: Array<(r: OutputRecord) => void> = [];

  constructor(
    private readonly enc: Encryptor | null,
    private readonly sink: (r: OutputRecord) => void,
  ) {}

  readonly event = (e: TrackEvent): void => {
    this.enc?.(e);
    this.emit(recordFromEvent(e, eventToJson(e)));
  };

  /** A detection, encrypted like the events. */
  readonly alert = (a: Alert, allowlisted: boolean): void => {
    this.enc?.alert(a);
    const doc = alertToEcs(a, allowlisted);
    this.emit(recordFromDocument(doc, JSON.stringify(doc)));
    for (const l of this.alertListeners) l(doc);
  };

  /** Also hands each finished alert document to `listener` (webhook and exec hooks). */
  onAlert(listener: (doc: Record<string, unknown>) => void): void {
    this.alertListeners.push(listener);
  }

  /** Also hands every record (events, alerts, stats; encrypted when privacy is on) to `listener`: the live stream and rate history. */
  onRecord(listener: (r: OutputRecord) => void): () => void {
    this.recordListeners.push(listener);
    return () => {
      const i = this.recordListeners.indexOf(listener);
      if (i >= 0) this.recordListeners.splice(i, 1);
    };
  }

  private emit(r: OutputRecord): void {
    this.sink(r);
    for (let i = 0; i < this.recordListeners.length; i++) this.recordListeners[i]!(r);
  }

  /** A finished ECS document (stats). */
  readonly document = (doc: Record<string, unknown>): void => {
    const d = this.enc !== null ? this.enc.statsDocument(doc) : doc;
    this.emit(recordFromDocument(d, JSON.stringify(d)));
  };
}
