import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimerQueue, type Timed } from '../../src/base/timer-queue.js';

class T implements Timed {
  timerGen = 0;
  timerDue = -1;
  constructor(readonly id: number) {}
}

test('timers fire in due order (ties in arming order), re-arming and disarming leave no stale fire', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ id: fc.nat({ max: 30 }), due: fc.nat({ max: 1000 }), op: fc.constantFrom('arm', 'arm', 'disarm') }), { maxLength: 300 }), (ops) => {
      const fired: [number, number][] = [];
      const q = new TimerQueue<T>((t, due) => fired.push([t.id, due]));
      const objs = new Map<number, T>();
      const expect = new Map<number, { due: number; seq: number }>();
      let seq = 0;
      for (const o of ops) {
        const t = objs.get(o.id) ?? new T(o.id);
        objs.set(o.id, t);
        if (o.op === 'arm') {
          q.arm(t, o.due);
          expect.set(o.id, { due: o.due, seq: seq++ });
        } else {
          q.disarm(t);
          expect.delete(o.id);
        }
      }
      q.advance(1000);
      const want = [...expect].sort((a, b) => a[1].due - b[1].due || a[1].seq - b[1].seq).map(([id, v]) => [id, v.due]);
      assert.deepEqual(fired, want);
      assert.equal(q.peekDue(), -1);
    }),
    { numRuns: 300, seed: 7 },
  );
});
