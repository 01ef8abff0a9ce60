/** The processor over TrackEvents, and decryption of the documents it leads to. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toEcs } from '../../src/events/ecs-event.js';
import { DecryptError, DocumentDecryptor } from '../../src/privacy/decrypt.js';
import { KeyRing } from '../../src/privacy/keys.js';
import { createEncryptor } from '../../src/privacy/processor.js';
import { GROUPS, type Group } from '../../src/privacy/config.js';
import { TrackEvent } from '../../src/track/track-event.js';
import { authFailedSample, ecsOf, KEY_A, KEY_B } from './helpers.js';

const sample = authFailedSample;

const FIELDS_OF: Record<Group, Array<keyof TrackEvent>> = {
  ips: ['client', 'server'],
  uris: ['from', 'to', 'requestUri', 'contact', 'pai', 'realm'],
  call_id: ['callId'],
  user: ['user'],
  user_agent: ['userAgent', 'serverAgent'],
};

describe('processor', () => {
  for (const g of GROUPS) {
    it(`group ${g} changes its fields and only those`, () => {
      const plain = sample();
      const e = sample();
      createEncryptor({ groups: [g], key: KEY_A })(e);
      for (const [group, fields] of Object.entries(FIELDS_OF)) {
        for (const f of fields) {
          if (group === g) assert.notDeepEqual(e[f], plain[f], `${f} should be encrypted`);
          else assert.deepEqual(e[f], plain[f], `${f} should be unchanged`);
        }
      }
      assert.equal(e.method, 'INVITE');
      assert.equal(e.reason, 'Forbidden');
      assert.equal(e.fromTag, plain.fromTag);
      assert.equal((e as TrackEvent & { keyId?: string }).keyId, `${KEY_A.id}/${g}`);
    });
  }

  it('leaves the tracker’s endpoint objects alone (new ones on the event)', () => {
    const e = sample();
    const client = e.client!;
    const server = e.server!;
    createEncryptor({ groups: ['ips'], key: KEY_A })(e);
    assert.equal(client.ip, '192.0.2.10');
    assert.equal(server.ip, '2001:db8::5');
    assert.notEqual(e.client, client);
    assert.equal(e.client!.port, 5060);
  });

  it('the same value gives the same ciphertext across fields (search one value everywhere)', () => {
    const enc = createEncryptor({ groups: GROUPS, key: KEY_A });
    const e = sample();
    enc(e);
    // user.name and the From user part; client.ip and the Contact host.
    assert.equal(e.from!.slice(4, e.from!.indexOf('@')), e.user);
    assert.ok(e.contact!.includes('@' + e.client!.ip + ':5060'));
    assert.equal(enc.ciphers.user('alice'), e.user);
  });

  it('residual fields: known texts stay, anything else is encrypted', () => {
    const enc = createEncryptor({ groups: ['call_id'], key: KEY_A });
    const e = sample();
    e.reason = 'Forbidden - 192.0.2.10 blocked';
    e.method = 'FROB';
    enc(e);
    assert.match(e.reason, /^~[a-z2-7]+$/);
    assert.match(e.method, /^~[a-z2-7]+$/);
    assert.match(e.trace!, /^>INVITE <407 >ACK >INVITE\{1\} <403 >~[a-z2-7]+$/);

    const p = new TrackEvent('parse-error', 0);
    p.errorCode = 'sip.truncated_body';
    p.errorMessage = 'Content-Length 287 but 276 body bytes present';
    enc(p);
    assert.equal(p.errorMessage, 'Content-Length 287 but 276 body bytes present');
    const q = new TrackEvent('parse-error', 0);
    q.errorCode = 'sip.internal';
    q.errorMessage = 'TypeError: bad header "From: <sip:bob@example.org>"';
    enc(q);
    assert.match(q.errorMessage!, /^~/);
    const m = new TrackEvent('msg-probe', 0);
    m.payloadPrefix = '474554202f737461722d313233343536';
    enc(m);
    assert.match(m.payloadPrefix!, /^~/);
  });

  it('never encrypts an event twice', () => {
    const enc = createEncryptor({ groups: GROUPS, key: KEY_A });
    const once = sample();
    enc(once);
    const twice = sample();
    enc(twice);
    enc(twice);
    assert.deepEqual(twice, once);
  });

  it('stats documents and end-of-run summary lists', () => {
    const enc = createEncryptor({ groups: GROUPS, key: KEY_A });
    const doc = { event: { kind: 'metric' }, sipsentry: { stats: { counters: { sip: { messages: 5, requests: { INVITE: 2, 'alice@example.com': 1 } } } } } };
    const out = enc.statsDocument(doc);
    const req = out.sipsentry.stats.counters.sip.requests as Record<string, number>;
    assert.equal(req.INVITE, 2);
    assert.ok(!JSON.stringify(out).includes('alice'));
    assert.equal(doc.sipsentry.stats.counters.sip.requests['alice@example.com'], 1, 'the input is not changed');
    assert.equal((out as { sip?: { key_id?: string } }).sip?.key_id, enc.scheme, 'stats documents name their key like events');
    assert.deepEqual(new DocumentDecryptor(new KeyRing([KEY_A])).decrypt(out), doc, 'and decrypt back to the original');
    assert.throws(() => new DocumentDecryptor(new KeyRing([KEY_B])).decrypt(out), /key/);
    const lists = enc.summaryLists({ calls: ['a@b'], bindings: ['sip:alice@example.com sip:alice@192.0.2.10:5060'], pending: ['INVITE c@d', 'FROB e@f'] });
    assert.deepEqual(lists.calls, [enc.ciphers.callId('a@b')]);
    assert.deepEqual(lists.bindings, [`${enc.ciphers.uri('sip:alice@example.com')} ${enc.ciphers.uri('sip:alice@192.0.2.10:5060')}`]);
    assert.deepEqual(lists.pending, [`INVITE ${enc.ciphers.callId('c@d')}`, `${enc.ciphers.text('FROB')} ${enc.ciphers.callId('e@f')}`]);
  });

  it('counter names that embed extension methods are encrypted', () => {
    const enc = createEncryptor({ groups: ['ips'], key: KEY_A });
    const out = enc.counters({ 'sip.requests.INVITE': 3, 'sip.requests.alice@example.com': 1, 'sip.messages': 4 });
    assert.equal(out['sip.requests.INVITE'], 3);
    assert.equal(out['sip.messages'], 4);
    assert.ok(!Object.keys(out).some((k) => k.includes('alice')));
  });
});

describe('decrypt', () => {
  const ring = new KeyRing([KEY_A]);

  it('gives back the plaintext document, for every group combination', () => {
    const plain = toEcs(sample());
    for (let mask = 1; mask < 1 << GROUPS.length; mask++) {
      const groups = GROUPS.filter((_, i) => mask & (1 << i));
      for (const ipMode of ['prefix', 'full'] as const) {
        const e = sample();
        createEncryptor({ groups, key: KEY_A, ipMode })(e);
        const doc = ecsOf(e);
        assert.deepEqual(new DocumentDecryptor(ring).decrypt(doc), plain, `${groups.join(',')} ${ipMode}`);
      }
    }
  });

  it('a document without a key id passes unchanged', () => {
    const doc = toEcs(sample());
    assert.equal(new DocumentDecryptor(ring).decrypt(doc), doc);
  });

  it('wrong key: a clear error naming both key ids, no output', () => {
    const e = sample();
    createEncryptor({ groups: GROUPS, key: KEY_A })(e);
    const doc = ecsOf(e);
    assert.throws(
      () => new DocumentDecryptor(new KeyRing([KEY_B])).decrypt(doc),
      (err: Error) => err instanceof DecryptError && err.message.includes(KEY_A.id) && err.message.includes(KEY_B.id),
    );
  });

  it('an altered ciphertext is reported, not decrypted to garbage', () => {
    const e = sample();
    createEncryptor({ groups: GROUPS, key: KEY_A })(e);
    const doc = ecsOf(e) as { sip: { call_id: string } };
    doc.sip.call_id = doc.sip.call_id.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    assert.throws(() => new DocumentDecryptor(ring).decrypt(doc), /sip\.call_id: .* not a ciphertext/);
  });

  it('key rotation: a ring decrypts events of old and new keys in one stream', () => {
    const dec = new DocumentDecryptor(new KeyRing([KEY_B, KEY_A]));
    for (const key of [KEY_A, KEY_B]) {
      const e = sample();
      createEncryptor({ groups: GROUPS, key })(e);
      assert.deepEqual(dec.decrypt(ecsOf(e)), toEcs(sample()));
    }
  });

  it('reads flattened documents too', () => {
    const e = sample();
    createEncryptor({ groups: ['call_id', 'ips'], key: KEY_A })(e);
    const doc = ecsOf(e) as { sip: Record<string, unknown>; client: { ip: string } };
    const flat = { 'sip.key_id': doc.sip.key_id, 'sip.call_id': doc.sip.call_id, 'client.ip': doc.client.ip };
    assert.deepEqual(new DocumentDecryptor(ring).decrypt(flat), { 'sip.call_id': '3c26700a1a3a@192.0.2.10', 'client.ip': '192.0.2.10' });
  });

  it('events of one subject share its memo: same ciphertexts as without, never another key\'s', () => {
    const subject = { derived: undefined as unknown };
    const encA = createEncryptor({ groups: GROUPS, key: KEY_A });
    const encB = createEncryptor({ groups: GROUPS, key: KEY_B });
    const alone = (key: typeof KEY_A, change?: (e: TrackEvent) => void): TrackEvent => {
      const e = sample();
      change?.(e);
      createEncryptor({ groups: GROUPS, key })(e);
      return e;
    };
    const of = (change?: (e: TrackEvent) => void): TrackEvent => {
      const e = sample();
      e.subject = subject;
      change?.(e);
      return e;
    };
    const first = of();
    encA(first);
    assert.notEqual(subject.derived, undefined);
    // The second event: equal values (other string objects), one changed value, another endpoint.
    const refresh = (e: TrackEvent): void => {
      e.callId = 'a-refresh@192.0.2.10';
      e.client = { ip: '192.0.2.77', port: 5062 };
      e.from = ['sip:alice@', 'example.com;user=phone'].join('');
    };
    const second = of(refresh);
    encA(second);
    assert.deepEqual(ecsOf(first), ecsOf(alone(KEY_A)));
    assert.deepEqual(ecsOf(second), ecsOf(alone(KEY_A, refresh)));
    // Another encryptor (another key) on the same subject does not take the memo for its own.
    const third = of(refresh);
    encB(third);
    assert.deepEqual(ecsOf(third), ecsOf(alone(KEY_B, refresh)));
    const fourth = of();
    encA(fourth);
    assert.deepEqual(ecsOf(fourth), ecsOf(alone(KEY_A)));
  });
});
