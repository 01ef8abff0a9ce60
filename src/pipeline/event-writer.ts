import type { Alert } from '../events/alert.js';
import type { OutputRecord } from '../events/record.js';
import { EncryptionWorker, type OffloadOptions } from '../privacy/offload.js';
import type { Encryptor } from '../privacy/processor.js';
import { inlineRecords, type RecordMaker } from '../privacy/records.js';
import type { TrackEvent } from '../track/track-event.js';

export interface EventWriterOptions {
  /** Encrypt on a worker thread (privacy/offload.ts) instead of the packet thread; only with an encryptor. */
  worker?: OffloadOptions | null;
  /** The worker failed (a bug): the writer throws from then on; this hears it first. */
  onWorkerError?: (err: Error) => void;
}

/**
 * The single write point after the guard: encryption (so the guard's summaries and the stats are
 * covered too), serialisation, and the record every output receives. With a worker, records reach
 * the sink a moment later but in the same order; `flush()` waits for them.
 */
export class EventWriter {
  private readonly alertListeners: Array<(doc: Record<string, unknown>) => void> = [];
  private readonly recordListeners: Array<(r: OutputRecord) => void> = [];
  private readonly maker: RecordMaker;

  constructor(
    enc: Encryptor | null,
    private readonly sink: (r: OutputRecord) => void,
    opts: EventWriterOptions = {},
  ) {
    const receive = (r: OutputRecord, alertDoc: Record<string, unknown> | null): void => {
      this.emit(r);
      if (alertDoc !== null) for (const l of this.alertListeners) l(alertDoc);
    };
    this.maker = enc !== null && opts.worker != null ? new EncryptionWorker(enc, receive, opts.worker, opts.onWorkerError) : inlineRecords(enc, receive);
  }

  readonly event = (e: TrackEvent): void => this.maker.event(e);

  /** A detection, encrypted like the events. */
  readonly alert = (a: Alert, allowlisted: boolean): void => this.maker.alert(a, allowlisted);

  /** A finished ECS document (stats). */
  readonly document = (doc: Record<string, unknown>): void => this.maker.document(doc);

  /** Key rotation: what is written from now on is encrypted with `enc` (same groups and modes), in order. */
  rekey(enc: Encryptor): void {
    this.maker.rekey(enc);
  }

  /** Resolves once everything written so far has reached the sink. */
  flush(): Promise<void> {
    return this.maker.flush();
  }

  /** flush(), then stop the worker thread if there is one. */
  close(): Promise<void> {
    return this.maker.close();
  }

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
}
