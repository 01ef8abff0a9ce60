import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * Buffered line writer to stdout or a file: small writes are batched into ~64 KiB chunks, and the
 * stream's backpressure is honoured at flush points.
 */
export class LineSink {
  private buf: string[] = [];
  private size = 0;
  private readonly stream: Writable;
  private broken = false;

  constructor(target: string) {
    this.stream = target === '-' ? process.stdout : createWriteStream(target);
    this.stream.on('error', () => {
      // A closed pipe (`| head`) ends output quietly; the run itself continues to its summary.
      this.broken = true;
    });
  }

  write(line: string): void {
    if (this.broken) return;
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size >= 65536) this.flushSync();
  }

  private flushSync(): void {
    if (this.buf.length === 0) return;
    this.stream.write(this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  /** Writes what is buffered and waits until the stream has taken it. */
  async close(): Promise<void> {
    this.flushSync();
    if (this.broken) return;
    if (this.stream === process.stdout) {
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      return;
    }
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
  }
}
