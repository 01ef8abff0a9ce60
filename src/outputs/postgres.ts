import type pg from 'pg';
import { z } from 'zod';
import { instanceName } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { Rejections } from './rejections.js';
import { secret } from './secret.js';

/** Columns of one row; PostgreSQL allows at most 65535 bind parameters per statement. */
const COLUMNS = ['id', 'ts', 'kind', 'action', 'client_ip', 'call_id', 'usr', 'doc'] as const;
const MAX_ROWS_PER_STATEMENT = Math.floor(65535 / COLUMNS.length);
/**
 * Indexed text columns are cut to this many UTF-16 units (≤ 2048 bytes of UTF-8), below the
 * ~2700-byte limit of a btree entry: a hostile 10 kB Call-ID must not make a row unstorable. The
 * document keeps the full value.
 */
const MAX_INDEXED_CHARS = 512;
/** The migration lock: one constant key, so concurrent sipsentry instances migrate one at a time. */
const MIGRATION_LOCK = 0x5195e7;

/** Lower-case SQL identifier short enough that `<table>_client_ip_idx` stays within 63 bytes. */
const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,39}$/, 'a lower-case SQL identifier of at most 40 characters');

export const postgresSchema = z
  .strictObject({
    /** Instance name in counters and logs (`output.<name>.*`). */
    name: instanceName.default('postgres'),
    /** `postgres://user@host:port/db?sslmode=…`; excludes host, port, user and database. */
    connectionString: z.string().refine((s) => URL.canParse(s), 'a postgres:// URL').nullable().default(null),
    /** Unset fields fall back to libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD). */
    host: z.string().min(1).nullable().default(null),
    port: z.int().min(1).max(65535).nullable().default(null),
    user: z.string().min(1).nullable().default(null),
    database: z.string().min(1).nullable().default(null),
    password: z.string().nullable().default(null),
    /** Name of an environment variable holding the password. */
    passwordEnv: z.string().min(1).nullable().default(null),
    ssl: z.boolean().default(false),
    sslRejectUnauthorized: z.boolean().default(true),
    table: identifier.default('sipsentry_events'),
    /** Rows per INSERT statement; a delivery batch larger than this is several statements in one transaction. */
    rowsPerStatement: z.int().min(1).max(MAX_ROWS_PER_STATEMENT).default(1000),
    /** Connect and statement timeout: a hung server is a transient failure, not a stuck delivery. */
    timeoutMs: z.int().min(100).default(30_000),
  })
  .refine((o) => o.password === null || o.passwordEnv === null, { message: 'give password or passwordEnv, not both' })
  .refine((o) => o.connectionString === null || (o.host === null && o.port === null && o.user === null && o.database === null), {
    message: 'connectionString excludes host, port, user and database',
  });

export type PostgresOptions = z.output<typeof postgresSchema>;

/**
 * Schema migrations of the events table, oldest first; `sipsentry_schema_version` records how many
 * ran per table. Append new ones; never edit one that has shipped.
 */
const MIGRATIONS: ReadonlyArray<(t: string) => string> = [
  (t) => `
    CREATE TABLE IF NOT EXISTS "${t}" (
      id text PRIMARY KEY,
      ts timestamptz NOT NULL,
      kind text NOT NULL,
      action text NOT NULL,
      client_ip text,
      call_id text,
      usr text,
      doc jsonb NOT NULL
    );
    CREATE INDEX IF NOT EXISTS "${t}_ts_idx" ON "${t}" (ts);
    CREATE INDEX IF NOT EXISTS "${t}_action_idx" ON "${t}" (action, ts);
    CREATE INDEX IF NOT EXISTS "${t}_client_ip_idx" ON "${t}" (client_ip, ts);
    CREATE INDEX IF NOT EXISTS "${t}_call_id_idx" ON "${t}" (call_id);
    CREATE INDEX IF NOT EXISTS "${t}_usr_idx" ON "${t}" (usr, ts);`,
];

/** Brings `table` to the latest schema version; safe to run on every connection and concurrently. */
async function migrate(client: pg.Client, table: string, log: OutputContext['log']): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS sipsentry_schema_version (
      table_name text PRIMARY KEY,
      version integer NOT NULL,
      migrated_at timestamptz NOT NULL DEFAULT now())`);
    const r = await client.query<{ version: number }>('SELECT version FROM sipsentry_schema_version WHERE table_name = $1', [table]);
    const current = r.rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      // A newer sipsentry migrated it; migrations only add, so writing the known columns still works.
      log.warn({ table, version: current, known: MIGRATIONS.length }, 'events table is at a newer schema version');
    }
    for (let v = current; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!(table));
    if (current < MIGRATIONS.length) {
      await client.query(
        `INSERT INTO sipsentry_schema_version (table_name, version) VALUES ($1, $2)
         ON CONFLICT (table_name) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()`,
        [table, MIGRATIONS.length],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** `INSERT … VALUES ($1,…,$8),($9,…) ON CONFLICT (id) DO NOTHING` for `rows` rows. */
function insertSql(table: string, rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const b = r * COLUMNS.length;
    tuples.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8})`);
  }
  return `INSERT INTO "${table}" (${COLUMNS.join(',')}) VALUES ${tuples.join(',')} ON CONFLICT (id) DO NOTHING`;
}

function indexed(s: string | null): string | null {
  return s !== null && s.length > MAX_INDEXED_CHARS ? s.slice(0, MAX_INDEXED_CHARS) : s;
}

/** The timestamp as ISO text, or null when it is outside what a Date (and so timestamptz here) holds. */
function isoTime(ms: number): string | null {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999 || d.getUTCFullYear() < 0 ? null : d.toISOString();
}

