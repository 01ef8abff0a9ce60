import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { byteSize, duration } from '../config/units.js';
import { instanceName, MiB } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { RotatedFiles } from './rotate.js';

export const ndjsonSchema = z.strictObject({
  name: instanceName.default('ndjson'),
  /** A file, or `-` for standard output (a plain stream: no rotation). */
  path: z.string().min(1).default('-'),
  /** Rotate before a write would take the file past this size; 0 = never by size. */
  rotateBytes: byteSize().default(100 * MiB),
  /** Rotate at every multiple of this many seconds since the epoch (86400 or `1d`: at UTC midnight); 0 = never by time. */
  rotateInterval: duration().default(86_400),
  /** Rotated files kept; older ones are deleted. */
  retain: z.number().int().min(0).default(7),
  /** gzip rotated files. */
  compress: z.boolean().default(true),
});
export type NdjsonOptions = z.output<typeof ndjsonSchema>;

function lines(batch: readonly OutputRecord[]): string {
  let text = '';
  for (const r of batch) text += r.json + '\n';
  return text;
}

/**
 * ECS documents as lines in a file, rotated by size and by time. A write resolves once the kernel
 * has the bytes (a process crash loses nothing written). `reopen()` is for SIGHUP after an external
 * logrotate has moved the file away. `now` is injectable so that tests can move time.
 */
export class NdjsonFileOutput implements Output {
  readonly name: string;
  private fh: FileHandle | null = null;
  private size = 0;
  /** Wall-clock ms at which the current period ends and the next write rotates. */
  private periodEnd = Infinity;
  private readonly rotated: RotatedFiles;
  /** write, reopen and close run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: NdjsonOptions,
    ctx: OutputContext,
    private readonly now: () => number = Date.now,
  ) {
    this.name = opts.name;
    this.rotated = new RotatedFiles(opts.path, opts.retain, opts.compress, ctx.log);
  }

  open(): Promise<void> {
    return this.serial(async () => {
      await mkdir(dirname(this.opts.path), { recursive: true });
      await this.openFile(true);
      this.rotated.resume();
    });
  }

  write(batch: readonly OutputRecord[]): Promise<void> {
    return this.serial(async () => {
      const buf = Buffer.from(lines(batch));
      const t = this.now();
      const late = t >= this.periodEnd;
      // Reopened here after a failed rotation (the delivery retries the batch).
      if (this.fh === null) await this.openFile(false);
      const big = this.opts.rotateBytes > 0 && this.size + buf.length > this.opts.rotateBytes;
      if (this.size > 0 && (late || big)) await this.rotate(t);
      if (late) this.periodEnd = this.nextPeriodEnd(t);
      let off = 0;
      while (off < buf.length) off += (await this.fh!.write(buf, off, buf.length - off)).bytesWritten;
      this.size += buf.length;
    });
  }

  /** Closes and reopens the path (after an external rotation moved the file). */
  reopen(): Promise<void> {
    return this.serial(async () => {
      await this.closeFile();
      await this.openFile(false);
    });
  }

  async close(): Promise<void> {
    await this.serial(() => this.closeFile());
    await this.rotated.settled();
  }

  private async openFile(atStart: boolean): Promise<void> {
    this.fh = await open(this.opts.path, 'a');
    const st = await this.fh.stat();
    this.size = st.size;
    const t = this.now();
    this.periodEnd = this.nextPeriodEnd(t);
    // A file last written in an earlier period (the probe was down over midnight) rotates first.
    if (atStart && st.size > 0 && this.periodEnd !== Infinity && st.mtimeMs < this.periodEnd - this.opts.rotateInterval * 1000) await this.rotate(t);
  }

  private async rotate(t: number): Promise<void> {
    await this.closeFile();
    const aside = this.rotated.nameFor(t);
    await rename(this.opts.path, aside);
    this.rotated.rotated(aside);
    this.fh = await open(this.opts.path, 'a');
    this.size = 0;
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }

  private nextPeriodEnd(t: number): number {
    const ms = this.opts.rotateInterval * 1000;
    return ms > 0 ? (Math.floor(t / ms) + 1) * ms : Infinity;
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Lines to a stream (standard output): each write resolves when the stream has taken the batch, so
 * the delivery's one-batch-at-a-time loop is the backpressure. A closed pipe (`| head`) is final:
 * later records are counted as `output.<name>.rejected`, not retried forever.
 */
export class NdjsonStreamOutput implements Output {
  private broken = false;
  private readonly rejected: string;
  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (pipeClosed(err)) this.brokenPipe();
  };

  constructor(
    readonly name: string,
    private readonly ctx: OutputContext,
    private readonly stream: Writable = process.stdout,
  ) {
    this.rejected = `output.${name}.rejected`;
  }

  async open(): Promise<void> {
    this.stream.on('error', this.onError);
  }

  write(batch: readonly OutputRecord[]): Promise<void> {
    if (this.broken || this.stream.destroyed) {
      if (!this.broken) this.brokenPipe();
      this.ctx.counters.inc(this.rejected, batch.length);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.stream.write(lines(batch), (err) => {
        if (err === null || err === undefined) resolve();
        else if (pipeClosed(err)) {
          this.brokenPipe();
          this.ctx.counters.inc(this.rejected, batch.length);
          resolve();
        } else reject(err);
      });
    });
  }

  async close(): Promise<void> {
    this.stream.off('error', this.onError);
  }

  private brokenPipe(): void {
    if (this.broken) return;
    this.broken = true;
    this.ctx.log.warn({ output: this.name }, 'output stream closed by the reader: further records are discarded');
  }
}

function pipeClosed(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
}

export const ndjsonOutput: OutputKind<typeof ndjsonSchema> = {
  kind: 'ndjson',
  schema: ndjsonSchema,
  fromTarget: (target) => (target === undefined || target === '' ? {} : { path: target }),
  create: (opts, ctx) => (opts.path === '-' ? new NdjsonStreamOutput(opts.name, ctx) : new NdjsonFileOutput(opts, ctx)),
};
