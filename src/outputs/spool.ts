import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Counters } from '../base/counters.js';
import type { Log } from '../base/log.js';
import { LogThrottle } from './log-throttle.js';
import { recordFromDocument, type OutputRecord } from '../events/record.js';

/** Where and how much one output's spool may keep. */
export interface SpoolLimits {
  /** This output's own directory (created on the first spill only). */
  dir: string;
  /** Cap on the segment files together; 0 keeps the spool in memory only. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size (soft: one write group may overshoot). */
  segmentBytes: number;
  /** Records kept in memory before they go to disk while the output keeps up. */
  memoryRecords: number;
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes in the file: whole lines we wrote, or the size found at start (maybe ending in a torn line). */
  bytes: number;
  /** Lines not yet read back (torn and corrupt ones included until the reader meets them). */
  unread: number;
}

/** A place in the spool files: before byte `offset` of segment `seq` everything is consumed. */
interface Position {
  seq: number;
  offset: number;
}

const SEGMENT_NAME = /^(\d{12})\.ndjson$/;
const CURSOR = 'cursor.json';
/** Records per write group, and bytes a background spill step writes before yielding the loop. */
const GROUP_RECORDS = 1000;
const SPILL_STEP_BYTES = 4 << 20;
const READ_CHUNK = 1 << 20;
const NONE: readonly OutputRecord[] = [];

/**
 * A bounded FIFO of records for one output, in memory while the output keeps up and on disk
 * (NDJSON segment files of the records' JSON) when it falls behind or fails.
 *
 * Order: the queue is always `held` (the batch handed to the output and not yet acknowledged), then
 * the unread part of the segment files, then `mem`. A spill appends `mem` behind the files, and a
 * held batch that came from memory is written first, so nothing overtakes anything. `take()` reads
 * from the files as long as they hold anything, from memory after that.
 *
 * Restart: `cursor.json` names the first unacknowledged byte; fully acknowledged segments are deleted.
 * A crash can at worst resend the batch that was being acknowledged (outputs key on record.id).
 *
 * Disk I/O is synchronous in bounded steps (≤ 4 MiB written, 1 MiB read at a time): the state stays
 * consistent without locking, and page-cache writes of that size take a few milliseconds at most.
 * `push()` only appends to an array; spills run from setImmediate, except when memory reaches its
 * hard cap (the loop has not turned for a long time), where one step runs inline.
 */
export class Spool {
  private segments: Segment[] = [];
  private diskBytes = 0;
  private nextSeq = 1;
  /** Open descriptor of the last segment while we append to it, else -1 (recovered segments stay sealed). */
  private writeFd = -1;
  private readFd = -1;
  private readFdSeq = -1;
  private read: Position = { seq: 0, offset: 0 };
  /** Bytes read past `read` and not consumed yet, so the next take does not read them again. */
  private ahead: { seq: number; offset: number; buf: Buffer } | null = null;
  private held: OutputRecord[] = [];
  /** Where `held` ends in the files, or null while it exists in memory only. */
  private heldEnd: Position | null = null;
  private mem: OutputRecord[] = [];
  private failingOutput = false;
  private spillQueued: NodeJS.Immediate | null = null;
  private closed = false;
  private readonly hardCap: number;
  private readonly throttle: LogThrottle;
  private readonly names: { dropped: string; corrupt: string; errors: string };

  constructor(
    private readonly name: string,
    private readonly limits: SpoolLimits,
    private readonly counters: Counters,
    private readonly log: Log,
  ) {
    // On disk, memory only overflows its threshold while the loop does not turn; in memory only, it is the cap.
    this.hardCap = limits.maxBytes > 0 ? Math.max(2 * limits.memoryRecords, 1000) : limits.memoryRecords;
    this.throttle = new LogThrottle(log);
    this.names = { dropped: `output.${name}.dropped`, corrupt: `output.${name}.spool_corrupt`, errors: `output.${name}.spool_errors` };
    this.recover();
  }

