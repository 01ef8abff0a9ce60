import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Counters } from '../../src/base/counters.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { Frame } from '../../src/capture/frame.js';
import type { SipPayload } from '../../src/decode/sip-payload.js';
import { toEcs } from '../../src/events/ecs-event.js';
import { DecodeChain, defaultDecodeOptions } from '../../src/pipeline/decode-chain.js';
import { parseSipMessage } from '../../src/sip/parse.js';
import { defaultTrackOptions } from '../../src/track/options.js';
import { Tracker } from '../../src/track/tracker.js';
import { FIXTURES, SHARED_PCAPS } from '../helpers/paths.js';

interface Rec {
  tsUs: number;
  linkType: number;
  data: Buffer;
}

/** Every frame of the shared captures and fixtures (owned copies), the corpus the mutations start from. */
async function corpus(): Promise<Rec[]> {
  const out: Rec[] = [];
  const files = [
    ...readdirSync(SHARED_PCAPS).filter((f) => !f.startsWith('sipattacks_SIP-212')).map((f) => join(SHARED_PCAPS, f)),
    ...readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).map((f) => join(FIXTURES, f)),
  ];
  for (const f of files) await readCapture(f, (fr) => out.push({ tsUs: fr.tsUs, linkType: fr.linkType, data: Buffer.from(fr.data) }));
  return out;
}

/** The whole path after capture: decode → parse (every getter) → track → ECS documents. */
function pipeline() {
  const counters = new Counters();
  let events = 0;
  const tracker = new Tracker(defaultTrackOptions, counters, (e) => {
    JSON.stringify(toEcs(e));
    events++;
  });
  const chain = new DecodeChain(defaultDecodeOptions, counters, (p: SipPayload) => {
    if (p.kind === 'sip') {
      const m = parseSipMessage(p.buf, p.start, p.end);
      void [m.callId, m.cseq, m.from, m.to, m.vias, m.contacts, m.expires, m.credentials, m.challenge, m.userAgent, m.server, m.pai, m.contentLength, m.sessionExpires];
      if (m.error !== null) tracker.onParseError(p, m);
      else tracker.onMessage(p, m);
    } else if (p.kind === 'non-sip') tracker.onProbe(p);
  });
  const frame: Frame = { tsUs: 0, linkType: 1, data: Buffer.alloc(0), origLen: 0, source: 'fuzz', offset: 0 };
  return {
    counters,
    get events() {
      return events;
    },
    feed(r: Rec, data: Buffer) {
      frame.tsUs = r.tsUs;
      frame.linkType = r.linkType;
      frame.data = data;
      frame.origLen = data.length;
      tracker.advance(r.tsUs);
      chain.onFrame(frame);
    },
    end() {
      chain.finish();
      return tracker.finish(32e6);
    },
  };
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('sip' as const), at: fc.nat(), text: fc.constantFrom('\r\n', ':', ';', ',', '"', '<', '>', '\0', ' SIP/2.0\r\n', 'Content-Length: 99999\r\n', '\r\n\r\n', 'tag=') }),
);

function mutate(data: Buffer, muts: { kind: string; at: number; bit?: number; bytes?: Uint8Array; text?: string }[]): Buffer {
  let b = Buffer.from(data);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at]! ^= 1 << m.bit!;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else {
      const ins = m.kind === 'insert' ? Buffer.from(m.bytes!) : Buffer.from(m.text!, 'latin1');
      b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    }
  }
  return b;
}

test('fuzz: mutated frames of real captures through decode → parse → track → ECS never throw, and the pipeline still works', async () => {
  const frames = await corpus();
  assert.ok(frames.length > 2000);
  await fc.assert(
    fc.property(
      fc.array(fc.record({ i: fc.nat({ max: frames.length - 1 }), muts: fc.array(mutation, { minLength: 1, maxLength: 4 }) }), { minLength: 20, maxLength: 120 }),
      (cases) => {
        const p = pipeline();
        for (const c of cases) {
          const r = frames[c.i]!;
          p.feed(r, mutate(r.data, c.muts));
          p.feed(r, r.data); // an unmutated frame in between: state must stay usable
        }
        p.end();
        assert.equal(p.counters.get('decode.internal_error'), 0);
      },
    ),
    { numRuns: 500, seed: 20261122 },
  );
  // After all that, a clean replay of a known call still gives exactly its events.
  const p = pipeline();
  const call: Rec[] = [];
  await readCapture(join(SHARED_PCAPS, 'pkts_simple_invite_scenario.pcap'), (fr) => call.push({ tsUs: fr.tsUs, linkType: fr.linkType, data: Buffer.from(fr.data) }));
  for (const r of call) p.feed(r, r.data);
  p.end();
  assert.equal(p.events, 2); // call-start and call-end
});
