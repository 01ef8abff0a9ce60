import { documentId, type OutputRecord } from '../../src/events/record.js';

/**
 * `count` distinct records cycling through `base`: copy k of round r is base[k] moved r spans
 * later (its @timestamp rewritten, so its id differs), a long realistic stream from a short capture.
 */
export function* repeatRecords(base: readonly OutputRecord[], count: number): Generator<OutputRecord> {
  if (base.length === 0) return;
  const first = Math.min(...base.map((r) => r.tsMs));
  const span = Math.max(...base.map((r) => r.tsMs)) - first + 1000;
  for (let i = 0; i < count; i++) {
    const b = base[i % base.length]!;
    const round = Math.floor(i / base.length);
    if (round === 0) {
      yield b;
      continue;
    }
    const tsMs = b.tsMs + round * span;
    const json = b.json.replace(/^\{"@timestamp":"[^"]*"/, `{"@timestamp":"${new Date(tsMs).toISOString()}"`);
    yield { ...b, json, tsMs, id: documentId(json) };
  }
}

/** The stream cut into batches of `size`. */
export function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const x of items) {
    batch.push(x);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Writes `batch` until the output accepts it (what a delivery does, without the spool), counting failures. */
export async function writeUntilAccepted(
  output: { write(batch: readonly OutputRecord[]): Promise<void> },
  batch: readonly OutputRecord[],
  pauseMs = 50,
): Promise<number> {
  for (let failures = 0; ; failures++) {
    try {
      await output.write(batch);
      return failures;
    } catch {
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}

/** The record's values as a plain object (records made here hash their id lazily; deepEqual compares prototypes too). */
export function plainRecord(r: OutputRecord): OutputRecord {
  return { json: r.json, id: r.id, tsMs: r.tsMs, kind: r.kind, action: r.action, clientIp: r.clientIp, callId: r.callId, user: r.user };
}
