import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageTrace } from '../../src/track/message-trace.js';

test('message trace: tokens in order, retransmission counts, the oldest dropped past max', () => {
  const empty = new MessageTrace();
  assert.equal(empty.toString(), '');
  const t = new MessageTrace(4);
  const invite = t.add('>INVITE');
  t.add('<100');
  assert.equal(t.toString(), '>INVITE <100');
  t.retransmitted(invite);
  t.retransmitted(invite);
  const ok = t.add('<200');
  t.retransmitted(ok);
  assert.equal(t.toString(), '>INVITE{2} <100 <200{1}');
  t.add('>ACK');
  t.add('>BYE');
  // INVITE scrolled out: its count goes with it, and its handle no longer counts.
  t.retransmitted(invite);
  assert.equal(t.toString(), '…[1] <100 <200{1} >ACK >BYE');
  const bye = 4;
  t.retransmitted(bye);
  t.add('<200');
  assert.equal(t.toString(), '…[2] <200{1} >ACK >BYE{1} <200');
  t.retransmitted(99);
  assert.equal(t.toString(), '…[2] <200{1} >ACK >BYE{1} <200');
});
