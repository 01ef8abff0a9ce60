import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { LogThrottle } from './log-throttle.js';
import { byteSize } from '../config/units.js';
import { GiB, MiB } from './option-types.js';
import type { Output, OutputContext } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { Spool } from './spool.js';

/** The spool and delivery options every output has (`spool:` in the configuration). */
export const spoolSchema = z.strictObject({
  /** Root of the spools: each output keeps its files in `<dir>/<output name>/`. */
  dir: z.string().min(1).default('sipsentry-spool'),
  /** Disk cap per output; past it the newest records are dropped. 0 = memory only. */
  maxBytes: byteSize().default(GiB),
  segmentBytes: byteSize().default(64 * MiB),
  /** Records held in memory while the output keeps up; more go to disk. */
  memoryRecords: z.number().int().min(0).default(10_000),
  batchSize: z.number().int().min(1).max(100_000).default(500),
  /** Longest wait for a batch to fill before a partial one is sent. */
  batchWaitMs: z.number().min(0).max(600_000).default(1000),
  /** Back-off after a failed open() or write(): doubles from retryMinMs up to retryMaxMs. */
  retryMinMs: z.number().min(1).default(500),
  retryMaxMs: z.number().min(1).default(30_000),
});
export type SpoolOptions = z.output<typeof spoolSchema>;

export interface CloseOptions {
  /** How long close() keeps delivering before it leaves the rest in the spool (default 5 s; 0 = at once). */
  timeoutMs?: number;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
/** After the close timeout, an open() or write() still in flight gets this long to settle before the output is closed anyway. */
const SETTLE_MS = 2000;

/**
 * Drives one output: records pushed from the packet path wait in the output's spool, and one
 * asynchronous loop sends them in batches, in order, retrying a failed open() or write() with
 * exponential back-off. A batch leaves the spool only once write() has resolved, so a failure, a
 * shutdown or a crash never loses it; outputs key on record.id, so a resend does not duplicate.
 *
 * Counters: `output.<name>.delivered`, `.failures` (rejected open/write calls), `.retries`,
 * `.dropped` (spool full); gauges(): `.spooled` (records on disk), `.queued` (in memory), `.spool_bytes`.
 */
export class Delivery {
  readonly name: string;
  private readonly spool: Spool;
  private readonly throttle: LogThrottle;
  private readonly names: { delivered: string; failures: string; retries: string; spooled: string; queued: string; bytes: string };
  private opened = false;
  /** close() was called: partial batches go at once and the loop ends when the spool is empty. */
  private draining = false;
  /** The close timeout passed: the loop ends after the operation in flight. */
  private stopped = false;
  private backoffMs: number;
  private consecutiveFailures = 0;
  private wakeAt = Infinity;
  private wake: (() => void) | null = null;
  private readonly loop: Promise<void>;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly output: Output,
    private readonly opts: SpoolOptions,
    private readonly ctx: OutputContext,
  ) {
    this.name = output.name;
    const n = `output.${output.name}.`;
    this.names = { delivered: n + 'delivered', failures: n + 'failures', retries: n + 'retries', spooled: n + 'spooled', queued: n + 'queued', bytes: n + 'spool_bytes' };
    this.throttle = new LogThrottle(ctx.log);
    this.backoffMs = opts.retryMinMs;
    this.spool = new Spool(
      output.name,
      { dir: join(opts.dir, output.name), maxBytes: opts.maxBytes, segmentBytes: opts.segmentBytes, memoryRecords: opts.memoryRecords },
      ctx.counters,
      ctx.log,
    );
    this.loop = this.run();
  }

  /** Synchronous and cheap, never waits for the output: the packet path calls it. */
  push(rec: OutputRecord): void {
    this.spool.push(rec);
    if (this.wake !== null && this.spool.size >= this.wakeAt) this.wake();
  }

  /** Records not delivered yet (memory and disk). */
  get waiting(): number {
    return this.spool.size;
  }

