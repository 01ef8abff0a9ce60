import type { Writable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseIpFilter } from '../outputs/ip-filter.js';
import type { OutputRecord } from '../events/record.js';
import { DEFAULT_SQLITE_PATH } from '../outputs/sqlite.js';
import { MAX_PAGE, SqliteStore, StoreError, type EventFilter } from '../outputs/sqlite-store.js';

/** Where the command writes; tests pass their own streams. */
export interface QueryIo {
  out: Writable;
  err: Writable;
  /** Sets the exit code for a runtime failure (the database cannot be read). */
  fail(code: number): void;
}

const processIo: QueryIo = {
  out: process.stdout,
  err: process.stderr,
  fail: (code) => {
    process.exitCode = code;
  },
};

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

interface QueryFlags {
  db: string;
  since?: number;
  until?: number;
  action: string[];
  ip?: string;
  user?: string;
  callId?: string;
  text?: string;
  limit: number;
  order: 'asc' | 'desc';
  format: 'ndjson' | 'table';
}

const AGE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `2024-05-14`, `2024-05-14T08:00:00Z` (no zone: local time), an age (`90s`, `15m`, `2h`, `7d`, `1w`) or `now`, in ms. */
export function parseTime(value: string, now = Date.now()): number {
  if (value === 'now') return now;
  const age = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value);
  if (age !== null) return now - Number(age[1]) * AGE_UNITS[age[2]!]!;
  const t = /^\d{4}-\d{2}-\d{2}([T ]|$)/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected an ISO 8601 time (2024-05-14T08:00:00Z), a date, or an age such as 15m, 2h, 7d');
  return t;
}

function list(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

function ip(value: string): string {
  if (parseIpFilter(value) === null) throw new InvalidArgumentError('expected an IP address or a CIDR prefix (10.0.0.0/8, 2001:db8::/32)');
  return value;
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

const COLUMNS: Array<[string, number, (r: OutputRecord) => string]> = [
  ['TIME', 24, (r) => new Date(r.tsMs).toISOString()],
  ['ACTION', 13, (r) => r.action],
  ['CLIENT IP', 15, (r) => r.clientIp ?? '-'],
  ['USER', 16, (r) => r.user ?? '-'],
  ['CALL-ID', 0, (r) => r.callId ?? '-'],
];

function tableLine(cells: string[]): string {
  return cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(COLUMNS[i]![1]) : c)).join(' ') + '\n';
}

/**
 * `sipsentry query`: events from the sqlite output's database, filtered, oldest first by default,
 * as the stored NDJSON documents or a compact table. Streams page by page, so a large --limit does
 * not hold everything in memory. Exit codes: 2 for bad arguments, 1 when the database cannot be read.
 */
export function registerQueryCommand(program: Command, io: QueryIo = processIo): Command {
  const cmd = program
    .command('query')
    .description('Print events stored by the sqlite output (NDJSON documents or a table).')
    .option('--db <file>', 'the database the sqlite output writes', DEFAULT_SQLITE_PATH)
    .option('--since <time>', 'events at or after this time: ISO 8601, a date, or an age (15m, 2h, 7d)', (v) => parseTime(v))
    .option('--until <time>', 'events before this time (same forms)', (v) => parseTime(v))
    .option('--action <actions>', 'only these event actions (comma list, repeatable)', list, [])
    .option('--ip <address>', 'client address, or a CIDR prefix', ip)
    .option('--user <user>', 'authentication user (else the From user part)')
    .option('--call-id <id>', 'Call-ID')
    .option('--text <text>', 'documents containing this text')
    .option('--limit <n>', 'at most this many events', limit, 100)
    .addOption(new Option('--order <order>', 'asc: oldest first; desc: newest first').choices(['asc', 'desc']).default('asc'))
    .addOption(new Option('--format <format>', 'ndjson: the stored documents; table: one compact line each').choices(['ndjson', 'table']).default('ndjson'));
  cmd.action(async (opts: QueryFlags) => {
    if (opts.since !== undefined && opts.until !== undefined && opts.since >= opts.until) {
      cmd.error('sipsentry: --since must be before --until', { exitCode: EXIT_USAGE, code: 'sipsentry.usage' });
    }
    const filter: EventFilter = {
      from: opts.since,
      to: opts.until,
      actions: opts.action,
      ip: opts.ip,
      user: opts.user,
      callId: opts.callId,
      text: opts.text,
    };
    let store: SqliteStore;
    try {
      store = SqliteStore.open(opts.db);
    } catch (err) {
      io.err.write(`sipsentry: cannot open database ${opts.db}: ${(err as Error).message}\n`);
      io.fail(EXIT_RUNTIME);
      return;
    }
    try {
      await print(store, filter, opts, io.out);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      io.err.write(`sipsentry: reading ${opts.db}: ${err.message}\n`);
      io.fail(err.kind === 'query' ? EXIT_USAGE : EXIT_RUNTIME);
    } finally {
      store.close();
    }
  });
  return cmd;
}

async function print(store: SqliteStore, filter: EventFilter, opts: QueryFlags, out: Writable): Promise<void> {
  let closed = false;
  const onError = (): void => {
    closed = true; // the reader went away (`| head`): stop quietly
  };
  out.on('error', onError);
  try {
    if (opts.format === 'table') out.write(tableLine(COLUMNS.map((c) => c[0])));
    let left = opts.limit;
    let cursor: string | null = null;
    while (left > 0 && !closed) {
      const page = store.queryEvents({ ...filter, limit: Math.min(left, MAX_PAGE), cursor, order: opts.order });
      let text = '';
      for (const r of page.records) text += opts.format === 'table' ? tableLine(COLUMNS.map((c) => c[2](r))) : r.json + '\n';
      if (text !== '' && !out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve).once('error', () => resolve()));
      left -= page.records.length;
      if (page.next === null) break;
      cursor = page.next;
    }
  } finally {
    out.off('error', onError);
  }
}
