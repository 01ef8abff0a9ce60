/** The interned encapsulation paths. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncapInterner, Layer } from '../../../src/decode/encap-path.js';

test('paths are shared per layer sequence and list names outermost first', () => {
  const i = new EncapInterner();
  const a = i.child(i.child(i.child(i.root, Layer.ETH), Layer.IPV4), Layer.UDP);
  const b = i.child(i.child(i.child(i.root, Layer.ETH), Layer.IPV4), Layer.UDP);
  assert.equal(a, b);
  assert.equal(a.names, b.names);
  assert.deepEqual(a.names, ['eth', 'ipv4', 'udp']);
  assert.equal(a.depth, 3);
  assert.equal(i.size, 4);
  assert.equal(i.overflow, 0);
});

test('past the node cap paths are still right but not cached, and counted', () => {
  const i = new EncapInterner(3);
  const eth = i.child(i.root, Layer.ETH);
  const v4 = i.child(eth, Layer.IPV4);
  const udp1 = i.child(v4, Layer.UDP);
  const udp2 = i.child(v4, Layer.UDP);
  assert.deepEqual(udp1.names, ['eth', 'ipv4', 'udp']);
  assert.deepEqual(udp2.names, ['eth', 'ipv4', 'udp']);
  assert.notEqual(udp1, udp2);
  assert.equal(i.size, 3);
  assert.equal(i.overflow, 2);
});

test('the arrays handed out are frozen', () => {
  const i = new EncapInterner();
  const p = i.child(i.child(i.root, Layer.SLL2), Layer.IPV6);
  assert.ok(Object.isFrozen(p.names));
  assert.ok(Object.isFrozen(i.root.names));
});
