/** Shared helpers of the capture tests: run a push parser over chunked input and copy the frames out. */
import { CaptureParser } from '../../src/capture/capture-parser.js';
import type { CaptureError } from '../../src/capture/capture-error.js';
import type { Frame } from '../../src/capture/frame.js';
import type { CaptureParserOptions } from '../../src/capture/record-stream.js';

/** A frame copied out of the reused Frame object. */
export interface SeenFrame {
  tsUs: number;
  linkType: number;
  data: string;
  origLen: number;
  source: string;
  offset: number;
}

export function copyFrame(f: Frame): SeenFrame {
  return { tsUs: f.tsUs, linkType: f.linkType, data: f.data.toString('hex'), origLen: f.origLen, source: f.source, offset: f.offset };
}

export interface ParseResult {
  frames: SeenFrame[];
  error: CaptureError | null;
  linkTypes: number[];
  format: string;
  bytes: number;
}

/** Feeds `buf` to a CaptureParser cut at the given chunk sizes (the last chunk takes the rest). */
export function parseChunked(buf: Buffer, chunkSizes: number[] = [], opts: CaptureParserOptions = {}, source = 'test.pcap'): ParseResult {
  const frames: SeenFrame[] = [];
  const p = new CaptureParser(source, (f) => frames.push(copyFrame(f)), opts);
  let pos = 0;
  for (const size of chunkSizes) {
    if (pos >= buf.length) break;
    p.push(buf.subarray(pos, Math.min(buf.length, pos + size)));
    pos += size;
  }
  if (pos < buf.length) p.push(buf.subarray(pos));
  p.end();
  return { frames, error: p.error, linkTypes: [...p.linkTypes], format: p.format, bytes: p.bytes };
}

/** Splits `buf` into 1-byte chunks. */
export function oneByteChunks(buf: Buffer): number[] {
  return new Array<number>(buf.length).fill(1);
}
