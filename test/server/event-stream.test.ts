/**
 * The live tail: a probe fed a lab capture while a Server-Sent Events client listens; the client
 * receives exactly the documents the outputs receive, in order (a burst is buffered), and a client
 * that stops reading misses records (counted) instead of making the probe's memory grow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Counters } from '../../src/base/counters.js';
import { silentLog } from '../../src/base/log.js';
import { readCapture } from '../../src/capture/read-capture.js';
import { recordFromDocument, type OutputRecord } from '../../src/events/record.js';
import { EventWriter } from '../../src/pipeline/event-writer.js';
import { Probe } from '../../src/pipeline/probe.js';
import { runConfigSchema } from '../../src/pipeline/run-config.js';
import { probeOptions } from '../../src/pipeline/run-options.js';
import { EventStream } from '../../src/server/event-stream.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CAPTURE = join(REPO_ROOT, 'lab', 'captures', 'basic.pcap');

test('SSE clients get every event and alert the outputs get, in order, filtered by kind', { timeout: 60_000 }, async () => {
  const written: OutputRecord[] = [];
  const writer = new EventWriter(null, (r) => written.push(r));
  const probe = new Probe(probeOptions(runConfigSchema.parse({})), writer, new Counters());
  const app = await startHttpServer({ host: '127.0.0.1', port: 0, token: null }, probe, () => ({}), silentLog(), {
    views: { storePath: null, config: {}, version: 'test', live: () => true, onRecord: (l) => writer.onRecord(l), ui: false },
  });
  const port = (app.server.address() as { port: number }).port;
  try {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream?kind=event`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const frames = async (until: (n: number) => boolean): Promise<Array<{ event: string; data: string }>> => {
      for (;;) {
        const parsed = text.split('\n\n').filter((f) => f.includes('data: ')).map((f) => ({
          event: /^event: (.*)$/m.exec(f)![1]!,
          data: /^data: (.*)$/m.exec(f)![1]!,
        }));
        if (until(parsed.length)) return parsed;
        const { value, done } = await reader.read();
        if (done) return parsed;
        text += decoder.decode(value, { stream: true });
      }
    };
    await readCapture(CAPTURE, probe.onFrame);
    probe.finish(probe.lastPacketTimeUs + 32_000_000);
    const events = written.filter((r) => r.kind === 'event');
    assert.ok(events.length >= 30);
    const got = await frames((n) => n >= events.length);
    assert.deepEqual(got.map((f) => f.data), events.map((r) => r.json));
    assert.ok(got.every((f) => f.event === 'event'), 'metric documents were not asked for');
    ac.abort();
  } finally {
    await app.close();
  }
});

test('a client that does not read misses records once its buffer is full, counted; it resumes when it drains', () => {
  const counters = new Counters();
  const stream = new EventStream(counters, 32, 100);
  const res = Object.assign(new EventEmitter(), {
    writableLength: 0,
    frames: [] as string[],
    writeHead() {},
    write(chunk: string) {
      this.frames.push(chunk);
      this.writableLength += chunk.length;
      return this.writableLength < 16;
    },
    end() {},
  });
  assert.ok(stream.add(res as unknown as ServerResponse, new Set(['event', 'alert'])));
  res.writableLength = 0;
  const rec = (n: number) => recordFromDocument({ '@timestamp': '2025-01-01T00:00:00Z', event: { kind: 'event', action: 'reg-new' }, n }, JSON.stringify({ n }));
  stream.push(rec(1)); // about 60 bytes buffered: under the cap of 100
  stream.push(rec(2)); // over it now
  stream.push(rec(3));
  stream.push(rec(4));
  assert.equal(counters.get('http.stream.dropped'), 2);
  res.writableLength = 0; // the client read everything
  stream.push(rec(5));
  assert.deepEqual(res.frames.filter((f) => f.startsWith('event:')).map((f) => JSON.parse(/data: (.*)/.exec(f)![1]!).n), [1, 2, 5]);
  res.emit('close');
  assert.equal(stream.size, 0);
  stream.close();
});
