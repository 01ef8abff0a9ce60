/**
 * The Elasticsearch and OpenSearch outputs, each through its official client, against the fake
 * cluster of test/helpers/fake-bulk-server.ts: template and data stream set up on open(), the
 * lab records stored exactly once through injected 429s and 503s, mapping errors rejected once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { indexTemplate } from '../../src/events/fields.js';
import { Delivery, spoolSchema } from '../../src/outputs/delivery.js';
import { elasticsearchOutput, elasticsearchSchema, lazyClient, type SearchClient } from '../../src/outputs/elastic.js';
import type { OutputKind } from '../../src/outputs/output.js';
import { opensearchOutput, opensearchSchema } from '../../src/outputs/opensearch.js';
import type { OutputRecord } from '../../src/events/record.js';
import { startFakeBulkServer, type FakeBulkServer, type Flavor } from '../helpers/fake-bulk-server.js';
import { replayRecords } from '../helpers/lab-records.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { batches, writeUntilAccepted } from '../helpers/record-stream.js';

let lab: OutputRecord[];
before(async () => {
  lab = await replayRecords([join(REPO_ROOT, 'lab', 'captures', 'basic.pcap')]);
});

const KINDS: Record<Flavor, OutputKind> = { elasticsearch: elasticsearchOutput, opensearch: opensearchOutput };

for (const flavor of ['elasticsearch', 'opensearch'] as const) {
  describe(`${flavor} output`, () => {
    let fake: FakeBulkServer;
    before(async () => {
      fake = await startFakeBulkServer(flavor);
    });
    after(() => fake.close());

    let indexes = 0;
    function output(extra: Record<string, unknown> = {}) {
      const kind = KINDS[flavor];
      const index = `sipsentry-${flavor}-${++indexes}`;
      const counters = new Counters();
      const options = kind.schema.parse({ ...kind.fromTarget(fake.url), index, requestTimeoutMs: 5000, ...extra });
      return { out: kind.create(options, { counters, log: silentLog() }), index, counters };
    }

    /** The target holds exactly these records: by id, the very JSON line each was sent as. */
    function assertHoldsExactly(index: string, records: readonly OutputRecord[]): void {
      const docs = fake.docs.get(index) ?? new Map<string, string>();
      assert.deepEqual([...docs.keys()].sort(), records.map((r) => r.id).sort());
      for (const r of records) assert.equal(docs.get(r.id), r.json);
    }

    test('open() installs indexTemplate() and creates the data stream or index; opening again is fine', async () => {
      const dataStream = flavor === 'elasticsearch';
      const { out, index } = output();
      await out.open();
      await out.open();
      await out.close();
      assert.deepEqual(fake.templates.get(index), dataStream ? { ...indexTemplate(index), data_stream: {} } : indexTemplate(index));
      assert.equal((dataStream ? fake.dataStreams : fake.indices).has(index), true);

      const other = output({ dataStream: !dataStream });
      await other.out.open();
      await other.out.close();
      assert.deepEqual(fake.templates.get(other.index), dataStream ? indexTemplate(other.index) : { ...indexTemplate(other.index), data_stream: {} });
      assert.equal((dataStream ? fake.indices : fake.dataStreams).has(other.index), true);
    });

    test('the lab records land exactly once; writing them again adds nothing', async () => {
      const { out, index, counters } = output();
      await out.open();
      for (const b of batches(lab, 8)) await out.write(b);
      await out.write(lab);
      await out.close();
      assertHoldsExactly(index, lab);
      assert.equal(counters.get(`output.${flavor}.duplicate`), lab.length);
      assert.equal(counters.get(`output.${flavor}.rejected`), 0);
      const bulk = fake.requests.filter((r) => r.path === `/${index}/_bulk`);
      assert.equal(bulk.length, Math.ceil(lab.length / 8) + 1, 'one request per batch');
    });

    test('partial 429s, a 503 item and a whole-request 503: retried until every record is there once', async () => {
      const { out, index, counters } = output();
      await out.open();
      fake.failItem(lab[1]!.id, 429, 429);
      fake.failItem(lab[5]!.id, 503);
      fake.failItem(lab[20]!.id, 429);
      fake.failBulkRequests(503);
      let failures = 0;
      for (const b of batches(lab, 16)) failures += await writeUntilAccepted(out, b, 1);
      await out.close();
      assertHoldsExactly(index, lab);
      assert.equal(failures, 4, 'two attempts for the first batch’s 429s, plus the 503 request, and one 429 in the second');
      assert.equal(counters.get(`output.${flavor}.rejected`), 0);
    });

    test('a mapping error (400) rejects that record once, counted, while the others land', async () => {
      const { out, index, counters } = output();
      await out.open();
      fake.failItem(lab[2]!.id, 400);
      fake.failItem(lab[3]!.id, 429);
      const failures = await writeUntilAccepted(out, lab, 1);
      await out.close();
      assert.equal(failures, 1);
      assertHoldsExactly(index, lab.filter((_, i) => i !== 2));
      assert.equal(counters.get(`output.${flavor}.rejected`), 1, 'counted once although the batch was sent twice');
      const attempts = fake.requests.filter((r) => r.path === `/${index}/_bulk`);
      assert.equal(attempts.length, 2);
    });

    test('HTTP 429 and a cluster that is down make write() reject', async () => {
      const { out, index } = output();
      await out.open();
      fake.failBulkRequests(429);
      await assert.rejects(out.write(lab.slice(0, 3)), /429/);
      await out.close();

      const gone = await startFakeBulkServer(flavor);
      const url = gone.url;
      await gone.close();
      const down = output({ nodes: [url], index });
      await assert.rejects(down.out.open());
      await assert.rejects(down.out.write(lab.slice(0, 3)));
      await down.out.close();
    });

    test('a request too large (413) is split; a single record too large is rejected', async () => {
      const { out, index, counters } = output();
      await out.open();
      const biggest = Math.max(...lab.map((r) => r.json.length));
      fake.maxBulkBytes = 3 * (biggest + 60);
      try {
        const huge = { ...lab[0]!, id: 'huge-one', json: JSON.stringify({ blob: 'x'.repeat(4 * biggest) }) };
        await out.write([...lab, huge]);
      } finally {
        fake.maxBulkBytes = Infinity;
      }
      await out.close();
      assertHoldsExactly(index, lab);
      assert.equal(counters.get(`output.${flavor}.rejected`), 1);
    });

    test('through the delivery: injected failures cost retries, never records', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'sipsentry-search-spool-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const { out, index, counters } = output();
      fake.failBulkRequests(503, 429);
      fake.failItem(lab[7]!.id, 429, 503);
      fake.failItem(lab[9]!.id, 400);
      const delivery = new Delivery(out, spoolSchema.parse({ dir, batchSize: 10, batchWaitMs: 10, retryMinMs: 5, retryMaxMs: 20 }), { counters, log: silentLog() });
      for (const r of lab) delivery.push(r);
      await delivery.close({ timeoutMs: 60_000 });
      assertHoldsExactly(index, lab.filter((_, i) => i !== 9));
      assert.equal(counters.get(`output.${flavor}.rejected`), 1);
      assert.equal(counters.get(`output.${flavor}.delivered`), lab.length);
      assert.equal(counters.get(`output.${flavor}.failures`), 4);
    });

    test('gzip compression and basic authentication with a password from the environment', async () => {
      process.env.SIPSENTRY_TEST_SEARCH_PASSWORD = 's3cret:x';
      const { out, index } = output({ compression: true, username: 'probe', passwordEnv: 'SIPSENTRY_TEST_SEARCH_PASSWORD' });
      await out.open();
      await out.write(lab);
      await out.close();
      assertHoldsExactly(index, lab);
      const bulk = fake.requests.find((r) => r.path === `/${index}/_bulk`)!;
      assert.equal(bulk.headers['content-encoding'], 'gzip');
      assert.equal(bulk.headers.authorization, `Basic ${Buffer.from('probe:s3cret:x').toString('base64')}`);
      assert.match(String(bulk.headers['content-type']), /ndjson/);
    });
  });
}

