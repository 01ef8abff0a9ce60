/**
 * OpenSearch output: the same template, bulk and retry rules as Elasticsearch (elastic.ts), over
 * the OpenSearch client. Plain index by default (`dataStream: true` for a data stream, OpenSearch
 * ≥ 1.0); basic authentication only (OpenSearch has no API keys).
 */
import { z } from 'zod';
import { answerOf, basicAuthComplete, BulkOutput, caOf, lazyClient, nodesFromTarget, searchSchemaShape, type ClientResult, type SearchClient, type SearchResponse } from './elastic.js';
import type { OutputKind } from './output.js';
import { secret } from './secret.js';

export const opensearchSchema = z
  .strictObject(searchSchemaShape('opensearch', false))
  .refine((o) => o.password === null || o.passwordEnv === null, { message: 'give password or passwordEnv, not both' })
  .refine(basicAuthComplete, { message: 'a password needs a username' });

export type OpensearchOptions = z.output<typeof opensearchSchema>;

function opensearchClient(o: OpensearchOptions): SearchClient {
  // Read now, so that a configuration mistake shows at start; the client itself is loaded on first use.
  const password = secret(o.password, o.passwordEnv, `output ${o.name}`);
  const ca = caOf(o);
  return lazyClient(async () => {
    const { Client, errors } = await import('@opensearch-project/opensearch');
    const client = new Client({
      nodes: o.nodes,
      auth: o.username !== null ? { username: o.username, password: password ?? '' } : undefined,
      ssl: { rejectUnauthorized: o.tlsRejectUnauthorized, ca },
      requestTimeout: o.requestTimeoutMs,
      compression: o.compression ? 'gzip' : undefined,
      // Retries belong to the delivery (back-off, spool); a failed node is marked dead and skipped next time.
      maxRetries: 0,
    });
    const answer = (call: Promise<ClientResult>): Promise<SearchResponse> =>
      answerOf(call, (err) => (err instanceof errors.ResponseError ? { status: err.meta.statusCode ?? 0, body: err.meta.body } : null));
    return {
      request: (method, path, body) => answer(client.transport.request({ method, path, body: body as Record<string, unknown> | undefined })),
      bulk: (index, ndjson) => answer(client.transport.request({ method: 'POST', path: `/${index}/_bulk`, bulkBody: ndjson })),
      close: () => client.close(),
    };
  });
}

export const opensearchOutput: OutputKind<typeof opensearchSchema> = {
  kind: 'opensearch',
  schema: opensearchSchema,
  fromTarget: nodesFromTarget,
  create(options, ctx) {
    return new BulkOutput(options, opensearchClient(options), ctx);
  },
};
