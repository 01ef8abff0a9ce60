import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Log } from '../base/log.js';

/**
 * The rotated siblings of a live file: `events.ndjson` rotates to `events-20240514T080000Z.ndjson`
 * (named after the rotation time, `-1`, `-2` … on a collision), which is then gzip-compressed to
 * `….ndjson.gz` in the background (zlib streams on the thread pool: the event loop only moves
 * chunks) and the oldest beyond `retain` are deleted. Compressions run one at a time, in order.
 */
export class RotatedFiles {
  private readonly dir: string;
  private readonly stem: string;
  private readonly ext: string;
  private readonly pattern: RegExp;
  private work: Promise<void> = Promise.resolve();

  constructor(
    path: string,
    private readonly retain: number,
    private readonly compress: boolean,
    private readonly log: Log,
  ) {
    this.dir = dirname(path);
    const base = basename(path);
    this.ext = extname(base);
    this.stem = base.slice(0, base.length - this.ext.length);
    this.pattern = new RegExp(`^${escape(this.stem)}-(\\d{8}T\\d{6}Z)(?:-(\\d+))?${escape(this.ext)}(\\.gz)?$`);
  }

  /** A free name for the file rotated at time t (ms). */
  nameFor(t: number): string {
    const stamp = new Date(t).toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
    for (let n = 0; ; n++) {
      const p = join(this.dir, `${this.stem}-${stamp}${n > 0 ? '-' + n : ''}${this.ext}`);
      if (!existsSync(p) && !existsSync(p + '.gz')) return p;
    }
  }

  /** Queues compression of a file just rotated (or left uncompressed by a crash), then the retention sweep. */
  rotated(path: string): void {
    this.queue(async () => {
      if (this.compress) await this.gzip(path);
      await this.sweep();
    });
  }

  /** Finishes what a previous run left: uncompressed rotated files and half-written archives. */
  resume(): void {
    this.queue(async () => {
      for (const f of await this.list()) {
        if (f.tmp) await rm(f.path, { force: true });
        else if (!f.gz && this.compress) await this.gzip(f.path);
      }
      await this.sweep();
    });
  }

  /** Resolves when every queued compression and sweep is done. */
  settled(): Promise<void> {
    return this.work;
  }

  private queue(job: () => Promise<void>): void {
    this.work = this.work.then(job).catch((err: unknown) => {
      this.log.warn({ dir: this.dir, err: (err as Error).message }, 'rotated file maintenance failed');
    });
  }

  private async gzip(path: string): Promise<void> {
    if (!existsSync(path)) return; // swept already (retain 0), or moved away by someone else
    const tmp = path + '.gz.tmp';
    await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp));
    await rename(tmp, path + '.gz');
    await rm(path, { force: true });
  }

  /** Deletes the oldest rotated files beyond `retain`. */
  private async sweep(): Promise<void> {
    const files = (await this.list()).filter((f) => !f.tmp);
    files.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.n - b.n));
    for (const f of files.slice(0, Math.max(0, files.length - this.retain))) await rm(f.path, { force: true });
  }

  private async list(): Promise<Array<{ path: string; stamp: string; n: number; gz: boolean; tmp: boolean }>> {
    const out = [];
    for (const name of await readdir(this.dir)) {
      const tmp = name.endsWith('.gz.tmp');
      const m = this.pattern.exec(tmp ? name.slice(0, -7) : name);
      if (m === null) continue;
      out.push({ path: join(this.dir, name), stamp: m[1]!, n: Number(m[2] ?? 0), gz: m[3] !== undefined, tmp });
    }
    return out;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
