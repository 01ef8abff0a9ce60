/**
 * An Elasticsearch / OpenSearch stand-in on loopback (node:http) with the real request and
 * response shapes of the calls sipsentry makes: `GET /` (cluster info; the `x-elastic-product`
 * header the Elasticsearch client insists on), `PUT /_index_template/<name>`,
 * `PUT /_data_stream/<name>` (needs a matching template with `data_stream`), `PUT /<index>`, and
 * `POST|PUT [/<index>]/_bulk` (NDJSON, gzip accepted; `create` stores by `_id`, 409 when it
 * exists). Faults can be injected: whole bulk requests answered 429/503/413, and given documents
 * answered 429/503/400 (a mapping error) on their next attempts.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

export type Flavor = 'elasticsearch' | 'opensearch';

export interface RequestSeen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

const ITEM_ERRORS: Record<number, { type: string; reason: string }> = {
  400: { type: 'document_parsing_exception', reason: "[1:42] failed to parse field [client.ip] of type [ip] in document" },
  404: { type: 'index_not_found_exception', reason: 'no such index' },
  429: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
  503: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
};

const REQUEST_ERRORS: Record<number, { type: string; reason: string }> = {
  413: { type: 'content_too_long', reason: 'request body too large' },
  429: { type: 'circuit_breaking_exception', reason: '[parent] Data too large' },
  503: { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized]' },
};

export class FakeBulkServer {
  /** Stored documents: target name (index or data stream) → _id → source line as received. */
  readonly docs = new Map<string, Map<string, string>>();
  readonly templates = new Map<string, Record<string, unknown>>();
  readonly dataStreams = new Set<string>();
  readonly indices = new Set<string>();
  readonly requests: RequestSeen[] = [];
  /** Bulk requests whose body exceeds this are answered 413 (like http.max_content_length). */
  maxBulkBytes = Infinity;
  private readonly requestFaults: number[] = [];
  private readonly itemFaults = new Map<string, number[]>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  port = 0;

  constructor(readonly flavor: Flavor) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The next bulk requests are answered with these statuses, one each. */
  failBulkRequests(...statuses: number[]): void {
    this.requestFaults.push(...statuses);
  }

  /** The next attempts to create document `id` are answered with these statuses, one each. */
  failItem(id: string, ...statuses: number[]): void {
    this.itemFaults.set(id, [...(this.itemFaults.get(id) ?? []), ...statuses]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const body = raw.toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, headers: req.headers });
    const send = (status: number, payload: unknown): void => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.flavor === 'elasticsearch') headers['x-elastic-product'] = 'Elasticsearch';
      res.writeHead(status, headers).end(JSON.stringify(payload));
    };
    const error = (status: number, type: string, reason: string): void => send(status, { error: { root_cause: [{ type, reason }], type, reason }, status });

    const parts = path.split('/').filter((p) => p !== '');
    if (method === 'GET' && parts.length === 0) return send(200, this.info());
    if (method === 'PUT' && parts[0] === '_index_template' && parts.length === 2) {
      this.templates.set(parts[1]!, JSON.parse(body) as Record<string, unknown>);
      return send(200, { acknowledged: true });
    }
    if (method === 'PUT' && parts[0] === '_data_stream' && parts.length === 2) {
      const name = parts[1]!;
      if (this.dataStreams.has(name) || this.indices.has(name)) return error(400, 'resource_already_exists_exception', `data_stream [${name}] already exists`);
      if (!this.templateFor(name)?.['data_stream']) return error(400, 'illegal_argument_exception', `no matching index template found for data stream [${name}]`);
      this.dataStreams.add(name);
      return send(200, { acknowledged: true });
    }
    if ((method === 'POST' || method === 'PUT') && parts[parts.length - 1] === '_bulk' && parts.length <= 2) return this.bulk(parts[0] ?? null, body, raw.length, send, error);
    if (method === 'PUT' && parts.length === 1 && !parts[0]!.startsWith('_')) {
      const name = parts[0]!;
      if (this.indices.has(name) || this.dataStreams.has(name)) return error(400, 'resource_already_exists_exception', `index [${name}/xyz] already exists`);
      this.indices.add(name);
      return send(200, { acknowledged: true, shards_acknowledged: true, index: name });
    }
    error(404, 'no_handler_found_exception', `no handler found for uri [${path}] and method [${method}]`);
  }

  private info(): unknown {
    return this.flavor === 'elasticsearch'
      ? { name: 'fake', cluster_name: 'fake', cluster_uuid: 'x', version: { number: '9.1.0', build_flavor: 'default', lucene_version: '10.2.2', minimum_wire_compatibility_version: '8.19.0', minimum_index_compatibility_version: '8.0.0' }, tagline: 'You Know, for Search' }
      : { name: 'fake', cluster_name: 'fake', cluster_uuid: 'x', version: { distribution: 'opensearch', number: '3.0.0', lucene_version: '10.1.0', minimum_wire_compatibility_version: '2.19.0', minimum_index_compatibility_version: '2.0.0' }, tagline: 'The OpenSearch Project: https://opensearch.org/' };
  }

  private templateFor(name: string): Record<string, unknown> | undefined {
    const glob = (p: string) => new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    return [...this.templates.values()].find((t) => (t['index_patterns'] as string[]).some((p) => glob(p).test(name)));
  }

  private bulk(
    pathIndex: string | null,
    body: string,
    bytes: number,
    send: (status: number, payload: unknown) => void,
    error: (status: number, type: string, reason: string) => void,
  ): void {
    const fault = this.requestFaults.shift();
    if (fault !== undefined) return error(fault, REQUEST_ERRORS[fault]!.type, REQUEST_ERRORS[fault]!.reason);
    if (bytes > this.maxBulkBytes) return error(413, REQUEST_ERRORS[413]!.type, REQUEST_ERRORS[413]!.reason);
    if (!body.endsWith('\n')) return error(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = body.slice(0, -1).split('\n');
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]!) as Record<string, { _id?: string; _index?: string }>;
      const op = Object.keys(action)[0]!;
      if (op !== 'create' || Object.keys(action).length !== 1) return error(400, 'illegal_argument_exception', `unexpected action [${op}]`);
      const { _id: id, _index } = action[op]!;
      const target = _index ?? pathIndex;
      if (id === undefined || target === null || i + 1 >= lines.length) return error(400, 'action_request_validation_exception', 'Validation Failed: id or index missing');
      const source = lines[i + 1]!;
      const backing = this.dataStreams.has(target) ? `.ds-${target}-2024.05.14-000001` : target;
      const item = (status: number, extra: Record<string, unknown>) => items.push({ create: { _index: backing, _id: id, status, ...extra } });
      const injected = this.itemFaults.get(id)?.shift();
      if (injected !== undefined) {
        errors = true;
        item(injected, { error: { ...ITEM_ERRORS[injected]!, index: backing } });
        continue;
      }
      try {
        JSON.parse(source);
      } catch {
        errors = true;
        item(400, { error: { type: 'document_parsing_exception', reason: 'failed to parse', index: backing } });
        continue;
      }
      let docs = this.docs.get(target);
      if (docs === undefined) this.docs.set(target, (docs = new Map()));
      if (docs.has(id)) {
        errors = true;
        item(409, { error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [1])`, index: backing } });
        continue;
      }
      docs.set(id, source);
      item(201, { _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: docs.size - 1, _primary_term: 1 });
    }
    send(200, { errors, took: 1, items });
  }
}

export function startFakeBulkServer(flavor: Flavor): Promise<FakeBulkServer> {
  return new FakeBulkServer(flavor).listen();
}