  /** Records waiting: held, on disk and in memory. */
  get size(): number {
    return this.onDisk + this.mem.length + (this.heldEnd === null ? this.held.length : 0);
  }

  /** Records in the segment files not yet acknowledged (the `spooled` gauge). */
  get onDisk(): number {
    let n = this.heldEnd !== null ? this.held.length : 0;
    for (const s of this.segments) n += s.unread;
    return n;
  }

  /** A batch was taken and not acknowledged yet (it comes back from take() until ack()). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  get bytesOnDisk(): number {
    return this.diskBytes;
  }

  /** While the output fails, every record goes to disk at the next turn of the loop (a crash then loses nothing). */
  set failing(v: boolean) {
    this.failingOutput = v;
    if (v && this.mem.length > 0 && this.limits.maxBytes > 0) this.queueSpill();
  }

  /** Synchronous and cheap: appends to memory; a full spool drops (counted, logged) instead of blocking. */
  push(rec: OutputRecord): void {
    if (this.closed) {
      this.drop(1, 'spool closed');
      return;
    }
    this.mem.push(rec);
    if (this.mem.length <= this.spillAbove()) return;
    if (this.mem.length >= this.hardCap) {
      if (this.limits.maxBytes > 0) this.spill(SPILL_STEP_BYTES);
      if (this.mem.length >= this.hardCap) {
        this.mem.pop();
        this.drop(1, 'memory full');
      }
      return;
    }
    if (this.limits.maxBytes > 0) this.queueSpill();
  }

  /**
   * The next batch (at most max records, all from disk or all from memory), or the same batch again
   * while it is not acknowledged. Empty when nothing waits.
   */
  take(max: number): readonly OutputRecord[] {
    if (this.held.length > 0) return this.held;
    while (this.diskPending()) {
      const batch = this.readDisk(max);
      if (batch.length > 0) {
        this.held = batch;
        return batch;
      }
    }
    if (this.mem.length === 0) return NONE;
    this.held = this.mem.length <= max ? this.mem : this.mem.slice(0, max);
    this.mem = this.held === this.mem ? [] : this.mem.slice(max);
    this.heldEnd = null;
    return this.held;
  }

  /** The batch from take() is delivered: forget it, and move the cursor past it when it came from disk. */
  ack(): void {
    if (this.closed) return;
    this.held = [];
    if (this.heldEnd !== null) {
      const end = this.heldEnd;
      this.heldEnd = null;
      this.commit(end);
    }
  }

  /** Persists what is in memory (the held batch first) and releases the files. Pushes after this are dropped. */
  close(): void {
    if (this.closed) return;
    if (this.spillQueued !== null) clearImmediate(this.spillQueued);
    this.spillQueued = null;
    if (this.limits.maxBytes > 0) this.spill(Infinity);
    const lost = this.mem.length + (this.heldEnd === null ? this.held.length : 0);
    if (lost > 0) this.drop(lost, 'not persisted at shutdown');
    this.mem = [];
    this.closed = true;
    this.seal();
    this.closeReader();
  }

  private spillAbove(): number {
    return this.failingOutput && this.limits.maxBytes > 0 ? 0 : this.limits.memoryRecords;
  }

  private queueSpill(): void {
    if (this.spillQueued !== null) return;
    this.spillQueued = setImmediate(() => {
      this.spillQueued = null;
      if (this.closed) return;
      // Once started, a spill empties memory (in steps): those records queue behind the files anyway.
      this.spill(SPILL_STEP_BYTES);
      if (this.mem.length > 0) this.queueSpill();
    });
  }