describe('elasticsearch specifics', () => {
  test('API key authentication', async () => {
    const fake = await startFakeBulkServer('elasticsearch');
    try {
      const options = elasticsearchSchema.parse({ nodes: [fake.url], apiKey: 'aWQ6a2V5' });
      const out = elasticsearchOutput.create(options, { counters: new Counters(), log: silentLog() });
      await out.open();
      await out.close();
      assert.equal(fake.requests[0]!.headers.authorization, 'ApiKey aWQ6a2V5');
    } finally {
      await fake.close();
    }
  });

  test('a server without the Elasticsearch product header is refused by the client', async () => {
    const fake = await startFakeBulkServer('opensearch');
    try {
      const out = elasticsearchOutput.create(elasticsearchSchema.parse({ nodes: [fake.url] }), { counters: new Counters(), log: silentLog() });
      await assert.rejects(out.open(), /not Elasticsearch|product/i);
      await out.close();
    } finally {
      await fake.close();
    }
  });
});

describe('search output options', () => {
  test('targets, defaults and invalid options', () => {
    const es = elasticsearchSchema.parse(elasticsearchOutput.fromTarget('http://127.0.0.1:9200'));
    assert.deepEqual([es.name, es.nodes, es.index, es.dataStream, es.compression], ['elasticsearch', ['http://127.0.0.1:9200'], 'sipsentry-events', true, false]);
    const os = opensearchSchema.parse(opensearchOutput.fromTarget('https://a:9200,https://b:9200'));
    assert.deepEqual([os.name, os.nodes, os.dataStream], ['opensearch', ['https://a:9200', 'https://b:9200'], false]);
    assert.throws(() => elasticsearchSchema.parse({ index: 'Sipsentry' }));
    assert.throws(() => elasticsearchSchema.parse({ nodes: ['ftp://x'] }));
    assert.throws(() => elasticsearchSchema.parse({ password: 'x' }), 'a password needs a username');
    assert.throws(() => elasticsearchSchema.parse({ username: 'u', apiKey: 'k' }));
    assert.throws(() => opensearchSchema.parse({ apiKey: 'k' }), 'OpenSearch has no API keys');
    assert.throws(() => elasticsearchOutput.create(elasticsearchSchema.parse({ apiKeyEnv: 'SIPSENTRY_TEST_UNSET_KEY' }), { counters: new Counters(), log: silentLog() }), /SIPSENTRY_TEST_UNSET_KEY/);
  });
});


test('the search client is made on first use; a failed load is tried again by the next call; close before any use makes nothing', async () => {
  let makes = 0;
  let closed = 0;
  const real: SearchClient = {
    request: async (method, path) => ({ status: 200, body: { method, path } }),
    bulk: async (index) => ({ status: 200, body: { index } }),
    close: async () => {
      closed++;
    },
  };
  const c = lazyClient(async () => {
    makes++;
    if (makes === 1) throw new Error('cannot load the client');
    return real;
  });
  assert.equal(makes, 0);
  await assert.rejects(c.request('GET', '/'), /cannot load/);
  assert.deepEqual(await c.request('GET', '/'), { status: 200, body: { method: 'GET', path: '/' } });
  assert.deepEqual(await c.bulk('events', ''), { status: 200, body: { index: 'events' } });
  assert.equal(makes, 2);
  await c.close();
  assert.equal(closed, 1);
  const unused = lazyClient(async () => {
    makes++;
    return real;
  });
  await unused.close();
  assert.equal(makes, 2);
});
