/**
 * Elasticsearch output, and the bulk logic it shares with OpenSearch (opensearch.ts).
 *
 * open() installs the composable index template built from the field list (events/fields.ts)
 * and creates the data stream or index, so that a refused name or a missing privilege is a
 * failed open (records stay spooled) rather than every record refused later.
 *
 * write() is one `_bulk` request of `create` operations with `_id` = record id: a document that
 * already exists answers 409, which is success, so a retried batch never duplicates. The body is
 * built as one NDJSON string from the records' JSON lines (never parsed again) and sent with the
 * client's transport, not its bulk helpers: the delivery already batches, retries with back-off
 * and keeps records on disk, and the helpers' own retry and flush timers would hide failures
 * from it. Per item: 2xx and 409 are done; 429, 5xx and 404 (index gone with
 * auto-creation off) make the whole write reject so the batch comes again; any other 4xx (a
 * mapping error) is a rejection, counted and logged, never retried. Items settled in a failed
 * attempt are left out of its retry, so a rejection is counted once.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { indexTemplate } from '../events/fields.js';
import { instanceName } from './option-types.js';
import type { Output, OutputContext, OutputKind } from './output.js';
import type { OutputRecord } from '../events/record.js';
import { Rejections } from './rejections.js';
import { secret } from './secret.js';

/** Lower-case index / data stream / template name as Elasticsearch and OpenSearch accept it. */
const indexName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,199}$/, 'a lower-case index name (letters, digits, . _ -)');

/** Options common to both kinds; `dataStreamDefault` differs (OpenSearch users mostly write plain indices). */
export function searchSchemaShape(name: string, dataStreamDefault: boolean) {
  return {
    name: instanceName.default(name),
    /** Node URLs; a request that fails is retried by the delivery, and the client's pool tries the next node. */
    nodes: z.array(z.url({ protocol: /^https?$/ })).min(1).default(['http://127.0.0.1:9200']),
    username: z.string().min(1).nullable().default(null),
    password: z.string().nullable().default(null),
    /** Name of an environment variable holding the password. */
    passwordEnv: z.string().min(1).nullable().default(null),
    /** Index or data stream written to; also the template's name and only index pattern. */
    index: indexName.default('sipsentry-events'),
    /** Write to a data stream (created with the template's `data_stream`) rather than a plain index. */
    dataStream: z.boolean().default(dataStreamDefault),
    tlsRejectUnauthorized: z.boolean().default(true),
    /** PEM file of the CA of the cluster's certificates (default: the system's CAs). */
    tlsCaFile: z.string().min(1).nullable().default(null),
    requestTimeoutMs: z.int().min(100).default(30_000),
    /** gzip request bodies (JSON compresses ~10×; worth it over a slow link). */
    compression: z.boolean().default(false),
  };
}

type Shape = ReturnType<typeof searchSchemaShape>;
export type SearchOptions = z.output<z.ZodObject<Shape>>;

/** A password (or its variable) comes with a username. */
export const basicAuthComplete = (o: { username: string | null; password: string | null; passwordEnv: string | null }) =>
  (o.password === null && o.passwordEnv === null) || o.username !== null;

export const elasticsearchSchema = z
  .strictObject({
    ...searchSchemaShape('elasticsearch', true),
    /** API key (the base64 `id:api_key` Elasticsearch returns as `encoded`), instead of a user and password. */
    apiKey: z.string().min(1).nullable().default(null),
    apiKeyEnv: z.string().min(1).nullable().default(null),
  })
  .refine((o) => o.password === null || o.passwordEnv === null, { message: 'give password or passwordEnv, not both' })
  .refine((o) => o.apiKey === null || o.apiKeyEnv === null, { message: 'give apiKey or apiKeyEnv, not both' })
  .refine(basicAuthComplete, { message: 'a password needs a username' })
  .refine((o) => o.username === null || (o.apiKey === null && o.apiKeyEnv === null), { message: 'use either a username and password or an API key' });

export type ElasticsearchOptions = z.output<typeof elasticsearchSchema>;

/** An HTTP answer of the cluster (any status); transport failures (refused, timeout) are thrown instead. */
export interface SearchResponse {
  status: number;
  body: unknown;
}

