/** Encryption on a worker thread: the same records as inline, in the same order, with back-pressure and failure handled. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Alert } from '../../src/events/alert.js';
import type { OutputRecord } from '../../src/events/record.js';
import { EventWriter } from '../../src/pipeline/event-writer.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { EVENT_SLOTS, packEvent, unpackEvent } from '../../src/privacy/event-pack.js';
import { createEncryptor } from '../../src/privacy/processor.js';
import { TrackEvent } from '../../src/track/track-event.js';
import { authFailedSample, KEY_A, KEY_B } from './helpers.js';
import type { MasterKey } from '../../src/privacy/keys.js';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { plainRecord } from '../helpers/record-stream.js';

/** An event with every field away from its default, so a field the packing forgets shows. */
function fullEvent(): TrackEvent {
  const e = authFailedSample();
  e.startUs = 1_715_677_100_000_000;
  e.endUs = 1_715_677_200_500_000;
  e.toTag = 'b7c9';
  e.expires = 3600;
  e.pddMs = 120;
  e.ringMs = 4100;
  e.originator = 'callee';
  e.timeout = true;
  e.cancelled = true;
  e.partial = true;
  e.errorCode = 'sip.bad_header_line';
  e.errorMessage = 'header line without a token name and colon';
  e.errorOffset = 17;
  e.bytes = 512;
  e.payloadPrefix = '16030100';
  e.keyId = 'abcd0123/ips';
  e.rate = { state: 'exceeded', exceeded: 100, suppressed: 98, suppressedTotal: 198, current: 140, limit: 40, windowS: 10, sinceUs: 1_715_677_000_000_000 };
  e.subject = { derived: 'the tracker keeps this' };
  return e;
}

describe('event packing for the worker thread', () => {
  it('carries every field of a TrackEvent but its subject', () => {
    const e = fullEvent();
    const defaults = new TrackEvent('call-start', 0);
    const batch: unknown[] = ['something before'];
    packEvent(e, batch);
    assert.equal(batch.length, 1 + EVENT_SLOTS);
    const back = unpackEvent(structuredClone(batch), 1);
    for (const k of Object.keys(defaults) as Array<keyof TrackEvent>) {
      if (k === 'subject') continue;
      assert.notDeepEqual(e[k], defaults[k], `the sample sets ${k}`);
      assert.deepEqual(back[k], e[k], k);
    }
    assert.equal(back.subject, null);
  });

  it('keeps absent endpoints absent', () => {
    const e = new TrackEvent('parse-error', 5);
    const batch: unknown[] = [];
    packEvent(e, batch);
    assert.deepEqual(unpackEvent(batch, 0), e);
  });
});

interface Written {
  records: OutputRecord[];
  alerts: Record<string, unknown>[];
}

/** Replays a capture through a writer, with an alert and a stats document among the events. */
async function write(worker: boolean, opts: { batchSize?: number; maxInFlight?: number } = {}, keys: { first?: MasterKey; rekeyAfter?: number } = {}): Promise<Written> {
  const groups = ['ips', 'uris', 'call_id', 'user', 'user_agent'] as const;
  const enc = createEncryptor({ groups, key: keys.first ?? KEY_A });
  const out: Written = { records: [], alerts: [] };
  const writer = new EventWriter(enc, (r) => out.records.push(plainRecord(r)), { worker: worker ? opts : null });
  writer.onAlert((doc) => out.alerts.push(doc));
  let n = 0;
  await replayFiles([join(REPO_ROOT, 'lab', 'captures', 'basic.pcap')], defaultReplayOptions, (e) => {
    writer.event(e);
    if (n + 1 === keys.rekeyAfter) writer.rekey(createEncryptor({ groups, key: KEY_B }));
    if (++n === 2) {
      const a = new Alert('sipsentry.test.rule', 'test-rule', 'scanner', 'high', 'block', 'a test alert', e.tsUs);
      a.sourceIp = '192.0.2.99';
      a.userAgent = 'friendly-scanner';
      a.evidence = { method: 'FROB' };
      writer.alert(a, false);
      writer.document({ '@timestamp': '2024-05-14T09:00:00.000Z', event: { kind: 'metric', action: 'stats' }, sipsentry: { stats: { counters: { sip: { requests: { value: 3, FROB: 1 } } } } } });
    }
  });
  await writer.close();
  return out;
}

describe('EventWriter with the encryption worker', () => {
  it('writes the records the inline path writes, in the same order', async () => {
    const inline = await write(false);
    assert.ok(inline.records.length > 5, 'the capture gives events');
    assert.equal(inline.alerts.length, 1);
    assert.doesNotMatch(inline.records.map((r) => r.json).join('\n'), /192\.0\.2\.99|friendly-scanner|FROB/);
    assert.deepEqual(await write(true), inline);
    // Tiny batches and one batch in flight: every item waits for the worker, the result is the same.
    assert.deepEqual(await write(true, { batchSize: 1, maxInFlight: 1 }), inline);
    assert.deepEqual(await write(true, { batchSize: 3, maxInFlight: 2 }), inline);
  });

  it('rotates the key in order: records before the rotation as with the old key, after it as with the new one, worker and inline alike', async () => {
    const allA = await write(false);
    const allB = await write(false, {}, { first: KEY_B });
    // Rotated after the 5th event (the alert and the stats document came after the 2nd, under key A).
    const rotated = await write(false, {}, { rekeyAfter: 5 });
    const at = 5 + 2; // five events, the alert and the stats document
    assert.deepEqual(rotated.records.slice(0, at), allA.records.slice(0, at));
    assert.deepEqual(rotated.records.slice(at), allB.records.slice(at));
    assert.match(rotated.records[at - 1]!.json, new RegExp(`"key_id":"${KEY_A.id}/`));
    assert.match(rotated.records[at]!.json, new RegExp(`"key_id":"${KEY_B.id}/`));
    assert.deepEqual(await write(true, {}, { rekeyAfter: 5 }), rotated);
    assert.deepEqual(await write(true, { batchSize: 3, maxInFlight: 1 }, { rekeyAfter: 5 }), rotated);
  });

  it('reports a failure in the worker and refuses further items', async () => {
    const enc = createEncryptor({ groups: ['ips'], key: KEY_A });
    const got: OutputRecord[] = [];
    const errors: Error[] = [];
    const writer = new EventWriter(enc, (r) => got.push(r), { worker: {}, onWorkerError: (err) => errors.push(err) });
    const good = new TrackEvent('other-ok', 1_715_677_200_000_000);
    writer.event(good);
    await writer.flush();
    assert.equal(got.length, 1);
    // A malformed event (a bug upstream) makes the serialiser throw, on the worker as it would inline.
    const bad = new TrackEvent('other-ok', 1_715_677_200_000_000);
    (bad as { encap: unknown }).encap = null;
    writer.event(bad);
    await assert.rejects(writer.flush(), /encryption worker failed/);
    assert.equal(errors.length, 1);
    assert.throws(() => writer.event(good), /encryption worker failed/);
    await assert.rejects(writer.close());
    assert.equal(got.length, 1);
  });

  it('lets the process exit when idle', async () => {
    const enc = createEncryptor({ groups: ['ips'], key: KEY_A });
    const writer = new EventWriter(enc, () => {}, { worker: {} });
    writer.event(new TrackEvent('other-ok', 1));
    await writer.flush();
    // Not closed on purpose: an unreferenced idle worker must not hold the test process open.
  });
});
