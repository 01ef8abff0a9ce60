/**
 * Leak test: every capture replayed with every group on, the way `sipsentry replay` runs (tracker,
 * guard with its rate-limit summaries, encryption at the write, both document serialisers, stats
 * documents, the end-of-run summary lists and counters); no plaintext IP address, user, URI host,
 * Call-ID or User-Agent of the capture may appear in any output string. The plaintexts are
 * collected twice, independently of the processor: from the SIP messages themselves (decode +
 * parse, as `sipsentry messages` sees them) and from an unencrypted replay's events. The same run
 * checks that `decrypt` restores every event.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { Counters } from '../../src/base/counters.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { eventToJson } from '../../src/events/ndjson.js';
import { createGuard } from '../../src/guard/guard.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { DocumentDecryptor } from '../../src/privacy/decrypt.js';
import { KeyRing } from '../../src/privacy/keys.js';
import { createEncryptor, type Encryptor } from '../../src/privacy/processor.js';
import { normalizeUri } from '../../src/privacy/uri.js';
import type { TrackEvent } from '../../src/track/track-event.js';
import { allCaptures, ecsOf, KEY_A } from './helpers.js';
import { fromMessages, Plaintexts, search, strings } from '../helpers/plaintexts.js';

/** The strings of one output line: counter names are keys of stats documents and of the counters dump. */
function lineStrings(line: string, out: Array<[string, string]>): void {
  const v = JSON.parse(line) as Record<string, unknown>;
  const stats = (v.sipsentry as Record<string, unknown> | undefined)?.stats;
  if (stats !== undefined) {
    strings(v, '', out, false);
    strings(stats, 'sipsentry.stats', out, true);
  } else {
    strings(v, '', out, Object.values(v).every((x) => typeof x === 'number'));
  }
}

function fromEvent(e: TrackEvent, pt: Plaintexts): void {
  pt.add('ip', e.client?.ip);
  pt.add('ip', e.server?.ip);
  pt.add('call-id', e.callId);
  pt.add('user', e.user);
  pt.add('host', e.realm);
  pt.add('user-agent', e.userAgent);
  pt.add('user-agent', e.serverAgent);
  for (const u of [e.from, e.to, e.requestUri, e.contact, e.pai]) pt.uri(u);
}

/** The unencrypted document as decryption gives it back: URIs in normalised spelling. */
function normalised(doc: Record<string, unknown>): Record<string, unknown> {
  const sip = doc.sip as Record<string, unknown>;
  for (const k of ['from', 'to', 'contact', 'pai']) if (typeof sip[k] === 'string') sip[k] = normalizeUri(sip[k] as string);
  const req = sip.request as Record<string, unknown> | undefined;
  if (req && typeof req.uri === 'string') req.uri = normalizeUri(req.uri);
  return doc;
}

const files = allCaptures();

interface Outputs {
  /** Every line written: event documents (both serialisers), guard summaries, stats documents, log lines. */
  lines: string[];
  /** The event documents (reference builder), in order, for the round trip. */
  docs: Record<string, unknown>[];
}

/** Replays like the CLI: guard after the tracker, encryption at the single write point. */
async function encryptedRun(file: string, enc: Encryptor): Promise<Outputs> {
  const counters = new Counters();
  const guard = createGuard({ exclude: [], statsInterval: 300 }, counters);
  const out: Outputs = { lines: [], docs: [] };
  const write = (e: TrackEvent): void => {
    enc(e);
    const doc = ecsOf(e);
    out.docs.push(doc);
    out.lines.push(JSON.stringify(doc), eventToJson(e));
  };
  let clock = (): number => 0;
  const r = await replayFiles(
    [file],
    defaultReplayOptions,
    (e) => {
      const kept = guard.run(e);
      if (kept !== null) write(kept);
    },
    counters,
    {
      onTracker: (t) => {
        clock = () => t.nowUs;
      },
      onTick: (now) => {
        for (const s of guard.tick(now)) write(s);
        const st = guard.dueStats(now);
        if (st !== null) out.lines.push(JSON.stringify(enc.statsDocument(st)));
      },
    },
  );
  for (const s of guard.finish(clock())) write(s);
  out.lines.push(JSON.stringify(enc.statsDocument(guard.stats(clock(), true))));
  out.lines.push(JSON.stringify(enc.counters(r.counters.snapshot())));
  out.lines.push(JSON.stringify(enc.summaryLists(r.track)));
  return out;
}

describe('leak test: all groups on, every capture', () => {
  it('has captures to replay', () => assert.ok(files.length >= 20, `only ${files.length} captures found`));
  for (const ipMode of ['prefix', 'full'] as const) {
    for (const file of files) {
      it(`${basename(file)} (${ipMode})`, async () => {
        const pt = new Plaintexts();
        await fromMessages(file, pt);
        const plain: Record<string, unknown>[] = [];
        await replayFiles([file], defaultReplayOptions, (e) => {
          fromEvent(e, pt);
          plain.push(normalised(toEcs(e)));
        });

        const enc = createEncryptor({ groups: ['ips', 'uris', 'call_id', 'user', 'user_agent'], key: KEY_A, ipMode });
        const { lines, docs } = await encryptedRun(file, enc);

        const leaves: Array<[string, string]> = [];
        for (const line of lines) lineStrings(line, leaves);
        const hits = search(leaves, pt);
        assert.deepEqual(hits.slice(0, 20), [], `${hits.length} plaintext value(s) found in the output`);

        // Round trip on real data: decryption gives back every event (URIs in normalised spelling);
        // the guard passes these small captures through unchanged, so the order is the tracker's.
        const dec = new DocumentDecryptor(new KeyRing([KEY_A]));
        const events = docs.filter((d) => (d.sip as Record<string, unknown>).rate === undefined);
        assert.equal(events.length, plain.length);
        for (let i = 0; i < events.length; i++) assert.deepEqual(dec.decrypt(events[i]!), plain[i]);
      });
    }
  }
});

describe('leak test control: the search finds what a missing group leaves', () => {
  const file = files.find((f) => basename(f) === 'sipattacks_SIP-3700-unauthorized-401.pcap') ?? files[0]!;
  for (const off of ['ips', 'uris', 'call_id', 'user', 'user_agent'] as const) {
    it(`without ${off}`, async () => {
      const pt = new Plaintexts();
      await fromMessages(file, pt);
      const groups = (['ips', 'uris', 'call_id', 'user', 'user_agent'] as const).filter((g) => g !== off);
      const enc = createEncryptor({ groups, key: KEY_A });
      const leaves: Array<[string, string]> = [];
      for (const line of (await encryptedRun(file, enc)).lines) lineStrings(line, leaves);
      assert.ok(search(leaves, pt).length > 0, `no plaintext found with ${off} off`);
    });
  }
});