  gauges(): Record<string, number> {
    const disk = this.spool.onDisk;
    return { [this.names.spooled]: disk, [this.names.queued]: this.spool.size - disk, [this.names.bytes]: this.spool.bytesOnDisk };
  }

  /** Passes a SIGHUP-style reopen to outputs that have one (files moved away by logrotate). */
  async reopen(): Promise<void> {
    const out = this.output as Output & { reopen?: () => Promise<void> };
    if (this.opened && typeof out.reopen === 'function') await out.reopen();
  }

  /**
   * Delivers what waits, for at most timeoutMs, then persists the rest to the spool (a restart with
   * the same directory resumes it) and closes the output. Idempotent.
   */
  close(opts: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(opts.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.closing;
  }

  private async run(): Promise<void> {
    const { batchSize, batchWaitMs } = this.opts;
    while (!this.stopped) {
      if (this.draining && this.spool.size === 0) break;
      if (!this.opened) {
        try {
          await this.output.open();
          this.opened = true;
          this.succeeded();
        } catch (err) {
          await this.failed(err, 'open');
          continue;
        }
      }
      const size = this.spool.size;
      if (size === 0) {
        await this.until(1, Infinity);
        continue;
      }
      if (size < batchSize && !this.draining && !this.spool.holding) {
        await this.until(batchSize, batchWaitMs);
        if (this.stopped) break;
      }
      const batch = this.spool.take(batchSize);
      if (batch.length === 0) continue;
      try {
        await this.output.write(batch);
      } catch (err) {
        await this.failed(err, 'write');
        continue;
      }
      this.spool.ack();
      this.ctx.counters.inc(this.names.delivered, batch.length);
      this.succeeded();
      // An output that resolves at once (a synchronous store) would otherwise chain batch after batch
      // in microtasks and starve packet processing: each batch ends with a turn of the event loop.
      await nextTurn();
    }
  }

  private async failed(err: unknown, op: 'open' | 'write'): Promise<void> {
    this.ctx.counters.inc(this.names.failures);
    this.consecutiveFailures++;
    // Everything waiting goes to disk now: if the process dies while the output is down, nothing is lost.
    this.spool.failing = true;
    this.throttle.warn(
      op,
      { output: this.name, op, err: (err as Error)?.message ?? String(err), failures: this.consecutiveFailures, retryInMs: this.backoffMs, spooled: this.spool.onDisk },
      'output failed, retrying',
    );
    await this.until(Infinity, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, Math.max(this.opts.retryMaxMs, this.opts.retryMinMs));
    if (!this.stopped) this.ctx.counters.inc(this.names.retries);
  }

  private succeeded(): void {
    if (this.consecutiveFailures === 0) return;
    this.ctx.log.info({ output: this.name, failures: this.consecutiveFailures, spooled: this.spool.onDisk }, 'output recovered');
    this.consecutiveFailures = 0;
    this.backoffMs = this.opts.retryMinMs;
    this.spool.failing = false;
  }

  /** Resolves once the spool holds `size` records, after ms (when finite), or when close() wakes the loop. */
  private until(size: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.wake?.(), ms) : null;
      this.wakeAt = size;
      this.wake = () => {
        if (timer !== null) clearTimeout(timer);
        this.wake = null;
        this.wakeAt = Infinity;
        resolve();
      };
    });
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.wake?.();
    const drained = await settleWithin(this.loop, timeoutMs);
    if (!drained) {
      this.stopped = true;
      this.wake?.();
      // An open() or write() in flight may still succeed; its batch is persisted either way.
      if (!(await settleWithin(this.loop, SETTLE_MS))) this.ctx.log.warn({ output: this.name }, 'output operation still pending at shutdown');
    }
    this.spool.close();
    const left = this.spool.onDisk;
    if (left > 0) this.ctx.log.warn({ output: this.name, records: left, dir: this.opts.dir }, 'output not drained: records kept in the spool for the next start');
    if (!this.opened) return;
    try {
      await this.output.close();
    } catch (err) {
      this.ctx.log.warn({ output: this.name, err: (err as Error).message }, 'output close failed');
    }
  }
}

/** True when p settled within ms. */
async function settleWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
