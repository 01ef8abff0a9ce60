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
import { readCapture } from '../../src/capture/read-capture.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { eventToJson } from '../../src/events/ndjson.js';
import { createGuard } from '../../src/guard/guard.js';
import { DecodeChain, defaultDecodeOptions } from '../../src/pipeline/decode-chain.js';
import { defaultReplayOptions, replayFiles } from '../../src/pipeline/replay.js';
import { DocumentDecryptor } from '../../src/privacy/decrypt.js';
import { KeyRing } from '../../src/privacy/keys.js';
import { createEncryptor, type Encryptor } from '../../src/privacy/processor.js';
import { normalizeUri } from '../../src/privacy/uri.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { parseUri } from '../../src/sip/uri.js';
import type { TrackEvent } from '../../src/track/track-event.js';
import { allCaptures, ecsOf, KEY_A } from './helpers.js';

type Kind = 'ip' | 'user' | 'host' | 'call-id' | 'user-agent';

class Plaintexts {
  readonly values = new Map<string, Kind>();

  add(kind: Kind, v: string | null | undefined): void {
    if (v === null || v === undefined) return;
    const t = v.trim();
    // Values this short cannot be told apart from ordinary text (ports, statuses, "ok"); see MIN_LENGTH.
    if (t.length < MIN_LENGTH) return;
    if (!this.values.has(t)) this.values.set(t, kind);
  }

  uri(u: string | null | undefined): void {
    if (!u) return;
    const p = parseUri(u);
    if (p === null) return;
    this.add('user', p.user);
    this.add('user', p.password);
    if (p.host !== '') this.add('host', p.host);
  }
}

/** Users such as "1" or "20" are left out: any number in a document would "match" them. */
const MIN_LENGTH = 3;

/** Characters that delimit a value inside a larger string (URI and list punctuation, white space). */
const DELIMS = new Set([...':@;=,/ "?&[]\t']);

/** A value of up to four hex digits between colons is an IPv6 address group, not a quoted value. */
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function occursIn(s: string, p: string): boolean {
  let i = s.indexOf(p);
  while (i >= 0) {
    const before = i === 0 ? '' : s[i - 1]!;
    const after = i + p.length >= s.length ? '' : s[i + p.length]!;
    const v6group = HEX_GROUP.test(p) && (before === ':' || after === ':') && /[0-9a-f]:[0-9a-f]/i.test(s);
    if ((before === '' || DELIMS.has(before)) && (after === '' || DELIMS.has(after)) && !v6group) return true;
    i = s.indexOf(p, i + 1);
  }
  return false;
}

/** Every string value with its path, and the object keys too where keys are names taken from data. */
function strings(v: unknown, path: string, out: Array<[string, string]>, keys: boolean): void {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out, keys));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (keys) out.push([`${path}{key}`, k]);
      strings(x, path ? `${path}.${k}` : k, out, keys);
    }
  }
}

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

async function fromMessages(file: string, pt: Plaintexts): Promise<void> {
  const onPayload = (p: SipPayload): void => {
    pt.add('ip', p.srcIp);
    pt.add('ip', p.dstIp);
    if (p.kind !== 'sip') return;
    const m = parseSipMessage(p.buf, p.start, p.end);
    pt.add('call-id', m.callId);
    pt.uri(m.from?.uri);
    pt.uri(m.to?.uri);
    pt.uri(m.pai?.uri);
    if (m.isRequest) pt.uri(m.requestUri);
    for (const c of m.contacts) pt.uri(c.uri);
    pt.add('user', m.credentials?.username);
    pt.add('user-agent', m.userAgent);
    pt.add('user-agent', m.server);
  };
  const chain = new DecodeChain(defaultDecodeOptions, new Counters(), onPayload);
  await readCapture(file, chain.onFrame);
  chain.finish();
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

/** Plaintext values found in the output strings (the key-id field, ours, is not searched). */
function search(leaves: Array<[string, string]>, pt: Plaintexts): string[] {
  const hits: string[] = [];
  for (const [path, s] of leaves) {
    if (path === 'sip.key_id') continue;
    for (const [p, kind] of pt.values) if (occursIn(s, p)) hits.push(`${kind} ${JSON.stringify(p)} in ${path}: ${s.slice(0, 120)}`);
  }
  return hits;
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