/** The few calls the output makes, over either official client. */
export interface SearchClient {
  request(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<SearchResponse>;
  /** `POST /<index>/_bulk` with this NDJSON body. */
  bulk(index: string, ndjson: string): Promise<SearchResponse>;
  close(): Promise<void>;
}

/** What either client's transport resolves with. */
export interface ClientResult {
  statusCode: number | null;
  body: unknown;
}

/** Status and body of a call; an HTTP error answer, which the clients throw, is a response too. */
export async function answerOf(call: Promise<ClientResult>, httpError: (err: unknown) => SearchResponse | null): Promise<SearchResponse> {
  try {
    const r = await call;
    return { status: r.statusCode ?? 0, body: r.body };
  } catch (err) {
    const r = httpError(err);
    if (r !== null) return r;
    throw err;
  }
}

/**
 * A client made on first use: the official clients take a fifth of a second to load, which every
 * command would pay at start when only some configurations use them. A failed load is tried again
 * on the next call (the delivery retries).
 */
export function lazyClient(make: () => Promise<SearchClient>): SearchClient {
  let made: Promise<SearchClient> | null = null;
  const get = (): Promise<SearchClient> =>
    (made ??= make().catch((err: unknown) => {
      made = null;
      throw err;
    }));
  return {
    request: async (method, path, body) => (await get()).request(method, path, body),
    bulk: async (index, ndjson) => (await get()).bulk(index, ndjson),
    close: async () => {
      if (made !== null) await (await made).close();
    },
  };
}

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string };
}

/** HTTP status of a bulk item: done, try again later, or never. */
function itemOutcome(status: number): 'done' | 'duplicate' | 'transient' | 'rejected' {
  if (status >= 200 && status < 300) return 'done';
  if (status === 409) return 'duplicate';
  if (status === 429 || status === 404 || status >= 500) return 'transient';
  return 'rejected';
}

function errorText(body: unknown): string {
  const e = (body as { error?: { type?: string; reason?: string } | string } | null)?.error;
  if (typeof e === 'string') return e;
  if (e?.type !== undefined) return `${e.type}: ${e.reason ?? ''}`;
  return JSON.stringify(body)?.slice(0, 200) ?? '';
}

function alreadyExists(r: SearchResponse): boolean {
  return r.status === 400 && /already_exists/.test(errorText(r.body));
}

export class BulkOutput implements Output {
  readonly name: string;
  private readonly rejections: Rejections;
  /** Ids answered definitively during a write that then failed: its retry leaves them out. */
  private readonly settled = new Set<string>();

  constructor(
    private readonly o: SearchOptions,
    private readonly client: SearchClient,
    private readonly ctx: OutputContext,
  ) {
    this.name = o.name;
    this.rejections = new Rejections(o.name, ctx);
  }

  async open(): Promise<void> {
    const info = await this.expect('GET', '/');
    const version = (info.body as { version?: { number?: string; distribution?: string } }).version;
    this.ctx.log.info({ output: this.name, version: version?.number, distribution: version?.distribution ?? 'elasticsearch' }, 'connected to the search cluster');
    const { index } = this.o;
    const template = this.o.dataStream ? { ...indexTemplate(index), data_stream: {} } : indexTemplate(index);
    await this.expect('PUT', `/_index_template/${index}`, template);
    await this.expect('PUT', this.o.dataStream ? `/_data_stream/${index}` : `/${index}`, undefined, alreadyExists);
  }

