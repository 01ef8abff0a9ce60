import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIFICATION, ECS_VERSION, toEcs } from '../../src/events/ecs-event.js';
import { FIELDS, indexTemplate } from '../../src/events/fields.js';
import { EventActions, TrackEvent } from '../../src/track/track-event.js';
import { REPO_ROOT } from '../helpers/paths.js';

const require = createRequire(import.meta.url);
const { EcsFlat, EcsVersion } = require('@elastic/ecs') as {
  EcsFlat: Record<string, { type: string; allowed_values?: { name: string; expected_event_types?: string[] }[] }>;
  EcsVersion: string;
};

test('every ECS field we use exists in ECS with the same type', () => {
  for (const f of FIELDS.filter((x) => x.ecs)) {
    const def = EcsFlat[f.name];
    assert.ok(def, `${f.name} is not an ECS field`);
    assert.equal(def.type, f.type, `${f.name}: ECS type ${def.type}, ours ${f.type}`);
  }
});

test('our own fields live under sip.* and never shadow an ECS field', () => {
  for (const f of FIELDS.filter((x) => !x.ecs)) {
    assert.ok(f.name.startsWith('sip.'), f.name);
    assert.equal(EcsFlat[f.name], undefined, f.name);
  }
  assert.equal(new Set(FIELDS.map((f) => f.name)).size, FIELDS.length, 'duplicate field');
});

test('ECS version and categorisation are valid ECS values', () => {
  assert.equal(ECS_VERSION, EcsVersion);
  const cats = new Map(EcsFlat['event.category']!.allowed_values!.map((v) => [v.name, v.expected_event_types ?? []]));
  const types = new Set(EcsFlat['event.type']!.allowed_values!.map((v) => v.name));
  const outcomes = new Set(EcsFlat['event.outcome']!.allowed_values!.map((v) => v.name));
  for (const a of EventActions) {
    const c = CLASSIFICATION[a];
    assert.ok(outcomes.has(c.outcome), a);
    for (const cat of c.category) {
      assert.ok(cats.has(cat), `${a}: category ${cat}`);
      for (const t of c.type) {
        assert.ok(types.has(t), `${a}: type ${t}`);
        assert.ok(cats.get(cat)!.includes(t), `${a}: type ${t} is not expected with category ${cat}`);
      }
    }
  }
  assert.equal(EcsFlat['event.kind']!.allowed_values!.some((v) => v.name === 'event'), true);
});

function flatKeys(o: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const name = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...flatKeys(v as Record<string, unknown>, name + '.'));
    else out.push(name);
  }
  return out;
}

test('a fully populated event only emits documented fields', () => {
  const e = new TrackEvent('call-end', 1_700_000_000_000_000);
  Object.assign(e, {
    startUs: 1_700_000_000_000_000, endUs: 1_700_000_010_000_000, client: { ip: '10.0.0.1', port: 5060 }, server: { ip: '10.0.0.2', port: 5060 },
    transport: 'udp', callId: 'c', from: 'sip:a@b', to: 'sip:b@b', fromTag: 'f', toTag: 't', requestUri: 'sip:b@b', method: 'INVITE',
    status: 200, reason: 'OK', contact: 'sip:a@1.2.3.4', expires: 60, userAgent: 'UA', serverAgent: 'S', pai: 'sip:p@b', user: 'a', realm: 'b',
    pddMs: 1, ringMs: 2, originator: 'caller', timeout: true, cancelled: true, partial: true, trace: '>INVITE', errorCode: 'sip.x',
    errorMessage: 'm', errorOffset: 3, bytes: 4, payloadPrefix: '00', encap: ['eth', 'ipv4', 'udp'],
  });
  const doc = toEcs(e);
  const names = new Set(FIELDS.map((f) => f.name));
  for (const k of flatKeys(doc)) assert.ok(names.has(k), `undocumented field ${k}`);
  assert.equal((doc.event as Record<string, unknown>).duration, 10_000_000_000);
});

test('docs/events.md documents every field and the committed index template is up to date', () => {
  const md = readFileSync(join(REPO_ROOT, 'docs/events.md'), 'utf8');
  for (const f of FIELDS) assert.ok(md.includes('`' + f.name + '`'), `docs/events.md lacks ${f.name}`);
  const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'templates/index-template.json'), 'utf8'));
  assert.deepEqual(committed, indexTemplate(), 'regenerate with: sipsentry template > templates/index-template.json');
});
