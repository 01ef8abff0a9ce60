import { Worker } from 'node:worker_threads';

/** What a request/reply worker answers: the request's seq, then a value or an error (with an optional kind). */
export type WorkerReply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string; kind?: string };

/** A failure reported by the worker, or the worker's death or time-out. */
export class WorkerRequestError extends Error {
  constructor(
    message: string,
    /** The worker's own classification of the failure; `timeout` when the answer took too long; `died` when the thread ended. */
    readonly kind: string | null,
  ) {
    super(message);
  }
}

/**
 * The calling side of a worker thread that answers requests one by one (`{ seq, … }` in,
 * WorkerReply out). The thread starts on the first request and again after it died or was stopped
 * for taking too long; an idle thread never keeps the process alive.
 */
export class WorkerClient {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly url: URL,
    /** Names the thread in errors, e.g. 'sqlite writer'. */
    private readonly what: string,
  ) {}

  get running(): boolean {
    return this.worker !== null;
  }

  /**
   * Sends one request. With timeoutMs, an answer that takes longer stops the thread (a runaway
   * query cannot be interrupted otherwise): this and every other waiting request fail with kind
   * `timeout`, and the next request starts a new thread.
   */
  request(msg: object, timeoutMs = 0): Promise<unknown> {
    const w = this.worker ?? this.start();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => void this.kill(w, new WorkerRequestError(`the ${this.what} thread took longer than ${timeoutMs} ms and was stopped`, 'timeout')), timeoutMs)
          : null;
      timer?.unref();
      this.pending.set(seq, { resolve, reject, timer });
      w.ref();
      w.postMessage({ ...msg, seq });
    });
  }

  /** Stops the thread; waiting requests fail. */
  async terminate(): Promise<void> {
    const w = this.worker;
    if (w !== null) await this.kill(w, new WorkerRequestError(`the ${this.what} thread was stopped`, 'died'));
  }

  private start(): Worker {
    const w = new Worker(this.url);
    w.unref();
    w.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.seq);
      if (p === undefined) return;
      this.pending.delete(r.seq);
      if (p.timer !== null) clearTimeout(p.timer);
      if (this.pending.size === 0) w.unref();
      if (r.ok) p.resolve(r.value);
      else p.reject(new WorkerRequestError(r.error, r.kind ?? null));
    });
    w.on('error', (err) => this.died(w, new WorkerRequestError(err.message, 'died')));
    w.on('exit', (code) => this.died(w, new WorkerRequestError(`the ${this.what} thread exited (code ${code})`, 'died')));
    this.worker = w;
    return w;
  }

  private async kill(w: Worker, err: WorkerRequestError): Promise<void> {
    this.died(w, err);
    await w.terminate();
  }

  /** Fails every waiting request, once, for the thread that is current. */
  private died(w: Worker, err: WorkerRequestError): void {
    if (this.worker !== w) return;
    this.worker = null;
    for (const p of this.pending.values()) {
      if (p.timer !== null) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