  /** Writes the memory-only held batch, then memory, up to budget bytes; what does not fit under maxBytes is dropped. */
  private spill(budget: number): void {
    if (this.held.length > 0 && this.heldEnd === null) {
      // Nothing is on disk ahead of it (it was taken from memory because the files were empty).
      const end = this.append(linesOf(this.held, 0, this.held.length), 0);
      if (end === null) return;
      this.heldEnd = end;
      this.read = { ...end };
      this.ahead = null;
    }
    let done = 0;
    while (done < this.mem.length && budget > 0) {
      const stop = Math.min(this.mem.length, done + GROUP_RECORDS);
      let buf = linesOf(this.mem, done, stop);
      let count = stop - done;
      let full = false;
      if (this.diskBytes + buf.length > this.limits.maxBytes) {
        // Full: what fits goes to disk, the rest of memory is dropped (the newest records, so the files stay append-only).
        full = true;
        let room = this.limits.maxBytes - this.diskBytes;
        count = 0;
        while (done + count < stop) {
          const n = Buffer.byteLength(this.mem[done + count]!.json) + 1;
          if (n > room) break;
          room -= n;
          count++;
        }
        buf = buf.subarray(0, this.limits.maxBytes - this.diskBytes - room);
      }
      if (count > 0 && this.append(buf, count) === null) break;
      done += count;
      budget -= buf.length;
      if (full) {
        this.drop(this.mem.length - done, 'spool full');
        done = this.mem.length;
      }
    }
    if (done > 0) this.mem = done === this.mem.length ? [] : this.mem.slice(done);
  }

  /** Appends whole lines to the last segment (a new one when it is sealed or full); the end position, or null on a disk error. */
  private append(buf: Buffer, records: number): Position | null {
    let seg: Segment | undefined;
    try {
      seg = this.writable(buf.length);
      let off = 0;
      while (off < buf.length) off += writeSync(this.writeFd, buf, off, buf.length - off, seg.bytes + off);
    } catch (err) {
      this.ioError(err, 'write');
      if (seg !== undefined && this.writeFd >= 0) {
        // Cut a partly written line off, so that the reader never meets half a record before good ones.
        try {
          ftruncateSync(this.writeFd, seg.bytes);
        } catch {
          // The segment is sealed below; a torn tail is skipped (and counted) when read.
        }
      }
      this.seal();
      return null;
    }
    seg.bytes += buf.length;
    seg.unread += records;
    this.diskBytes += buf.length;
    return { seq: seg.seq, offset: seg.bytes };
  }

  private writable(incoming: number): Segment {
    let seg = this.writeFd >= 0 ? this.segments[this.segments.length - 1] : undefined;
    if (seg !== undefined && seg.bytes > 0 && seg.bytes + incoming > this.limits.segmentBytes) {
      this.seal();
      seg = undefined;
    }
    if (seg === undefined) {
      mkdirSync(this.limits.dir, { recursive: true });
      const seq = this.nextSeq++;
      const path = join(this.limits.dir, segmentName(seq));
      this.writeFd = openSync(path, 'wx');
      seg = { seq, path, bytes: 0, unread: 0 };
      this.segments.push(seg);
    }
    return seg;
  }

  private seal(): void {
    if (this.writeFd < 0) return;
    try {
      closeSync(this.writeFd);
    } catch {
      // Nothing left to do with a descriptor that cannot be closed.
    }
    this.writeFd = -1;
  }

  /** True when the files hold bytes after the read position. */
  private diskPending(): boolean {
    const i = this.readIndex();
    if (i < 0) return false;
    return i < this.segments.length - 1 || this.read.offset < this.segments[i]!.bytes;
  }

  /** Index of the segment holding the read position (moved to the next existing segment when its own is gone), or -1. */
  private readIndex(): number {
    const i = this.segments.findIndex((s) => s.seq >= this.read.seq);
    if (i < 0) return -1;
    if (this.segments[i]!.seq !== this.read.seq) this.read = { seq: this.segments[i]!.seq, offset: 0 };
    return i;
  }

