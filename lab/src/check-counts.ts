/**
 * Counts the SIP messages of a capture per request method and per response status code, using
 * tshark (an independent dissector: the lab never uses sipsentry's own decoder for its truth).
 *
 * tshark prints one line per frame; a TCP frame may carry several SIP messages, so every field
 * is printed with all its occurrences (`-E occurrence=a`) and split on the aggregator.
 *
 * CLI: node dist/lab/src/check-counts.js FILE.pcap   (prints the counts as JSON)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SipCounts {
  /** SIP messages (requests + responses). */
  total: number;
  /** Requests per method, keys sorted. */
  requests: Record<string, number>;
  /** Responses per status code (as a string key), keys sorted. */
  responses: Record<string, number>;
}

export interface CaptureSpan {
  frames: number;
  /** Epoch seconds of the first and last frame (0 when the capture is empty). */
  first: number;
  last: number;
}

const TSHARK_MAX_BUFFER = 1 << 30;

function tshark(args: readonly string[]): string {
  return execFileSync('tshark', args, {
    encoding: 'utf8',
    maxBuffer: TSHARK_MAX_BUFFER,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** Returns a copy of `m` with its keys sorted (numeric keys numerically). */
export function sortedRecord(m: Record<string, number>): Record<string, number> {
  const keys = Object.keys(m).sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = m[k]!;
  return out;
}

/** Counts the SIP messages in `pcap` per method / status code with tshark. */
export function countSipMessages(pcap: string): SipCounts {
  const text = tshark([
    '-r', pcap, '-Y', 'sip', '-T', 'fields',
    '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t',
    '-e', 'sip.Method', '-e', 'sip.Status-Code',
  ]);
  const requests: Record<string, number> = {};
  const responses: Record<string, number> = {};
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const [methods = '', codes = ''] = line.split('\t');
    for (const m of methods.split(',')) {
      if (m.length === 0) continue;
      requests[m] = (requests[m] ?? 0) + 1;
      total++;
    }
    for (const c of codes.split(',')) {
      if (c.length === 0) continue;
      responses[c] = (responses[c] ?? 0) + 1;
      total++;
    }
  }
  return { total, requests: sortedRecord(requests), responses: sortedRecord(responses) };
}

/** Number of frames and the times of the first and last one. */
export function captureSpan(pcap: string): CaptureSpan {
  const text = tshark(['-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch']);
  let frames = 0;
  let first = 0;
  let last = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const t = Number(line);
    if (frames === 0) first = t;
    last = t;
    frames++;
  }
  return { frames, first, last };
}

/** Counts and span in a single tshark pass (for big captures). */
export function analyzeCapture(pcap: string): { counts: SipCounts; span: CaptureSpan } {
  const text = tshark([
    '-r', pcap, '-T', 'fields',
    '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t',
    '-e', 'frame.time_epoch', '-e', 'sip.Method', '-e', 'sip.Status-Code',
  ]);
  const requests: Record<string, number> = {};
  const responses: Record<string, number> = {};
  let total = 0;
  let frames = 0;
  let first = 0;
  let last = 0;
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    const line = text.slice(from, nl);
    from = nl + 1;
    if (line.length === 0) continue;
    const [time = '0', methods = '', codes = ''] = line.split('\t');
    const t = Number(time);
    if (frames === 0) first = t;
    last = t;
    frames++;
    if (methods.length > 0) {
      for (const m of methods.split(',')) {
        requests[m] = (requests[m] ?? 0) + 1;
        total++;
      }
    }
    if (codes.length > 0) {
      for (const c of codes.split(',')) {
        responses[c] = (responses[c] ?? 0) + 1;
        total++;
      }
    }
  }
  return { counts: { total, requests: sortedRecord(requests), responses: sortedRecord(responses) }, span: { frames, first, last } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/lab/src/check-counts.js FILE.pcap\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(countSipMessages(file), null, 2) + '\n');
}
