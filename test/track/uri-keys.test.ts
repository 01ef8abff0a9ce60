/** AoR and contact keys: the one-pass path for the common spelling agrees with parsing the URI. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aorKey, contactKey, makeAorKey, makeContactKey } from '../../src/track/uri-keys.js';
import { seededRandom } from '../helpers/packet-builder.js';

const SAMPLES = [
  'sip:alice@example.com',
  'sip:alice@example.com:5060',
  'sip:alice@example.com;transport=tcp',
  'sip:alice@example.com:5061;transport=tls?subject=x',
  'sip:108168@10.20.31.232:22392;line=c1852136',
  'sip:+4930123456@192.0.2.20:5060;user=phone',
  'sip:alice@Example.COM',
  'SIP:alice@example.com',
  'sips:alice@example.com',
  'sip:alice:secret@example.com',
  'sip:example.com',
  'sip:alice@[2001:db8::1]:5060',
  'sip:alice@2001:db8::1',
  'sip:alice@example.com:99999',
  'sip:alice@example.com:50x0',
  'sip:alice@',
  'sip:@example.com',
  'sip:al ice@example.com',
  'sip:alice@exa mple.com',
  'sip:a%40b@example.com',
  'sip:alice@example.com?to=bob',
  'tel:+4930123456',
  'sip:alice@example.com:',
  'sip:alice;x=y@example.com',
  ' sip:alice@example.com',
  'sip:alice@example.com ',
  'sip:ålice@example.com',
];

describe('uri keys', () => {
  it('the simple form and the parse agree on every sample', () => {
    for (const u of SAMPLES) {
      assert.equal(aorKey(u), makeAorKey(u), `aor of ${JSON.stringify(u)}`);
      assert.equal(contactKey(u), makeContactKey(u), `contact of ${JSON.stringify(u)}`);
    }
  });

  it('and on 20,000 mutations of them', () => {
    const rnd = seededRandom(7);
    const alphabet = 'sipSIP:@.;=?[]-_+%0123456789abcxyzABC \t<>"';
    for (let i = 0; i < 20_000; i++) {
      let u = SAMPLES[Math.floor(rnd() * SAMPLES.length)]!;
      const edits = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rnd() * (u.length + 1));
        const ch = alphabet[Math.floor(rnd() * alphabet.length)]!;
        const op = rnd();
        u = op < 0.4 ? u.slice(0, at) + ch + u.slice(at) : op < 0.8 ? u.slice(0, at) + ch + u.slice(at + 1) : u.slice(0, at) + u.slice(at + 1);
      }
      if (u === '') continue;
      assert.equal(aorKey(u), makeAorKey(u), `aor of ${JSON.stringify(u)}`);
      assert.equal(contactKey(u), makeContactKey(u), `contact of ${JSON.stringify(u)}`);
    }
  });

  it('a URI already in canonical form is its own key (no new string)', () => {
    const u = 'sip:alice@example.com';
    assert.equal(aorKey(u), u);
    assert.equal(contactKey('sip:bob@192.0.2.1:5060'), 'sip:bob@192.0.2.1:5060');
    assert.equal(contactKey('sip:bob@192.0.2.1:5060;ob'), 'sip:bob@192.0.2.1:5060');
    assert.equal(aorKey('sip:bob@192.0.2.1:5060;ob'), 'sip:bob@192.0.2.1');
  });
});
