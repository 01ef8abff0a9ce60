import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CappedMap } from '../../src/base/capped-map.js';
import { OldestKey } from '../../src/base/oldest-key.js';
import { RecentCache } from '../../src/base/recent-cache.js';

/** The reference answer: the first key in the map's insertion order. */
function first<K>(m: Map<K, unknown>): K | undefined {
  return m.keys().next().value;
}

test('OldestKey gives the least recently inserted key as entries are evicted, deleted and re-inserted', () => {
  const m = new Map<string, number>();
  const oldest = new OldestKey(m);
  assert.equal(oldest.next(), undefined, 'empty map');
  for (let i = 0; i < 5; i++) m.set(`k${i}`, i);
  // Evict-on-insert, the way the capped tables use it.
  for (let i = 5; i < 50; i++) {
    const k = oldest.next()!;
    assert.equal(k, first(m));
    m.delete(k);
    m.set(`k${i}`, i);
  }
  // A key deleted elsewhere (an idle sweep) is skipped; a touched key (delete + set) moves to the end.
  m.delete('k46');
  const touched = m.get('k45')!;
  m.delete('k45');
  m.set('k45', touched);
  assert.deepEqual([...m.keys()], ['k47', 'k48', 'k49', 'k45']);
  const seen: string[] = [];
  while (m.size > 0) {
    const k = oldest.next()!;
    assert.equal(k, first(m));
    seen.push(k);
    m.delete(k);
  }
  assert.deepEqual(seen, ['k47', 'k48', 'k49', 'k45']);
  assert.equal(oldest.next(), undefined);
  // Entries added after the iterator ran out, and after a clear, are found again.
  m.set('a', 1);
  m.set('b', 2);
  assert.equal(oldest.next(), 'a');
  m.clear();
  m.set('c', 3);
  assert.equal(oldest.next(), 'c');
});

test('OldestKey keeps eviction order through many rehashes of a large table', () => {
  const m = new Map<number, number>();
  const oldest = new OldestKey(m);
  for (let i = 0; i < 1000; i++) m.set(i, i);
  for (let i = 1000; i < 50_000; i++) {
    if (i % 7 === 0) m.delete(i - 500); // deletions in the middle
    const k = oldest.next()!;
    assert.equal(k, first(m), `at ${i}`);
    m.delete(k);
    m.set(i, i);
  }
  assert.equal(m.size <= 1000, true);
});

test('RecentCache keeps recent values through a generation change and forgets the ones not used for two', () => {
  const c = new RecentCache<number>(2);
  c.set('a', 1);
  c.set('b', 2);
  c.set('c', 3); // young {a, b} becomes old; young {c}
  assert.equal(c.get('a'), 1); // promoted from old into young {c, a}
  c.set('d', 4); // young full: old {c, a}, young {d}
  assert.equal(c.get('b'), undefined, 'b was not used for two generations');
  assert.equal(c.get('c'), 3);
  assert.equal(c.size <= 4, true);
});

test('OldestKey.nextOther passes over the entry being worked on', () => {
  const m = new Map<string, number>([['a', 1], ['b', 2], ['c', 3]]);
  const oldest = new OldestKey(m);
  assert.equal(oldest.nextOther('a'), 'b');
  m.delete('b');
  assert.equal(oldest.nextOther('a'), 'c');
  m.delete('c');
  // Only the skipped entry is left: nothing else to give.
  assert.equal(oldest.nextOther('a'), undefined);
  assert.equal(oldest.next(), 'a');
  assert.equal(new OldestKey(new Map<string, number>()).nextOther('x'), undefined);
});

test('CappedMap drops the least recently inserted entry only when a new key meets a full map', () => {
  const m = new CappedMap<string, number>(3);
  assert.equal(m.add('a', 1), false);
  assert.equal(m.add('b', 2), false);
  assert.equal(m.add('c', 3), false);
  assert.equal(m.add('b', 20), false, 'an existing key is updated in place, nothing dropped');
  assert.equal(m.add('d', 4), true);
  assert.deepEqual([...m.keys()], ['b', 'c', 'd']);
  // An LRU touch (delete + add) moves a key to the young end.
  m.delete('b');
  m.add('b', 21);
  assert.equal(m.add('e', 5), true);
  assert.deepEqual([...m], [['d', 4], ['b', 21], ['e', 5]]);
  assert.equal(m.evicted, 2);
  for (let i = 0; i < 10_000; i++) m.add(`k${i}`, i);
  assert.deepEqual([...m.keys()], ['k9997', 'k9998', 'k9999']);
  assert.equal(m.evicted, 10_002);
});
