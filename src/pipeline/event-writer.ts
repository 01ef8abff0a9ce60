import { alertToEcs, type Alert } from '../events/alert.js';
import { eventToJson } from '../events/ndjson.js';
import type { Encryptor } from '../privacy/processor.js';
import { recordFromDocument, recordFromEvent, type OutputRecord } from '../outputs/record.js';
import type { TrackEvent } from '../track/track-event.js';

/**
 * The single write point after the guard: encryption (so the guard's summaries and the stats are
 * covered too), serialisation, and the record every output receives.
 */
export class EventWriter {
  private readonly alertListeners: Array<(doc: Record<string, unknown>) => void> = [];

  constructor(
    private readonly enc: Encryptor | null,
    private readonly sink: (r: OutputRecord) => void,
  ) {}

  readonly event = (e: TrackEvent): void => {
    this.enc?.(e);
    this.sink(recordFromEvent(e, eventToJson(e)));
  };

  /** A detection, encrypted like the events. */
  readonly alert = (a: Alert, allowlisted: boolean): void => {
    this.enc?.alert(a);
    const doc = alertToEcs(a, allowlisted);
    this.sink(recordFromDocument(doc, JSON.stringify(doc)));
    for (const l of this.alertListeners) l(doc);
  };

  /** Also hands each finished alert document to `listener` (webhook and exec hooks). */
  onAlert(listener: (doc: Record<string, unknown>) => void): void {
    this.alertListeners.push(listener);
  }

  /** A finished ECS document (stats). */
  readonly document = (doc: Record<string, unknown>): void => {
    const d = this.enc !== null ? this.enc.statsDocument(doc) : doc;
    this.sink(recordFromDocument(d, JSON.stringify(d)));
  };
}