  /** Up to max records from the files; the positions of corrupt lines alone are committed at once. */
  private readDisk(max: number): OutputRecord[] {
    const out: OutputRecord[] = [];
    let moved = false;
    while (out.length < max) {
      const i = this.readIndex();
      if (i < 0) break;
      const seg = this.segments[i]!;
      if (this.read.offset >= seg.bytes) {
        if (i === this.segments.length - 1) break;
        this.read = { seq: this.segments[i + 1]!.seq, offset: 0 };
        continue;
      }
      let buf: Buffer;
      try {
        buf = this.bytesAt(seg);
      } catch (err) {
        this.ioError(err, 'read');
        this.abandon(seg);
        moved = true;
        continue;
      }
      let pos = 0;
      while (out.length < max) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) break;
        seg.unread--;
        const rec = parseLine(buf.toString('utf8', pos, nl));
        if (rec !== null) out.push(rec);
        else this.corrupt(1);
        pos = nl + 1;
      }
      if (pos === 0 && buf.length > 0) {
        // No newline up to the end of the file: the torn tail of a write a crash interrupted.
        seg.unread = Math.max(0, seg.unread - 1);
        this.corrupt(1);
        pos = buf.length;
      }
      this.read = { seq: seg.seq, offset: this.read.offset + pos };
      this.ahead = pos < buf.length ? { seq: seg.seq, offset: this.read.offset, buf: buf.subarray(pos) } : null;
      moved = true;
    }
    if (out.length > 0) this.heldEnd = { ...this.read };
    else if (moved) this.commit({ ...this.read });
    return out;
  }

  /** Bytes from the read position holding at least one whole line, or up to the end of the segment. */
  private bytesAt(seg: Segment): Buffer {
    const a = this.ahead;
    let buf = a !== null && a.seq === seg.seq && a.offset === this.read.offset ? a.buf : Buffer.alloc(0);
    let searched = 0;
    let off = this.read.offset + buf.length;
    while (buf.indexOf(10, searched) < 0 && off < seg.bytes) {
      searched = buf.length;
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, seg.bytes - off));
      const got = readSync(this.readerFor(seg), chunk, 0, chunk.length, off);
      if (got === 0) {
        // Shorter than we knew it (truncated by someone else): believe the file.
        this.diskBytes -= seg.bytes - off;
        seg.bytes = off;
        break;
      }
      buf = buf.length === 0 ? chunk.subarray(0, got) : Buffer.concat([buf, chunk.subarray(0, got)]);
      off += got;
    }
    return buf;
  }

  private readerFor(seg: Segment): number {
    if (this.readFdSeq !== seg.seq) {
      this.closeReader();
      this.readFd = openSync(seg.path, 'r');
      this.readFdSeq = seg.seq;
    }
    return this.readFd;
  }

  private closeReader(): void {
    if (this.readFd < 0) return;
    try {
      closeSync(this.readFd);
    } catch {
      // As in seal().
    }
    this.readFd = -1;
    this.readFdSeq = -1;
  }

  /** An unreadable segment: its remaining records are lost (counted as dropped), the rest goes on. */
  private abandon(seg: Segment): void {
    this.drop(seg.unread, 'unreadable spool segment');
    seg.unread = 0;
    this.read = { seq: seg.seq, offset: seg.bytes };
    if (this.segments[this.segments.length - 1] === seg) this.seal();
  }

  /** Everything before pos is delivered: delete the segments it covers and save the cursor. */
  private commit(pos: Position): void {
    while (this.segments.length > 0) {
      const s = this.segments[0]!;
      if (s.seq > pos.seq || (s.seq === pos.seq && pos.offset < s.bytes)) break;
      if (this.segments.length === 1) this.seal();
      if (this.readFdSeq === s.seq) this.closeReader();
      if (this.ahead?.seq === s.seq) this.ahead = null;
      this.segments.shift();
      this.diskBytes -= s.bytes;
      try {
        unlinkSync(s.path);
      } catch (err) {
        this.ioError(err, 'delete');
      }
    }
    try {
      const cursor = join(this.limits.dir, CURSOR);
      if (this.segments.length === 0) {
        rmSync(cursor, { force: true });
      } else {
        // Written aside and renamed: a crash leaves the old cursor or the new one, never half of one.
        writeFileSync(cursor + '.tmp', JSON.stringify(pos) + '\n');
        renameSync(cursor + '.tmp', cursor);
      }
    } catch (err) {
      this.ioError(err, 'cursor');
    }
  }

  /** Picks up the segments a previous run left, from its cursor. */
  private recover(): void {
    let names: string[];
    try {
      names = readdirSync(this.limits.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.ioError(err, 'list');
      return;
    }
    const seqs = names.flatMap((n) => {
      const m = SEGMENT_NAME.exec(n);
      return m === null ? [] : [Number(m[1])];
    });
    seqs.sort((a, b) => a - b);
    const cursor = this.readCursor();
    for (const seq of seqs) {
      const path = join(this.limits.dir, segmentName(seq));
      try {
        if (seq < cursor.seq) {
          unlinkSync(path);
          continue;
        }
        const bytes = statSync(path).size;
        const from = seq === cursor.seq ? Math.min(cursor.offset, bytes) : 0;
        if (this.segments.length === 0) this.read = { seq, offset: from };
        this.segments.push({ seq, path, bytes, unread: countLines(path, from, bytes) });
        this.diskBytes += bytes;
      } catch (err) {
        this.ioError(err, 'recover');
      }
    }
    this.nextSeq = Math.max(cursor.seq, seqs[seqs.length - 1] ?? 0) + 1;
    const waiting = this.onDisk;
    if (waiting > 0) this.log.info({ output: this.name, records: waiting, bytes: this.diskBytes }, 'resuming spooled records');
  }

  private readCursor(): Position {
    try {
      const p = JSON.parse(readFileSync(join(this.limits.dir, CURSOR), 'utf8')) as Partial<Position>;
      if (Number.isSafeInteger(p.seq) && Number.isSafeInteger(p.offset)) return { seq: p.seq!, offset: p.offset! };
      this.corrupt(1);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { seq: 0, offset: 0 };
      this.corrupt(1);
    }
    // Without a readable cursor, every segment is sent again: duplicates are harmless, losses are not.
    this.log.warn({ output: this.name }, 'spool cursor unreadable: resending every spooled segment');
    return { seq: 0, offset: 0 };
  }

  private drop(n: number, reason: string): void {
    if (n <= 0) return;
    this.counters.inc(this.names.dropped, n);
    this.throttle.warn('drop:' + reason, { output: this.name, dropped: n, total: this.counters.get(this.names.dropped), reason }, 'output records dropped');
  }

  private corrupt(n: number): void {
    this.counters.inc(this.names.corrupt, n);
    this.throttle.warn('corrupt', { output: this.name, total: this.counters.get(this.names.corrupt) }, 'corrupt spool line skipped');
  }

  private ioError(err: unknown, op: string): void {
    this.counters.inc(this.names.errors);
    this.throttle.warn('io:' + op, { output: this.name, op, dir: this.limits.dir, err: (err as Error).message }, 'spool disk error');
  }
}

function segmentName(seq: number): string {
  return String(seq).padStart(12, '0') + '.ndjson';
}

function linesOf(recs: readonly OutputRecord[], from: number, to: number): Buffer {
  let text = '';
  for (let i = from; i < to; i++) text += recs[i]!.json + '\n';
  return Buffer.from(text);
}

/** A spooled line back into its record; null for anything that is not a JSON object. */
function parseLine(line: string): OutputRecord | null {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return null;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
  return recordFromDocument(doc as Record<string, unknown>, line);
}

/** Lines between from and to, a torn last line included. */
function countLines(path: string, from: number, to: number): number {
  if (to <= from) return 0;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let n = 0;
    let last = 10;
    for (let off = from; off < to; ) {
      const got = readSync(fd, buf, 0, Math.min(buf.length, to - off), off);
      if (got === 0) break;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) n++;
      last = buf[got - 1]!;
      off += got;
    }
    return last === 10 ? n : n + 1;
  } finally {
    closeSync(fd);
  }
}
