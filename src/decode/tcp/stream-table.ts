import { OldestKey } from '../../base/oldest-key.js';
import type { TcpStream } from './tcp-stream.js';

/**
 * The tracked TCP streams, least recently active first. A Map keeps insertion order, so a
 * stream is moved to the young end when it is touched; to keep that off the per-packet cost it
 * is moved at most once per TOUCH_GRANULARITY_US of packet time, which makes the order exact to
 * within that granularity — plenty for an idle timeout of minutes.
 */
export const TOUCH_GRANULARITY_US = 1_000_000;

export class TcpStreamTable {
  private readonly streams = new Map<string, TcpStream>();
  /** Evictions come in floods (one per new stream when full): walk past the holes of earlier ones once. */
  private readonly oldestKey = new OldestKey(this.streams);

  get size(): number {
    return this.streams.size;
  }

  get(key: string): TcpStream | undefined {
    return this.streams.get(key);
  }

  add(stream: TcpStream): void {
    this.streams.set(stream.key, stream);
  }

  delete(stream: TcpStream): void {
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
  }

  touch(stream: TcpStream, tsUs: number): void {
    if (tsUs > stream.lastTsUs) stream.lastTsUs = tsUs;
    if (tsUs - stream.touchedUs >= TOUCH_GRANULARITY_US) {
      stream.touchedUs = tsUs;
      this.streams.delete(stream.key);
      this.streams.set(stream.key, stream);
    }
  }

  /** The least recently active stream (eviction candidate), skipping `except`. */
  oldest(except: TcpStream | null): TcpStream | undefined {
    const key = except === null ? this.oldestKey.next() : this.oldestKey.nextOther(except.key);
    return key === undefined ? undefined : this.streams.get(key);
  }

  /**
   * Streams idle for `idleUs` at packet time `nowUs`, oldest first. Streams touched long ago but
   * active within the touch granularity are moved to the young end instead.
   */
  expired(nowUs: number, idleUs: number): TcpStream[] {
    const out: TcpStream[] = [];
    for (const s of this.streams.values()) {
      if (s.touchedUs + idleUs > nowUs) break;
      if (s.lastTsUs + idleUs <= nowUs) {
        out.push(s);
      } else {
        s.touchedUs = s.lastTsUs;
        this.streams.delete(s.key);
        this.streams.set(s.key, s);
      }
    }
    return out;
  }

  /** All streams (for the end of input), emptying the table. */
  drain(): TcpStream[] {
    const all = [...this.streams.values()];
    this.streams.clear();
    return all;
  }
}
