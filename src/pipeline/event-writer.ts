import { eventToJson } from '../events/ndjson.js';
import type { Encryptor } from '../privacy/processor.js';
import { recordFromDocument, recordFromEvent, type OutputRecord } from '../outputs/record.js';
import type { TrackEvent } from '../track/track-event.js';

/**
 * The single write point after the guard: encryption (so the guard's summaries and the stats are
 * covered too), serialisation, and the record every output receives.
 */
export class EventWriter {
  constructor(
    private readonly enc: Encryptor | null,
    private readonly sink: (r: OutputRecord) => void,
  ) {}

  readonly event = (e: TrackEvent): void => {
    this.enc?.(e);
    this.sink(recordFromEvent(e, eventToJson(e)));
  };

  /** A finished ECS document (stats, alerts). */
  readonly document = (doc: Record<string, unknown>): void => {
    const d = this.enc !== null ? this.enc.statsDocument(doc) : doc;
    this.sink(recordFromDocument(d, JSON.stringify(d)));
  };
}
