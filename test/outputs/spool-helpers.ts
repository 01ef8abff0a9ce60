import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import type { Output, OutputContext } from '../../src/outputs/output.js';
import { recordFromDocument, type OutputRecord } from '../../src/events/record.js';

/** A fresh directory under the system temp dir, removed when the test file ends. */
export function tempDir(prefix = 'sipsentry-out-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function context(): OutputContext & { counters: Counters } {
  return { counters: new Counters(), log: silentLog() };
}

const ACTIONS = ['call-start', 'call-end', 'reg-new', 'auth-failed', 'other-timeout'];
const BASE_MS = Date.UTC(2024, 4, 14, 8);

/** Record number i: distinct, time-ordered, with every indexed field filled. */
export function rec(i: number, tsMs = BASE_MS + i * 1000): OutputRecord {
  return recordFromDocument({
    '@timestamp': new Date(tsMs).toISOString(),
    event: { kind: 'event', action: ACTIONS[i % ACTIONS.length] },
    client: { ip: `10.0.${(i >> 8) & 255}.${i & 255}` },
    user: { name: `u${i % 7}` },
    sip: { call_id: `call-${i}@example.com` },
    n: i,
  });
}

export function nums(recs: readonly OutputRecord[]): number[] {
  return recs.map((r) => (JSON.parse(r.json) as { n: number }).n);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until cond() holds (tests of asynchronous loops); fails after a generous limit. */
export async function eventually(cond: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > limitMs) throw new Error('timed out waiting for ' + what);
    await sleep(2);
  }
}

/**
 * An Output under the test's control: it records every batch it accepted (duplicates included, so
 * tests see any resend), can fail its next n opens or writes, be down until told otherwise, or take its time.
 */
export class FakeOutput implements Output {
  readonly accepted: OutputRecord[] = [];
  readonly batches: number[] = [];
  failOpens = 0;
  failWrites = 0;
  down = false;
  delayMs = 0;
  writes = 0;
  inFlight = 0;
  maxInFlight = 0;
  closed = false;

  constructor(readonly name = 'fake') {}

  async open(): Promise<void> {
    if (this.down || this.failOpens > 0) {
      this.failOpens--;
      throw new Error('connection refused');
    }
  }

  async write(batch: readonly OutputRecord[]): Promise<void> {
    this.writes++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await sleep(this.delayMs);
      if (this.down || this.failWrites > 0) {
        this.failWrites--;
        throw new Error('write failed');
      }
      this.accepted.push(...batch);
      this.batches.push(batch.length);
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
