import { Worker } from 'node:worker_threads';
import type { Alert } from '../events/alert.js';
import type { TrackEvent } from '../track/track-event.js';
import { EVENT_SLOTS, packAlert, packDocument, packEvent, packRecord, RECORD_SLOTS, Tag, unpackEvent, unpackRecord } from './event-pack.js';
import type { Encryptor, EncryptorOptions } from './processor.js';
import { alertRecord, documentRecord, eventRecord, type RecordMaker, type RecordReceiver } from './records.js';

/**
 * Field encryption on a second thread. Encrypting an event costs several times what the packet
 * thread spends on it otherwise (each new value is AES work plus cache misses), while a replay or
 * a busy probe leaves the machine's other cores idle. The packet thread packs each item into a
 * flat batch (event-pack.ts) and posts it; the worker encrypts, serialises and makes the records
 * with the same functions as the inline path (records.ts) and posts them back in order.
 *
 * - Order: one worker, one queue each way, so records arrive in the order items were handed in.
 * - Latency: a batch goes when it is full or at the next turn of the event loop.
 * - Memory: at most `maxInFlight` batches are on their way; beyond that the packet thread waits
 *   for the worker (Atomics.wait on a shared progress counter), as it would if it encrypted itself.
 * - Failure: an exception in the worker is a bug, as it would be inline: `onError` hears it,
 *   every later call throws it, nothing is silently dropped.
 */
export interface OffloadOptions {
  /** Items per batch. */
  batchSize?: number;
  /** Batches posted and not yet finished by the worker before the packet thread waits. */
  maxInFlight?: number;
  /** How long the packet thread waits for a worker that makes no progress before giving up (ms). */
  stallMs?: number;
}

/** A master key as it crosses to the worker (MasterKey.forWorker()). */
export interface WorkerKey {
  bytes: Uint8Array;
  origin: string;
}

/** What the worker thread starts from (worker data). */
export interface WorkerSetup {
  groups: EncryptorOptions['groups'];
  ipMode: EncryptorOptions['ipMode'];
  cacheSize: EncryptorOptions['cacheSize'];
  key: WorkerKey;
  /** [0] batches finished, [1] 1 once the worker failed. */
  progress: Int32Array;
}

const DONE = 0;
const FAILED = 1;

/**
 * Finishes a packed batch into a packed reply; shared by the worker and tests. A REKEY item switches
 * to the encryptor `rekey` makes from its key, in order with the items around it. Returns the
 * encryptor in force after the batch.
 */
export function finishBatch(enc: Encryptor, batch: readonly unknown[], out: unknown[], rekey: (key: WorkerKey) => Encryptor = () => enc): Encryptor {
  let i = 0;
  while (i < batch.length) {
    switch (batch[i]) {
      case Tag.REKEY:
        enc = rekey(batch[i + 1] as WorkerKey);
        i += 2;
        break;
      case Tag.EVENT:
        packRecord(eventRecord(enc, unpackEvent(batch, i)), null, out);
        i += EVENT_SLOTS;
        break;
      case Tag.ALERT: {
        const { record, doc } = alertRecord(enc, batch[i + 1] as Alert, batch[i + 2] as boolean);
        packRecord(record, doc, out);
        i += 3;
        break;
      }
      case Tag.DOCUMENT:
        packRecord(documentRecord(enc, batch[i + 1] as Record<string, unknown>), null, out);
        i += 2;
        break;
      default:
        throw new Error(`encryption batch: unknown item tag ${String(batch[i])} at ${i}`);
    }
  }
  return enc;
}

export class EncryptionWorker implements RecordMaker {
  private readonly worker: Worker;
  private readonly progress = new Int32Array(new SharedArrayBuffer(8));
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly stallMs: number;
  private batch: unknown[] = [];
  private items = 0;
  private posted = 0;
  private delivered = 0;
  private scheduled = false;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private failure: Error | null = null;
  private closed = false;

  constructor(
    enc: Encryptor,
    private readonly receive: RecordReceiver,
    opts: OffloadOptions = {},
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.batchSize = opts.batchSize ?? 256;
    this.maxInFlight = opts.maxInFlight ?? 64;
    this.stallMs = opts.stallMs ?? 60_000;
    const o = enc.options;
    const setup: WorkerSetup = { groups: o.groups, ipMode: o.ipMode, cacheSize: o.cacheSize, key: o.key.forWorker(), progress: this.progress };
    this.worker = new Worker(new URL('./encrypt-worker.js', import.meta.url), { workerData: setup });
    // Referenced only while work is on its way: an idle worker never keeps the process alive.
    this.worker.unref();
    this.worker.on('message', (reply: unknown) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the encryption worker exited (code ${code})`));
    });
  }

  event(e: TrackEvent): void {
    this.check();
    packEvent(e, this.batch);
    this.added();
  }

  alert(a: Alert, allowlisted: boolean): void {
    this.check();
    packAlert(a, allowlisted, this.batch);
    this.added();
  }

  document(doc: Record<string, unknown>): void {
    this.check();
    packDocument(doc, this.batch);
    this.added();
  }

  /** The worker switches keys between the items before and after this call (same groups and modes). */
  rekey(enc: Encryptor): void {
    this.check();
    this.batch.push(Tag.REKEY, enc.options.key.forWorker());
    this.added();
  }

  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.post();
    if (this.delivered === this.posted) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private added(): void {
    if (++this.items >= this.batchSize) this.post();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.postLater);
    }
  }

  private readonly postLater = (): void => {
    this.scheduled = false;
    if (this.failure === null) this.post();
  };

  private post(): void {
    if (this.items === 0) return;
    this.waitForRoom();
    const b = this.batch;
    this.batch = [];
    this.items = 0;
    if (this.posted === this.delivered) this.worker.ref();
    this.posted++;
    this.worker.postMessage(b);
  }

  /** Back-pressure: with maxInFlight batches unfinished, wait (blocking) until the worker finishes one. */
  private waitForRoom(): void {
    let done = Atomics.load(this.progress, DONE);
    if (this.posted - done < this.maxInFlight) return;
    let waited = 0;
    while (this.posted - done >= this.maxInFlight) {
      if (Atomics.load(this.progress, FAILED) !== 0) throw this.fail(new Error('the encryption worker failed'));
      if (Atomics.wait(this.progress, DONE, done, 100) === 'timed-out') {
        waited += 100;
        if (waited >= this.stallMs) throw this.fail(new Error(`the encryption worker made no progress for ${this.stallMs} ms`));
      } else {
        waited = 0;
      }
      done = Atomics.load(this.progress, DONE);
    }
  }

  private onReply(reply: unknown): void {
    if (!Array.isArray(reply)) {
      this.fail(new Error(`the encryption worker failed: ${String((reply as { error?: unknown }).error)}`));
      return;
    }
    for (let i = 0; i < reply.length; i += RECORD_SLOTS) {
      this.receive(unpackRecord(reply, i), reply[i + RECORD_SLOTS - 1] as Record<string, unknown> | null);
    }
    if (++this.delivered === this.posted) {
      this.worker.unref();
      const w = this.waiters;
      this.waiters = [];
      for (const x of w) x.resolve();
    }
  }

  private fail(err: Error): Error {
    if (this.failure !== null) return this.failure;
    this.failure = err;
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(err);
    this.worker.unref();
    this.onError(err);
    return err;
  }
}