  async write(batch: readonly OutputRecord[]): Promise<void> {
    const pending = this.settled.size === 0 ? batch : batch.filter((r) => !this.settled.has(r.id));
    if (pending.length > 0) await this.send(pending);
    this.settled.clear();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async send(batch: readonly OutputRecord[]): Promise<void> {
    let ndjson = '';
    for (const r of batch) ndjson += `{"create":{"_id":${JSON.stringify(r.id)}}}\n${r.json}\n`;
    const res = await this.client.bulk(this.o.index, ndjson);
    if (res.status === 413) {
      // Larger than the cluster's http.max_content_length: halves, down to the record that alone is too large.
      if (batch.length === 1) return this.rejections.reject(batch[0]!, 'larger than the cluster accepts in one request (413)');
      const half = Math.ceil(batch.length / 2);
      await this.send(batch.slice(0, half));
      return this.send(batch.slice(half));
    }
    if (res.status !== 200) throw new Error(`${this.name}: bulk request answered ${res.status}: ${errorText(res.body)}`);
    const body = res.body as { errors?: boolean; items?: Array<Record<string, BulkItemResult>> };
    const items = body.items ?? [];
    if (items.length !== batch.length) throw new Error(`${this.name}: bulk answer has ${items.length} items for ${batch.length} documents`);
    if (body.errors === false) return;
    let transient = 0;
    let duplicates = 0;
    let firstTransient = '';
    for (let i = 0; i < batch.length; i++) {
      const item = Object.values(items[i]!)[0]!;
      const record = batch[i]!;
      switch (itemOutcome(item.status)) {
        case 'done':
          break;
        case 'duplicate':
          duplicates++;
          break;
        case 'transient':
          if (transient++ === 0) firstTransient = `${item.status} ${errorText(item)}`;
          continue;
        case 'rejected':
          this.rejections.reject(record, `${item.status} ${errorText(item)}`);
          break;
      }
      this.settled.add(record.id);
    }
    if (duplicates > 0) this.ctx.counters.inc(`output.${this.name}.duplicate`, duplicates);
    if (transient > 0) throw new Error(`${this.name}: ${transient} of ${batch.length} documents refused for now (first: ${firstTransient})`);
  }

  /** A request that must succeed (or be `tolerated`); anything else fails open(). */
  private async expect(method: 'GET' | 'PUT', path: string, body?: unknown, tolerated?: (r: SearchResponse) => boolean): Promise<SearchResponse> {
    const r = await this.client.request(method, path, body);
    if ((r.status < 200 || r.status >= 300) && !tolerated?.(r)) throw new Error(`${this.name}: ${method} ${path} answered ${r.status}: ${errorText(r.body)}`);
    return r;
  }
}

/** The CA file's content, read when the output is created (a missing file is a configuration error). */
export function caOf(o: SearchOptions): Buffer | undefined {
  return o.tlsCaFile === null ? undefined : readFileSync(o.tlsCaFile);
}

function elasticClient(o: ElasticsearchOptions): SearchClient {
  // Secrets and the CA file are read now: a configuration mistake shows at start, not at first use.
  const password = secret(o.password, o.passwordEnv, `output ${o.name}`);
  const apiKey = secret(o.apiKey, o.apiKeyEnv, `output ${o.name}`);
  const ca = caOf(o);
  return lazyClient(async () => {
    const { Client, errors } = await import('@elastic/elasticsearch');
    const client = new Client({
      nodes: o.nodes,
      auth: apiKey !== null ? { apiKey } : o.username !== null ? { username: o.username, password: password ?? '' } : undefined,
      tls: { rejectUnauthorized: o.tlsRejectUnauthorized, ca },
      requestTimeout: o.requestTimeoutMs,
      compression: o.compression,
      // Retries belong to the delivery (back-off, spool); a failed node is marked dead and skipped next time.
      maxRetries: 0,
    });
    const answer = (call: Promise<ClientResult>): Promise<SearchResponse> =>
      answerOf(call, (err) => (err instanceof errors.ResponseError ? { status: err.statusCode ?? 0, body: err.body } : null));
    return {
      request: (method, path, body) => answer(client.transport.request({ method, path, body: body as Record<string, unknown> | undefined }, { meta: true })),
      bulk: (index, ndjson) => answer(client.transport.request({ method: 'POST', path: `/${index}/_bulk`, bulkBody: ndjson }, { meta: true })),
      close: () => client.close(),
    };
  });
}

/** Node URLs of the command-line target: `http://host:9200` or several, comma-separated. */
export function nodesFromTarget(target: string | undefined): Record<string, unknown> {
  return target === undefined || target === '' ? {} : { nodes: target.split(',').map((s) => s.trim()) };
}

/** Elasticsearch (8, 9): an index template and a data stream (or index), written with `_bulk`. */
export const elasticsearchOutput: OutputKind<typeof elasticsearchSchema> = {
  kind: 'elasticsearch',
  schema: elasticsearchSchema,
  fromTarget: nodesFromTarget,
  create(options, ctx) {
    return new BulkOutput(options, elasticClient(options), ctx);
  },
};