/**
 * SQLSTATE classes that reject the row itself, whatever the retries: 22 data exception (e.g. a
 * `\u0000` escape jsonb refuses), 23 integrity violation, 54 program limit exceeded.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

interface Row {
  record: OutputRecord;
  ts: string;
}

class PostgresOutput implements Output {
  readonly name: string;
  private client: pg.Client | null = null;
  private readonly config: pg.ClientConfig;
  private readonly table: string;
  private readonly perStatement: number;
  private readonly fullStatement: { name: string; text: string };
  private readonly rejections: Rejections;

  constructor(options: PostgresOptions, private readonly ctx: OutputContext) {
    this.name = options.name;
    this.table = options.table;
    this.perStatement = options.rowsPerStatement;
    // Full-size chunks use a named statement, parsed and planned once per connection instead of for
    // every chunk: about 15 % more rows/s with 1000-row statements.
    this.fullStatement = { name: `sipsentry_insert_${this.table}_${this.perStatement}`, text: insertSql(this.table, this.perStatement) };
    this.rejections = new Rejections(this.name, ctx);
    this.config = clientConfig(options);
  }

  async open(): Promise<void> {
    await this.connection();
  }

  async write(batch: readonly OutputRecord[]): Promise<void> {
    const rows: Row[] = [];
    for (const record of batch) {
      const ts = isoTime(record.tsMs);
      if (ts === null) this.rejections.reject(record, `timestamp out of range: ${record.tsMs}`);
      else rows.push({ record, ts });
    }
    if (rows.length === 0) return;
    const client = await this.connection();
    try {
      await this.insertAll(client, rows);
    } catch (err) {
      if (!isDataError(err)) {
        this.drop(client);
        throw err;
      }
      // Some row can never be stored: find it (them) by inserting one at a time.
      await this.insertEach(client, rows);
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await c.end().catch(() => undefined);
  }

  /** The connection, opening and migrating a new one when there is none (first use, or after a failure). */
  private async connection(): Promise<pg.Client> {
    if (this.client !== null) return this.client;
    // Loaded on first use: commands that write no PostgreSQL never pay for the driver.
    const { default: driver } = await import('pg');
    const client = new driver.Client(this.config);
    // An idle connection can die (server restart); without a listener that error would crash the process.
    client.on('error', (err) => {
      this.ctx.log.warn({ output: this.name, err: err.message }, 'PostgreSQL connection lost');
      this.drop(client);
    });
    try {
      await client.connect();
      await migrate(client, this.table, this.ctx.log);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
  }

  /** Every row in one transaction (one statement needs none), duplicates of earlier writes skipped. */
  private async insertAll(client: pg.Client, rows: Row[]): Promise<void> {
    const single = rows.length <= this.perStatement;
    let inserted = 0;
    if (!single) await client.query('BEGIN');
    try {
      for (let i = 0; i < rows.length; i += this.perStatement) {
        inserted += await this.insertChunk(client, rows.slice(i, i + this.perStatement));
      }
      if (!single) await client.query('COMMIT');
    } catch (err) {
      if (!single) await client.query('ROLLBACK');
      throw err;
    }
    this.countDuplicates(rows.length - inserted);
  }

  private async insertEach(client: pg.Client, rows: Row[]): Promise<void> {
    let inserted = 0;
    for (const row of rows) {
      try {
        inserted += await this.insertChunk(client, [row]);
      } catch (err) {
        if (!isDataError(err)) {
          this.drop(client);
          throw err;
        }
        this.rejections.reject(row.record, (err as Error).message);
        inserted++;
      }
    }
    this.countDuplicates(rows.length - inserted);
  }

  /** Inserts the rows; returns how many were new. */
  private async insertChunk(client: pg.Client, rows: Row[]): Promise<number> {
    const values: unknown[] = [];
    for (const { record: r, ts } of rows) {
      values.push(r.id, ts, indexed(r.kind), indexed(r.action), indexed(r.clientIp), indexed(r.callId), indexed(r.user), r.json);
    }
    const res =
      rows.length === this.perStatement
        ? await client.query({ ...this.fullStatement, values })
        : await client.query(insertSql(this.table, rows.length), values);
    return res.rowCount ?? 0;
  }

  /** Rows already there: retries of a batch the server had committed before the failure reached us. */
  private countDuplicates(n: number): void {
    if (n > 0) this.ctx.counters.inc(`output.${this.name}.duplicate`, n);
  }
}

function clientConfig(o: PostgresOptions): pg.ClientConfig {
  const password = secret(o.password, o.passwordEnv, `output ${o.name}`);
  let connectionString: string | undefined;
  if (o.connectionString !== null) {
    // pg lets the connection string override every field, an absent password included: pass ours inside it.
    const url = new URL(o.connectionString);
    if (password !== null) url.searchParams.set('password', password);
    connectionString = url.href;
  }
  return {
    connectionString,
    host: o.host ?? undefined,
    port: o.port ?? undefined,
    user: o.user ?? undefined,
    database: o.database ?? undefined,
    password: connectionString === undefined ? (password ?? undefined) : undefined,
    ssl: o.ssl ? { rejectUnauthorized: o.sslRejectUnauthorized } : undefined,
    application_name: 'sipsentry',
    keepAlive: true,
    connectionTimeoutMillis: o.timeoutMs,
    query_timeout: o.timeoutMs,
  };
}

/** PostgreSQL table with indexed columns and the document as jsonb; exactly once through `ON CONFLICT (id) DO NOTHING`. */
export const postgresOutput: OutputKind<typeof postgresSchema> = {
  kind: 'postgres',
  schema: postgresSchema,
  fromTarget(target) {
    return target === undefined || target === '' ? {} : { connectionString: target };
  },
  create(options, ctx) {
    return new PostgresOutput(options, ctx);
  },
};
